import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Profile } from '../sandbox/profile/types.js';
import { saveDirtyPvk } from './compileCheck.js';
import { profileFailureText } from './cliExit.js';
import { notifyProfileLoaded } from './profileNotify.js';
import { runProfileCli } from './profileRun.js';
import { ProfilePanel, readProfile, type ProfileFiles } from './profileView.js';
import type { SystemTarget } from './systems.js';

const END_TEXT: Record<Profile['end'], string> = {
  exited: 'with every domain exited',
  deadlock: 'in a deadlock',
  'max-cycles': 'at the cycle limit (pvlab.maxCycles)',
  panic: 'in a hypervisor panic (a fault in an extension handler)',
};

/** The base name of what pvlab writes about a target in its storage: `<file>-<system>`. */
export function storageBase(target: SystemTarget): string {
  return `${path.basename(target.file.fsPath, '.pvk')}-${target.system ?? 'first'}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Where a target's profile goes: `<storage>/<file>-<system>.cpuprofile` and `.profile.json`. */
export function profileFiles(dir: string, target: SystemTarget): ProfileFiles {
  const base = storageBase(target);
  return { cpuprofile: path.join(dir, `${base}.cpuprofile`), json: path.join(dir, `${base}.profile.json`) };
}

async function showError(channel: vscode.OutputChannel, message: string): Promise<void> {
  if ((await vscode.window.showErrorMessage(message, 'Show Output')) === 'Show Output') channel.show(true);
}

/**
 * Profile System: saves pvk files, runs the CLI with --profile and
 * --profile-json into the extension's storage, then shows the profile panel
 * and hands the profile to the language server.
 */
export async function profileSystem(context: vscode.ExtensionContext, channel: vscode.OutputChannel, client: LanguageClient, target: SystemTarget): Promise<void> {
  await saveDirtyPvk();
  const dir = context.storageUri ?? context.globalStorageUri;
  await vscode.workspace.fs.createDirectory(dir);
  const files = profileFiles(dir.fsPath, target);
  // A stale profile must never pass for this run's.
  await Promise.all([rm(files.json, { force: true }), rm(files.cpuprofile, { force: true })]);
  const label = target.system ?? vscode.workspace.asRelativePath(target.file);
  channel.clear();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `pvlab: profiling ${label}…`, cancellable: true },
    (_progress, token) => runProfileCli(context, channel, target, files, token),
  );
  if (result.cancelled) return;
  if (result.error) {
    channel.show(true);
    return showError(channel, `pvlab: could not start the sandbox: ${result.error}`);
  }
  if (result.code !== 0 && result.code !== 1) {
    channel.show(true);
    return showError(channel, profileFailureText(label, { code: result.signal ? null : result.code, signal: result.signal }, result.stderr));
  }
  let profile: Profile;
  try {
    profile = await readProfile(files.json);
  } catch (e) {
    channel.show(true);
    return showError(channel, `pvlab: the profile of ${label} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  ProfilePanel.show(context, profile, files);
  notifyProfileLoaded(client, profile).catch((e: unknown) => channel.appendLine(`pvlab: could not send the profile to the language server: ${e instanceof Error ? e.message : String(e)}`));
  if (result.code === 1) void vscode.window.showWarningMessage(`pvlab: ${label} ended ${END_TEXT[profile.end] ?? profile.end}${profile.end === 'exited' ? ' but a domain crashed' : ''}; the profile covers the run up to there.`);
}
