import { CodeLensRefreshRequest, createConnection, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from './codeActions.js';
import { incomingCalls, outgoingCalls, prepareCallHierarchy } from './callHierarchy.js';
import { codeLenses } from './codeLens.js';
import { completion, signatureHelp } from './completion.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { documentHighlights } from './documentHighlight.js';
import { documentLinks } from './documentLinks.js';
import { foldingRanges } from './folding.js';
import { formatDocument } from './formatting.js';
import { hover } from './hover.js';
import { implementation } from './implementation.js';
import { definition, documentSymbols, prepareRename, references, rename, RenameError, workspaceSymbols } from './navigation.js';
import { uriToPath } from './paths.js';
import { perfInlayHints } from './profileHints.js';
import { ProfileStore } from './profileStore.js';
import { Project } from './project.js';
import { PROFILE_CLEARED, PROFILE_LOADED, SYSTEMS, type SystemsParams } from './protocol.js';
import { selectionRanges } from './selectionRange.js';
import { SEMANTIC_LEGEND, semanticTokens } from './semanticTokens.js';
import { systems } from './systems.js';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const project = new Project();
const publisher = new DiagnosticsPublisher(connection, project);
const profiles = new ProfileStore();
const refresh = { inlayHints: false, codeLenses: false };

/**
 * Every handler is total: an exception inside one is logged and answered with
 * an empty result, so no input can take the server down.
 */
function total<P, R>(name: string, fallback: R, handler: (params: P) => R): (params: P) => R {
  return (params: P) => {
    try {
      return handler(params);
    } catch (e) {
      if (e instanceof RenameError) throw new ResponseError(-32803, e.message);
      connection.console.error(`pvlab: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  };
}

connection.onInitialize((params): InitializeResult => {
  const folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined);
  if (folders.length === 0 && params.rootUri) {
    const root = uriToPath(params.rootUri);
    if (root) folders.push(root);
  }
  project.setFolders(folders);
  refresh.inlayHints = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
  refresh.codeLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['.', ' '] },
      signatureHelpProvider: { triggerCharacters: ['(', ','] },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      inlayHintProvider: { resolveProvider: false },
      semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
      foldingRangeProvider: true,
      documentFormattingProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      implementationProvider: true,
      callHierarchyProvider: true,
      documentLinkProvider: { resolveProvider: false },
      documentHighlightProvider: true,
      selectionRangeProvider: true,
    },
    serverInfo: { name: 'pvlab', version: '0.1.0' },
  };
});

connection.onInitialized(() => publisher.schedule());

documents.onDidOpen((e) => {
  project.opened(e.document);
  publisher.schedule();
});
documents.onDidChangeContent((e) => {
  project.changed(e.document);
  publisher.schedule();
});
documents.onDidClose((e) => {
  project.closed(e.document.uri);
  publisher.schedule();
});
connection.onDidChangeWatchedFiles((e) => {
  let listChanged = false;
  for (const change of e.changes) {
    const file = uriToPath(change.uri);
    if (!file) continue;
    if (change.type === 2) project.fileChanged(file);
    else listChanged = true;
  }
  if (listChanged) project.rescan();
  publisher.schedule();
});

connection.onHover(total('hover', null, (p) => hover(project, p.textDocument.uri, p.position)));
connection.onCompletion(total('completion', [], (p) => completion(project, p.textDocument.uri, p.position)));
connection.onSignatureHelp(total('signatureHelp', null, (p) => signatureHelp(project, p.textDocument.uri, p.position)));
connection.onDefinition(total('definition', null, (p) => definition(project, p.textDocument.uri, p.position)));
connection.onReferences(total('references', [], (p) => references(project, p.textDocument.uri, p.position, p.context.includeDeclaration)));
connection.onPrepareRename(total('prepareRename', null, (p) => prepareRename(project, p.textDocument.uri, p.position)));
connection.onRenameRequest(total('rename', null, (p) => rename(project, p.textDocument.uri, p.position, p.newName)));
connection.onDocumentSymbol(total('documentSymbol', [], (p) => documentSymbols(project, p.textDocument.uri)));
connection.onWorkspaceSymbol(total('workspaceSymbol', [], (p) => workspaceSymbols(project, p.query)));
connection.onCodeLens(total('codeLens', [], (p) => codeLenses(project, p.textDocument.uri, profiles)));
connection.languages.inlayHint.on(total('inlayHint', [], (p) => perfInlayHints(project, profiles, p.textDocument.uri, p.range)));
connection.languages.semanticTokens.on(total('semanticTokens', { data: [] }, (p) => semanticTokens(project, p.textDocument.uri)));
connection.onFoldingRanges(total('foldingRanges', [], (p) => foldingRanges(project, p.textDocument.uri)));
connection.onDocumentFormatting(total('formatting', [], (p) => formatDocument(project, p.textDocument.uri, p.options.tabSize)));
connection.onCodeAction(total('codeAction', [], (p) => codeActions(project, p.textDocument.uri, p.range, p.context.diagnostics)));
connection.onRequest(SYSTEMS, total('systems', [], (p: SystemsParams | null) => systems(project, p)));
connection.onImplementation(total('implementation', [], (p) => implementation(project, p.textDocument.uri, p.position)));
connection.languages.callHierarchy.onPrepare(total('prepareCallHierarchy', null, (p) => prepareCallHierarchy(project, p.textDocument.uri, p.position)));
connection.languages.callHierarchy.onIncomingCalls(total('incomingCalls', [], (p) => incomingCalls(project, p.item)));
connection.languages.callHierarchy.onOutgoingCalls(total('outgoingCalls', [], (p) => outgoingCalls(project, p.item)));
connection.onDocumentLinks(total('documentLinks', [], (p) => documentLinks(project, p.textDocument.uri)));
connection.onDocumentHighlight(total('documentHighlight', [], (p) => documentHighlights(project, p.textDocument.uri, p.position)));
connection.onSelectionRanges(total('selectionRanges', [], (p) => selectionRanges(project, p.textDocument.uri, p.positions)));

/** The extension sends each profile it takes; hints follow the latest one per system file. */
function profilesChanged(): void {
  if (refresh.inlayHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  if (refresh.codeLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}
connection.onNotification(PROFILE_LOADED, (params: unknown) => {
  const problem = profiles.load(params);
  if (problem) connection.console.error(`pvlab: ${PROFILE_LOADED} ignored: ${problem}`);
  else profilesChanged();
});
connection.onNotification(PROFILE_CLEARED, (params: unknown) => {
  profiles.clear(params);
  profilesChanged();
});

documents.listen(connection);
connection.listen();
