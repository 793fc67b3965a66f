import * as vscode from 'vscode';
import { runStatusLine } from './cliExit.js';
import { startCli } from './cliProcess.js';
import type { SystemTarget } from './systems.js';

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
    const { child, stderr } = startCli(args, channel, vscode.workspace.getWorkspaceFolder(target.file)?.uri.fsPath);
    child.on('error', (e) => {
      channel.appendLine(`pvlab: could not start the sandbox: ${e.message}`);
      resolve(-1);
    });
    child.on('close', (code, signal) => {
      channel.appendLine(`\n${runStatusLine({ code, signal }, stderr())}`);
      resolve(code ?? -1);
    });
  });
}
