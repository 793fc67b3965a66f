import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { compareSystem } from './compareSystem.js';
import { readyToBoot } from './compileCheck.js';
import { notifyProfileCleared, notifyProfileLoaded } from './profileNotify.js';
import { profileSystem } from './profileSystem.js';
import { ProfilePanel, registerProfileView } from './profileView.js';
import { runSystem } from './runSystem.js';
import { launchConfiguration } from '../sandbox/debug/launch.js';
import { chooseSystem } from './systems.js';

const TRUST_NEEDED = 'pvlab: booting a system runs code from this workspace; trust the workspace first.';

/** Registers the pvlab commands (all under the "pvlab" category in package.json). */
export function registerCommands(context: vscode.ExtensionContext, client: LanguageClient, runChannel: vscode.OutputChannel): void {
  const add = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };

  add('pvlab.runSystem', async (uri?: unknown, system?: unknown) => {
    if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage(TRUST_NEEDED);
    const target = await chooseSystem(client, uri, system);
    if (target && (await readyToBoot(client, target))) await runSystem(context, runChannel, target);
  });

  add('pvlab.debugSystem', async (uri?: unknown, system?: unknown) => {
    if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage(TRUST_NEEDED);
    const target = await chooseSystem(client, uri, system);
    if (!target) return;
    await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target.file), launchConfiguration(`Debug ${target.system ?? 'system'}`, target.file.fsPath, target.system || undefined));
  });

  add('pvlab.profileSystem', async (uri?: unknown, system?: unknown) => {
    if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage(TRUST_NEEDED);
    const target = await chooseSystem(client, uri, system);
    if (target && (await readyToBoot(client, target))) await profileSystem(context, runChannel, client, target);
  });
  add('pvlab.compareSystem', async (uri?: unknown, system?: unknown) => {
    if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage(TRUST_NEEDED);
    const target = await chooseSystem(client, uri, system);
    if (target && (await readyToBoot(client, target))) await compareSystem(context, runChannel, target);
  });

  // Closing the profile panel takes its profile's hints away.
  ProfilePanel.onClosed = (profile) => {
    notifyProfileCleared(client, profile.systemFile).catch((e: unknown) => runChannel.appendLine(`pvlab: could not tell the language server the profile closed: ${e instanceof Error ? e.message : String(e)}`));
  };
  // A profile panel restored after a reload re-reads its profile and hands it to the server again.
  registerProfileView(context, (profile) => {
    notifyProfileLoaded(client, profile).catch((e: unknown) => runChannel.appendLine(`pvlab: could not send the profile to the language server: ${e instanceof Error ? e.message : String(e)}`));
  });

  add('pvlab.openHypercallTable', async (name?: unknown) => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(context.asAbsolutePath('dist/abi/xen.pvk')));
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    if (typeof name === 'string') {
      const line = doc.getText().split('\n').findIndex((l) => new RegExp(`hypercall\\s+${name}\\s*\\(`).test(l));
      if (line >= 0) {
        const range = new vscode.Range(line, 0, line, doc.lineAt(line).text.length);
        editor.selection = new vscode.Selection(range.start, range.start);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
      }
    }
  });

  add('pvlab.restartServer', async () => {
    await client.restart();
  });
}
