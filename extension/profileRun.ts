import * as vscode from 'vscode';
import { runStatusLine } from './cliExit.js';
import { startCli } from './cliProcess.js';
import type { ProfileFiles } from './profileView.js';
import type { SystemTarget } from './systems.js';

export interface CliResult {
  /** The exit status; -1 when the process could not start or was killed. */
  code: number;
  /** The signal that stopped the process, if one did. */
  signal?: string;
  stderr: string;
  cancelled: boolean;
  /** Why the process could not start. */
  error?: string;
}

/** `pvlab run FILE [--system S] --max-cycles N [--patch-pvops] --profile X.cpuprofile --profile-json X.json`. */
export function profileArgs(cli: string, target: SystemTarget, maxCycles: number, patchPvops: boolean, files: ProfileFiles): string[] {
  const args = [cli, 'run', target.file.fsPath, '--max-cycles', String(maxCycles)];
  if (target.system) args.push('--system', target.system);
  if (patchPvops) args.push('--patch-pvops');
  args.push('--profile', files.cpuprofile, '--profile-json', files.json);
  return args;
}

/**
 * Profiles a system with the pvlab CLI in a child process, as Run System does
 * (a runaway guest never freezes the editor; cancelling kills the process),
 * honouring pvlab.maxCycles and pvlab.patchPvops. Output goes to `channel`.
 */
export function runProfileCli(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget, files: ProfileFiles, token: vscode.CancellationToken): Promise<CliResult> {
  const config = vscode.workspace.getConfiguration('pvlab', target.file);
  const args = profileArgs(context.asAbsolutePath('dist/cli.js'), target, config.get<number>('maxCycles', 1_000_000_000), config.get<boolean>('patchPvops', false), files);
  channel.appendLine(`$ pvlab ${args.slice(1).join(' ')}`);
  return new Promise((resolve) => {
    let cancelled = false;
    const { child, stderr } = startCli(args, channel, vscode.workspace.getWorkspaceFolder(target.file)?.uri.fsPath);
    const cancel = token.onCancellationRequested(() => {
      cancelled = true;
      child.kill();
    });
    child.on('error', (e) => {
      cancel.dispose();
      resolve({ code: -1, stderr: stderr(), cancelled, error: e.message });
    });
    child.on('close', (code, signal) => {
      cancel.dispose();
      channel.appendLine(runStatusLine({ code, signal }, stderr()));
      resolve({ code: code ?? -1, ...(signal ? { signal } : {}), stderr: stderr(), cancelled });
    });
  });
}
