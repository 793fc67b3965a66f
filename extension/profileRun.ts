import * as vscode from 'vscode';
import { runCli, type CliResult } from './cliProcess.js';
import { runStatusLine } from './cliExit.js';
import type { ProfileFiles } from './profileView.js';
import { cliRunArgs, readRunSettings, SETTINGS_SECTION, type RunSettings } from './settings.js';
import type { SystemTarget } from './systems.js';

export type { CliResult };

/** `run FILE --max-cycles N [--system S] [--patch-pvops] --profile X.cpuprofile --profile-json X.json`. */
export function profileArgs(target: SystemTarget, settings: RunSettings, files: ProfileFiles): string[] {
  return [...cliRunArgs(target.file.fsPath, target.system, settings), '--profile', files.cpuprofile, '--profile-json', files.json];
}

/**
 * Profiles a system with the pvlab CLI in a child process, as Run System does
 * (a runaway guest never freezes the editor; cancelling kills the process),
 * honouring pvlab.maxCycles and pvlab.patchPvops. Output goes to `channel`.
 */
export async function runProfileCli(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget, files: ProfileFiles, token: vscode.CancellationToken): Promise<CliResult> {
  const settings = readRunSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, target.file));
  const args = profileArgs(target, settings, files);
  channel.appendLine(`$ pvlab ${args.join(' ')}`);
  const result = await runCli(context, channel, args, target.file, { token });
  if (!result.error) channel.appendLine(runStatusLine({ code: result.signal ? null : result.code, signal: result.signal }, result.stderr));
  return result;
}
