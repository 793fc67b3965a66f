import * as vscode from 'vscode';
import { CodeLensRefreshRequest, CodeLensRequest, type FeatureState, type LanguageClient, type StaticFeature } from 'vscode-languageclient/node';

/**
 * The code lenses of pvk files, through a provider registered at activation,
 * before the language server runs.
 *
 * VS Code asks a newly registered lens provider for lenses only after a pause
 * (250 ms at least, started again by every lens provider any extension
 * registers meanwhile). The client library registers its provider once the
 * server has answered `initialize`, so that pause used to follow the server's
 * start; registered here, it runs while the server starts, and the first
 * request waits for the server instead (the client sends requests once it
 * runs). The server is told so in the initialization options
 * (`clientCodeLensProvider`, server/protocol.ts) and announces no lens
 * capability, so the library registers no second provider.
 *
 * As a client feature it takes over `workspace/codeLens/refresh` (the server
 * sends it when a profile comes or goes) at every start: features are
 * initialized in the order they were registered, after the library's own.
 */
export class EarlyCodeLenses implements StaticFeature {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly client: LanguageClient) {
    this.registration = vscode.languages.registerCodeLensProvider(
      { scheme: 'file', language: 'pvk' },
      {
        onDidChangeCodeLenses: this.changed.event,
        provideCodeLenses: (document, token) => this.provide(document, token),
      },
    );
  }

  private async provide(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[] | null | undefined> {
    const client = this.client;
    try {
      const lenses = await client.sendRequest(CodeLensRequest.type, client.code2ProtocolConverter.asCodeLensParams(document), token);
      if (token.isCancellationRequested) return null;
      return await client.protocol2CodeConverter.asCodeLenses(lenses, token);
    } catch (error) {
      // Cancelled, or the server is not running (its state shows in the status bar and the log).
      return client.handleFailedRequest(CodeLensRequest.type, token, error, null);
    }
  }

  fillClientCapabilities(): void {
    // The library's code lens feature fills them (refresh support included).
  }

  initialize(): void {
    this.client.onRequest(CodeLensRefreshRequest.type, () => {
      this.changed.fire();
    });
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    // The provider outlives restarts of the server; `dispose` removes it.
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
