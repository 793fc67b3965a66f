import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SYSTEMS, type SystemsParams, type SystemsResult } from '../server/protocol.js';

/** A system to boot: its file and name, from a code lens's arguments or the active editor. */
export interface SystemTarget {
  file: vscode.Uri;
  system?: string;
}

/** The systems the language server knows: those declared in one document (as edited), or in the whole workspace. */
export async function systemsOf(client: LanguageClient, doc?: vscode.Uri): Promise<SystemTarget[]> {
  const params: SystemsParams = doc ? { uri: client.code2ProtocolConverter.asUri(doc) } : {};
  const found = await client.sendRequest<SystemsResult>(SYSTEMS, params);
  return found.map((s) => ({ file: client.protocol2CodeConverter.asUri(s.uri), system: s.name }));
}

/**
 * Resolves what a Run/Debug/Profile command acts on: the arguments a code lens
 * passes, else the active pvk editor's systems, else a pick among the workspace's systems.
 */
export async function chooseSystem(client: LanguageClient, uriArg?: unknown, systemArg?: unknown): Promise<SystemTarget | undefined> {
  if (typeof uriArg === 'string') return { file: vscode.Uri.parse(uriArg), system: typeof systemArg === 'string' ? systemArg : undefined };
  if (uriArg instanceof vscode.Uri) return { file: uriArg, system: typeof systemArg === 'string' ? systemArg : undefined };
  const editor = vscode.window.activeTextEditor;
  const inEditor = editor?.document.languageId === 'pvk' ? await systemsOf(client, editor.document.uri) : [];
  if (editor && inEditor.length > 0) {
    const names = inEditor.map((t) => t.system as string);
    const system = names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { placeHolder: 'Which system?' });
    return system ? { file: editor.document.uri, system } : undefined;
  }
  const picks = (await systemsOf(client)).map((target) => ({ label: target.system as string, description: vscode.workspace.asRelativePath(target.file), target }));
  if (picks.length === 0) {
    void vscode.window.showInformationMessage('pvlab: no `system` block in this workspace. Create one with the `system` snippet.');
    return undefined;
  }
  const chosen = picks.length === 1 ? picks[0] : await vscode.window.showQuickPick(picks, { placeHolder: 'Which system?' });
  return chosen?.target;
}
