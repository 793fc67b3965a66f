import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { cliRunArgs, readRunSettings, SETTINGS_SECTION } from './settings.js';
import type { SystemTarget } from './systems.js';

/**
 * Boots a system with the pvlab CLI in a child process (a runaway guest can
 * never freeze the editor) and shows the run summary in an output channel.
 */
export function runSystem(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget): Promise<number> {
  const settings = readRunSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, target.file));
  const args = cliRunArgs(context.asAbsolutePath('dist/cli.js'), target.file.fsPath, target.system, settings);
  channel.clear();
  channel.show(true);
  channel.appendLine(`$ pvlab run ${vscode.workspace.asRelativePath(target.file)}${target.system ? ` --system ${target.system}` : ''}`);
  return new Promise((resolve) => {
    // The extension host may be Electron: run the CLI with it as plain Node.
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd: vscode.workspace.getWorkspaceFolder(target.file)?.uri.fsPath });
    child.stdout.on('data', (d: Buffer) => channel.append(d.toString()));
    child.stderr.on('data', (d: Buffer) => channel.append(d.toString()));
    child.on('error', (e) => {
      channel.appendLine(`pvlab: could not start the sandbox: ${e.message}`);
      resolve(-1);
    });
    child.on('close', (code) => {
      channel.appendLine(`\n[exit status ${code ?? -1}: ${code === 0 ? 'exited cleanly' : code === 1 ? 'a domain crashed, deadlock or cycle limit' : 'the system does not compile'}]`);
      resolve(code ?? -1);
    });
  });
}
