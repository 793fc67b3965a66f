import * as vscode from 'vscode';
import { readHintDensity, SETTINGS_SECTION } from './settings.js';
import type { ChildProcess } from 'node:child_process';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../server/protocol.js';
import { EarlyCodeLenses } from './earlyCodeLenses.js';
import { spawnServer } from './serverProcess.js';

/**
 * The client of the pvlab language server (dist/server.js, a separate
 * process over stdio), not yet started: it talks to `first`, the server
 * process extension.ts started before the rest of the extension loaded, and
 * starts a new one at each restart. Its code lens provider is registered
 * already (EarlyCodeLenses), and goes with the extension's subscriptions.
 */
export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, first: ChildProcess): LanguageClient {
  let unused: ChildProcess | undefined = first;
  const serverOptions: ServerOptions = async () => {
    const server = unused ?? spawnServer(context.asAbsolutePath('dist/server.js'));
    unused = undefined;
    return server;
  };
  const initializationOptions: InitializationOptions = {
    // `pvlab.hints` at start, then every change of the pvlab settings (workspace/didChangeConfiguration).
    hints: readHintDensity(vscode.workspace.getConfiguration(SETTINGS_SECTION)),
    clientCodeLensProvider: true,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'pvk' }],
    initializationOptions,
    // abi.lock too: the server compares the hypercall tables with it (PVK042 / PVK043).
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.pvk,abi.lock}'), configurationSection: 'pvlab' },
    outputChannel: output,
  };
  // The client id 'pvlab' makes the client honour the `pvlab.trace.server` setting.
  const client = new LanguageClient('pvlab', 'pvlab language server', serverOptions, clientOptions);
  const lenses = new EarlyCodeLenses(client);
  client.registerFeature(lenses);
  context.subscriptions.push(lenses);
  return client;
}
