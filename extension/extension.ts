import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  // Stub: the language client, debug adapter factory and views are wired up later.
  void context;
}

export function deactivate(): void {
  // Nothing to dispose yet.
}
