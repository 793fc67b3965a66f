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
  client = createClient(context, log);
  registerCommands(context, client, runChannel);
  createStatusBar(context, client, log);
  registerDebugger(context, client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
