import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CHECK_SYSTEM, type CheckSystemParams, type CheckSystemResult } from '../server/protocol.js';
import type { SystemTarget } from './systems.js';

/** Why a system cannot boot: the first error (if there is one to point at) and how many there are. */
export interface CompileFailure {
  message: string;
  first?: { file: string; range: vscode.Range; code: string; message: string };
  errors: number;
}

export const GO_TO_ERROR = 'Go to Error';
export const SHOW_PROBLEMS = 'Show Problems';

/** Saves the dirty pvk documents: Run, Debug and Profile boot what is on disk. */
export async function saveDirtyPvk(): Promise<void> {
  await Promise.all(vscode.workspace.textDocuments.filter((d) => d.isDirty && d.languageId === 'pvk').map((d) => d.save()));
}

/**
 * Checks the target system as `pvlab run` would before booting it: the
 * language server's check, on its analysis of the saved files; undefined
 * when it compiles.
 */
export async function compileFailure(client: LanguageClient, target: SystemTarget): Promise<CompileFailure | undefined> {
  const params: CheckSystemParams = { uri: target.file.toString(), ...(target.system ? { system: target.system } : {}) };
  const checked = await client.sendRequest<CheckSystemResult>(CHECK_SYSTEM, params);
  if (checked.ok) return undefined;
  const f = checked.first;
  if (!f) return { message: checked.message, errors: checked.errors };
  const range = new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character);
  return { message: checked.message, first: { file: vscode.Uri.parse(f.uri).fsPath, range, code: f.code, message: f.message }, errors: checked.errors };
}

/** The notification's text: what does not compile and its first error, with its place. */
export function failureText(failure: CompileFailure): string {
  const f = failure.first;
  if (!f) return `pvlab: ${failure.message}.`;
  const where = `${path.basename(f.file)}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
  const more = failure.errors > 1 ? ` (${failure.errors - 1} more error${failure.errors === 2 ? '' : 's'})` : '';
  return `pvlab: ${failure.message}: ${where} ${f.code} ${f.message}${more}`;
}

/** One error notification with "Go to Error" and "Show Problems" (when there is an error to go to). */
export async function showCompileFailure(failure: CompileFailure): Promise<void> {
  const first = failure.first;
  const choice = first ? await vscode.window.showErrorMessage(failureText(failure), GO_TO_ERROR, SHOW_PROBLEMS) : await vscode.window.showErrorMessage(failureText(failure));
  if (choice === GO_TO_ERROR && first) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(first.file));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    // The error's text selected, the cursor at its start (where the message points).
    editor.selection = new vscode.Selection(first.range.end, first.range.start);
    editor.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  } else if (choice === SHOW_PROBLEMS) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}

/**
 * Saves pvk files and checks the target; on failure shows the one
 * notification (not awaited: the caller goes on) and returns false.
 */
export async function readyToBoot(client: LanguageClient, target: SystemTarget): Promise<boolean> {
  await saveDirtyPvk();
  const failure = await compileFailure(client, target);
  if (!failure) return true;
  void showCompileFailure(failure);
  return false;
}
