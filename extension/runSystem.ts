import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { runStatusLine } from './cliExit.js';
import type { SystemTarget } from './systems.js';

/** Keep at most this much of the CLI's stderr to explain its exit (all of it goes to the channel). */
const STDERR_KEPT = 64 * 1024;

/**
 * Boots a system with the pvlab CLI in a child process (a runaway guest can
 * never freeze the editor) and shows the run summary in an output channel.
 */
export function runSystem(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget): Promise<number> {
  const config = vscode.workspace.getConfiguration('pvlab', target.file);
  const args = [context.asAbsolutePath('dist/cli.js'), 'run', target.file.fsPath, '--max-cycles', String(config.get<number>('maxCycles', 1_000_000_000))];
  if (target.system) args.push('--system', target.system);
  if (config.get<boolean>('patchPvops', false)) args.push('--patch-pvops');
  channel.clear();
  channel.show(true);
  channel.appendLine(`$ pvlab run ${vscode.workspace.asRelativePath(target.file)}${target.system ? ` --system ${target.system}` : ''}`);
  return new Promise((resolve) => {
    // The extension host may be Electron: run the CLI with it as plain Node.
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd: vscode.workspace.getWorkspaceFolder(target.file)?.uri.fsPath });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => channel.append(d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      channel.append(text);
      if (stderr.length < STDERR_KEPT) stderr += text;
    });
    child.on('error', (e) => {
      channel.appendLine(`pvlab: could not start the sandbox: ${e.message}`);
      resolve(-1);
    });
    child.on('close', (code, signal) => {
      channel.appendLine(`\n${runStatusLine({ code, signal }, stderr)}`);
      resolve(code ?? -1);
    });
  });
}
