import * as vscode from 'vscode';

/** A system to boot: its file and name, from a code lens's arguments or the active editor. */
export interface SystemTarget {
  file: vscode.Uri;
  system?: string;
}

const SYSTEM_RE = /^\s*system\s+([A-Za-z_][A-Za-z0-9_]*)/gm;

/** The systems declared in a document, in order. */
export function systemsIn(text: string): string[] {
  return [...text.matchAll(SYSTEM_RE)].map((m) => m[1]);
}

/**
 * Resolves what a Run/Debug/Profile command acts on: the arguments a code lens
 * passes, else the active pvk editor, else a pick among the workspace's systems.
 */
export async function chooseSystem(uriArg?: unknown, systemArg?: unknown): Promise<SystemTarget | undefined> {
  if (typeof uriArg === 'string') return { file: vscode.Uri.parse(uriArg), system: typeof systemArg === 'string' ? systemArg : undefined };
  if (uriArg instanceof vscode.Uri) return { file: uriArg, system: typeof systemArg === 'string' ? systemArg : undefined };
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId === 'pvk' && systemsIn(editor.document.getText()).length > 0) {
    const names = systemsIn(editor.document.getText());
    const system = names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { placeHolder: 'Which system?' });
    return system ? { file: editor.document.uri, system } : undefined;
  }
  const picks: (vscode.QuickPickItem & { target: SystemTarget })[] = [];
  for (const uri of await vscode.workspace.findFiles('**/*.pvk', '**/node_modules/**', 200)) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    for (const system of systemsIn(text)) picks.push({ label: system, description: vscode.workspace.asRelativePath(uri), target: { file: uri, system } });
  }
  if (picks.length === 0) {
    void vscode.window.showInformationMessage('pvlab: no `system` block in this workspace. Create one with the `system` snippet.');
    return undefined;
  }
  const chosen = picks.length === 1 ? picks[0] : await vscode.window.showQuickPick(picks, { placeHolder: 'Which system?' });
  return chosen?.target;
}
