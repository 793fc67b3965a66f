import * as vscode from 'vscode';
import { cliRunArgs, readRunSettings, SETTINGS_SECTION } from './settings.js';
import { runCli } from './cliProcess.js';
import { summaryLast } from './runOutput.js';
import { runStatusLine } from './cliExit.js';
import type { SystemTarget } from './systems.js';

/**
 * Boots a system with the pvlab CLI in a child process and shows the run
 * summary in an output channel, the summary table last so that the panel,
 * which shows the end, shows it.
 */
export async function runSystem(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget): Promise<number> {
  const settings = readRunSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, target.file));
  const args = cliRunArgs(target.file.fsPath, target.system, settings);
  channel.clear();
  channel.show(true);
  channel.appendLine(`$ pvlab run ${vscode.workspace.asRelativePath(target.file)}${target.system ? ` --system ${target.system}` : ''}`);
  const result = await runCli(context, channel, args, target.file, { captureStdout: true });
  if (result.error) {
    channel.appendLine(`pvlab: could not start the sandbox: ${result.error}`);
    return -1;
  }
  channel.append(summaryLast(result.stdout));
  channel.appendLine(`\n${runStatusLine({ code: result.signal ? null : result.code, signal: result.signal }, result.stderr)}`);
  return result.code;
}
