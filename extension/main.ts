import type { ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client.js';
import { registerCommands } from './commands.js';
import { registerDebugger } from './debug.js';
import { createStatusBar } from './statusBar.js';

let client: LanguageClient | undefined;

/**
 * Wires the pieces together: the language client (over `server`, the
 * language server's process, started already by extension.ts), commands,
 * status bar.
 */
export function activate(context: vscode.ExtensionContext, server: ChildProcess): void {
  const log = vscode.window.createOutputChannel('pvlab', { log: true });
  const runChannel = vscode.window.createOutputChannel('pvlab run');
  context.subscriptions.push(log, runChannel);
  const languageClient = createClient(context, log, server);
  client = languageClient;
  registerCommands(context, languageClient, runChannel);
  createStatusBar(context, languageClient, log);
  registerDebugger(context, languageClient);
  // The server starts behind activation, which ends at once: VS Code goes on with the rest of its
  // start (other extensions' activation) meanwhile, and requests wait for the server. Shown in the
  // status bar until the server runs; the server then reports its first analysis itself.
  vscode.window
    .withProgress({ location: vscode.ProgressLocation.Window, title: 'pvlab: starting the language server' }, () => languageClient.start())
    .then(undefined, (e: unknown) => log.error(`the language server did not start: ${e instanceof Error ? e.message : String(e)}`));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
