import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client.js';
import { registerCommands } from './commands.js';
import { registerDebugger } from './debug.js';
import { createStatusBar } from './statusBar.js';

let client: LanguageClient | undefined;

/** Wires the pieces together: the language client, commands, status bar. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('pvlab', { log: true });
  const runChannel = vscode.window.createOutputChannel('pvlab run');
  context.subscriptions.push(log, runChannel);
  const started = createClient(context, log);
  client = started;
  registerCommands(context, started, runChannel);
  createStatusBar(context, started, log);
  registerDebugger(context, started);
  // Shown in the status bar until the server runs; the server then reports its first analysis itself.
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'pvlab: starting the language server' }, () => started.start());
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
