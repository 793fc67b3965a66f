import * as vscode from 'vscode';
import { readHintDensity, SETTINGS_SECTION } from './settings.js';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { InitializationOptions } from '../server/protocol.js';
import { EarlyCodeLenses } from './earlyCodeLenses.js';

/**
 * The pvlab language server (dist/server.js) as a separate process over
 * stdio, not yet started. Its code lens provider is registered already
 * (EarlyCodeLenses), and goes with the extension's subscriptions.
 */
export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
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
