import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runCli } from './cliProcess.js';
import { isComparison } from './compareModel.js';
import { storageBase } from './profileSystem.js';
import { ProfilePanel } from './profileView.js';
import { readRunSettings, SETTINGS_SECTION } from './settings.js';
import type { SystemTarget } from './systems.js';

/** The last `pvlab: …` line of the CLI's stderr, or its first line. */
function cliMessage(stderr: string, code: number): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return [...lines].reverse().find((l) => l.startsWith('pvlab: '))?.slice('pvlab: '.length) ?? lines[0] ?? `exit status ${code}`;
}

/**
 * Compare System: `pvlab compare FILE --system S --json` in a child process
 * (cancellable), saved beside the profiles in the extension's storage and
 * drawn as a chart in the profile view: each domain as native, pv, pv with
 * patched pvops and hvm. A variant that crashed is drawn and named in a
 * warning (the CLI exits 1).
 */
export async function compareSystem(context: vscode.ExtensionContext, channel: vscode.OutputChannel, target: SystemTarget): Promise<void> {
  const settings = readRunSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION, target.file));
  const args = ['compare', target.file.fsPath, '--json', '--max-cycles', String(settings.maxCycles)];
  if (target.system) args.push('--system', target.system);
  const label = target.system ?? vscode.workspace.asRelativePath(target.file);
  channel.clear();
  channel.appendLine(`$ pvlab ${args.join(' ')}`);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `pvlab: comparing ${label} as native, pv, pv with patched pvops and hvm…`, cancellable: true },
    (_progress, token) => runCli(context, channel, args, target.file, { captureStdout: true, token }),
  );
  if (result.cancelled) return;
  const fail = async (message: string): Promise<void> => {
    if ((await vscode.window.showErrorMessage(message, 'Show Output')) === 'Show Output') channel.show(true);
  };
  if (result.error) return fail(`pvlab: could not start the sandbox: ${result.error}`);
  if (result.code !== 0 && result.code !== 1) return fail(`pvlab: could not compare ${label}: ${cliMessage(result.stderr, result.code)}`);
  let comparison: unknown;
  try {
    comparison = JSON.parse(result.stdout);
  } catch {
    comparison = undefined;
  }
  if (!isComparison(comparison)) return fail(`pvlab: the comparison of ${label} could not be read`);
  const dir = context.storageUri ?? context.globalStorageUri;
  await vscode.workspace.fs.createDirectory(dir);
  const file = path.join(dir.fsPath, `${storageBase(target)}.compare.json`);
  await writeFile(file, result.stdout);
  ProfilePanel.showComparison(context, comparison, file);
  if (result.code === 1) void vscode.window.showWarningMessage(`pvlab: ${result.stderr.split('\n').filter((l) => l.startsWith('pvlab: ')).map((l) => l.slice('pvlab: '.length)).join('; ')}; its numbers stop at the crash.`);
}
