import type * as vscode from 'vscode';
import { spawnServer } from './serverProcess.js';

type Main = typeof import('./main.js');

/**
 * The entry VS Code loads: it starts the language server's process first,
 * then loads the rest of the extension (dist/main.js, a bundle of its own —
 * scripts/build.mjs — mostly the language client library). The server's own
 * start (a Node process loading its bundle) then runs while the extension
 * host loads and runs the rest, not after it: the first lenses come that
 * much sooner.
 */
export function activate(context: vscode.ExtensionContext): void {
  const server = spawnServer(context.asAbsolutePath('dist/server.js'));
  (require('./main.js') as Main).activate(context, server);
}

export function deactivate(): Promise<void> {
  return (require('./main.js') as Main).deactivate();
}
