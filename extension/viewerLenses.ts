import * as path from 'node:path';
import * as vscode from 'vscode';

/** The command of VS Code's built-in profile viewer (ms-vscode.js-profile-table) behind its "Clear" lens. */
const CLEAR_VIEWER_LENSES = 'extension.jsProfileVisualizer.table.clearCodeLenses';

/**
 * VS Code's own profile viewer, once it opened a `.cpuprofile`, puts "Self
 * Time" lenses on the `fn` lines of the profiled files. They are fixed to
 * line numbers: after an edit they point at the wrong lines. So after pvlab
 * opened a profile in that viewer, the first edit of a profiled file clears
 * them (pvlab's own hints go stale-aware instead: server/profileHints.ts).
 */
export function clearViewerLensesOnEdit(files: readonly string[]): vscode.Disposable {
  const profiled = new Set(files.map((f) => path.resolve(f)));
  const sub = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length === 0 || e.document.uri.scheme !== 'file' || !profiled.has(path.resolve(e.document.uri.fsPath))) return;
    sub.dispose();
    void vscode.commands.getCommands(true).then((all) => (all.includes(CLEAR_VIEWER_LENSES) ? vscode.commands.executeCommand(CLEAR_VIEWER_LENSES) : undefined));
  });
  return sub;
}
