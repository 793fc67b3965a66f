import * as vscode from 'vscode';
import { runCli, type CliResult } from './cliProcess.js';
import type { ProfileFiles } from './profileView.js';
import type { SystemTarget } from './systems.js';

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
export async function runProfileCli(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget, files: ProfileFiles, token: vscode.CancellationToken): Promise<CliResult> {
  const config = vscode.workspace.getConfiguration('pvlab', target.file);
  const args = profileArgs(context.asAbsolutePath('dist/cli.js'), target, config.get<number>('maxCycles', 1_000_000_000), config.get<boolean>('patchPvops', false), files);
  channel.appendLine(`$ pvlab ${args.slice(1).join(' ')}`);
  const result = await runCli(context, channel, args.slice(1), target.file, { token });
  if (!result.error) channel.appendLine(`[exit status ${result.code}]`);
  return result;
}
