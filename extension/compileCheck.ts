import * as path from 'node:path';
import * as vscode from 'vscode';
import { diskHost } from '../sandbox/lang/fileHost.js';
import { normalizePath, Workspace } from '../sandbox/lang/program.js';
import { checkSystem } from '../sandbox/run/check.js';
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
 * Checks the target system as `pvlab run` would before booting it (the same
 * checkSystem, on the files on disk); undefined when it compiles.
 */
export function compileFailure(target: SystemTarget): CompileFailure | undefined {
  const ws = new Workspace(diskHost);
  const file = normalizePath(target.file.fsPath);
  if (!ws.file(file)) return { message: `cannot read ${target.file.fsPath}`, errors: 0 };
  const checked = checkSystem(ws, { file, system: target.system });
  if (checked.ok) return undefined;
  const d = checked.diagnostics[0];
  const source = d ? ws.file(d.file)?.source : undefined;
  if (!d || !source) return { message: checked.message, errors: checked.diagnostics.length };
  const at = (offset: number): vscode.Position => {
    const p = source.position(offset);
    return new vscode.Position(p.line - 1, p.column - 1);
  };
  return { message: checked.message, first: { file: d.file, range: new vscode.Range(at(d.span.start), at(d.span.end)), code: d.code, message: d.message }, errors: checked.diagnostics.length };
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
export async function readyToBoot(target: SystemTarget): Promise<boolean> {
  await saveDirtyPvk();
  const failure = compileFailure(target);
  if (!failure) return true;
  void showCompileFailure(failure);
  return false;
}
