import * as vscode from 'vscode';
import { readHintDensity, SETTINGS_SECTION } from './settings.js';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Starts the pvlab language server (dist/server.js) as a separate process over stdio. */
export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'pvk' }],
    // `pvlab.hints` at start, then every change of the pvlab settings (workspace/didChangeConfiguration).
    initializationOptions: { hints: readHintDensity(vscode.workspace.getConfiguration(SETTINGS_SECTION)) },
    // abi.lock too: the server compares the hypercall tables with it (PVK042 / PVK043).
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.pvk,abi.lock}'), configurationSection: 'pvlab' },
    outputChannel: output,
  };
  // The client id 'pvlab' makes the client honour the `pvlab.trace.server` setting.
  return new LanguageClient('pvlab', 'pvlab language server', serverOptions, clientOptions);
}
