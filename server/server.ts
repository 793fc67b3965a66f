import {
  CodeLensRefreshRequest,
  createConnection,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeActionParams,
  type CodeLensParams,
  type CompletionParams,
  type DefinitionParams,
  type DocumentFormattingParams,
  type DocumentSymbolParams,
  type FoldingRangeParams,
  type HoverParams,
  type InitializeResult,
  type InlayHintParams,
  type PrepareRenameParams,
  type ReferenceParams,
  type RenameParams,
  type SemanticTokensParams,
  type SignatureHelpParams,
  type WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import { codeActions } from './codeActions.js';
import { CoalescingReader } from './coalescingReader.js';
import { codeLenses } from './codeLens.js';
import { completion, signatureHelp } from './completion.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { foldingRanges } from './folding.js';
import { formatDocument } from './formatting.js';
import { hover } from './hover.js';
import { LineDocument } from './lineDocument.js';
import { definition, documentSymbols, prepareRename, references, rename, RenameError, workspaceSymbols } from './navigation.js';
import { uriToPath } from './paths.js';
import { perfInlayHints } from './profileHints.js';
import { ProfileStore } from './profileStore.js';
import { Cancelled, Project } from './project.js';
import { SEMANTIC_LEGEND, semanticTokens } from './semanticTokens.js';
import type { ProjectView } from './view.js';

const project = new Project();
// Every message handled marks the server busy: the background analysis starts only once the
// messages that have arrived are all handled (a burst of keystrokes is analysed once).
// Over stdio (the extension starts the server with --stdio), reading through a CoalescingReader.
const connection = createConnection(ProposedFeatures.all, new CoalescingReader(process.stdin), new StreamMessageWriter(process.stdout), {
  messageStrategy: {
    handleMessage(message, next) {
      project.touched();
      return next(message);
    },
  },
});
// What createConnection does for --stdio by itself: stdout carries the protocol, so console
// output goes to the client's log; and the server ends with its input.
for (const level of ['log', 'info', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => connection.console[level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'log'](args.map(String).join(' '));
let shutdownReceived = false;
connection.onShutdown(() => {
  shutdownReceived = true;
});
for (const event of ['end', 'close'] as const) process.stdin.on(event, () => process.exit(shutdownReceived ? 0 : 1));
const documents = new TextDocuments<LineDocument>({
  create: (uri, languageId, version, text) => new LineDocument(uri, languageId, version, text),
  update: (doc, changes, version) => {
    doc.update(changes, version);
    return doc;
  },
});
const publisher = new DiagnosticsPublisher(connection);
const profiles = new ProfileStore();
const refresh = { inlayHints: false, codeLenses: false };

project.onAnalysed = (analysed) => publisher.publish(analysed);
project.onFailure = (e) => connection.console.error(`pvlab: analysis failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);

/**
 * What a request may be answered from while a new analysis is pending:
 * - `previous`: the previous analysis, positions placed in the edited text
 *   (hover, definition: they read what is at the position);
 * - `previous-if-same-text`: the previous analysis when the request's file has
 *   not changed since (completion, signature help: they read the text before
 *   the position, which an edit anywhere before it may change);
 * - `current`: only the analysis of the newest texts (everything that lists or
 *   edits the whole file or workspace).
 */
type Freshness = 'previous' | 'previous-if-same-text' | 'current';

/**
 * A request handler over the analysis. Every handler is total: an exception
 * inside one is logged and answered with `fallback`, so no input can take
 * the server down. It honours `$/cancelRequest` (answering RequestCancelled)
 * and never runs an analysis itself: it answers from the newest finished
 * analysis when that covers the current texts; a point request may use the
 * previous analysis, its positions placed in the edited text, unless the
 * position or the answer lies in an edited region; otherwise it waits for
 * the background analysis of the newest texts.
 */
function handler<P, R>(name: string, fallback: R, freshness: Freshness, compute: (view: ProjectView, params: P) => R): (params: P, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    try {
      if (token.isCancellationRequested) throw new Cancelled();
      const now = project.current();
      if (now) return compute(now, params);
      if (freshness !== 'current') {
        const previous = project.previous();
        const uri = (params as { textDocument?: { uri?: unknown } }).textDocument?.uri;
        if (previous && (freshness === 'previous' || (typeof uri === 'string' && previous.sameText(uri)))) {
          const answer = compute(previous, params);
          if (!previous.unsure) return answer;
        }
      }
      return compute(await project.whenCurrent(token), params);
    } catch (e) {
      if (e instanceof Cancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, `pvlab: ${name} cancelled`);
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
    },
    serverInfo: { name: 'pvlab', version: '0.1.0' },
  };
});

documents.onDidOpen((e) => project.opened(e.document));
documents.onDidChangeContent((e) => project.changed(e.document));
documents.onDidClose((e) => project.closed(e.document.uri));
connection.onDidChangeWatchedFiles((e) => {
  let listChanged = false;
  for (const change of e.changes) {
    const file = uriToPath(change.uri);
    if (!file) continue;
    if (change.type === 2) project.fileChanged(file);
    else listChanged = true;
  }
  if (listChanged) project.rescan();
  else project.invalidate();
});

connection.onHover(handler('hover', null, 'previous', (v, p: HoverParams) => hover(v, p.textDocument.uri, p.position)));
connection.onCompletion(handler('completion', [], 'previous-if-same-text', (v, p: CompletionParams) => completion(v, p.textDocument.uri, p.position)));
connection.onSignatureHelp(handler('signatureHelp', null, 'previous-if-same-text', (v, p: SignatureHelpParams) => signatureHelp(v, p.textDocument.uri, p.position)));
connection.onDefinition(handler('definition', null, 'previous', (v, p: DefinitionParams) => definition(v, p.textDocument.uri, p.position)));
connection.onReferences(handler('references', [], 'current', (v, p: ReferenceParams) => references(v, p.textDocument.uri, p.position, p.context.includeDeclaration)));
connection.onPrepareRename(handler('prepareRename', null, 'current', (v, p: PrepareRenameParams) => prepareRename(v, p.textDocument.uri, p.position)));
connection.onRenameRequest(handler('rename', null, 'current', (v, p: RenameParams) => rename(v, p.textDocument.uri, p.position, p.newName)));
connection.onDocumentSymbol(handler('documentSymbol', [], 'current', (v, p: DocumentSymbolParams) => documentSymbols(v, p.textDocument.uri)));
connection.onWorkspaceSymbol(handler('workspaceSymbol', [], 'current', (v, p: WorkspaceSymbolParams) => workspaceSymbols(v, p.query)));
connection.onCodeLens(handler('codeLens', [], 'current', (v, p: CodeLensParams) => codeLenses(v, p.textDocument.uri, profiles)));
connection.languages.inlayHint.on(handler('inlayHint', [], 'current', (v, p: InlayHintParams) => perfInlayHints(v, profiles, p.textDocument.uri, p.range)));
connection.languages.semanticTokens.on(handler('semanticTokens', { data: [] }, 'current', (v, p: SemanticTokensParams) => semanticTokens(v, p.textDocument.uri)));
connection.onFoldingRanges(handler('foldingRanges', [], 'current', (v, p: FoldingRangeParams) => foldingRanges(v, p.textDocument.uri)));
connection.onDocumentFormatting(handler('formatting', [], 'current', (v, p: DocumentFormattingParams) => formatDocument(v, p.textDocument.uri, p.options.tabSize)));
connection.onCodeAction(handler('codeAction', [], 'current', (v, p: CodeActionParams) => codeActions(v, p.textDocument.uri, p.range, p.context.diagnostics)));

/** The extension sends each profile it takes; hints follow the latest one per system file. */
function profilesChanged(): void {
  if (refresh.inlayHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  if (refresh.codeLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}
connection.onNotification('pvlab/profileLoaded', (params: unknown) => {
  const problem = profiles.load(params);
  if (problem) connection.console.error(`pvlab: pvlab/profileLoaded ignored: ${problem}`);
  else profilesChanged();
});
connection.onNotification('pvlab/profileCleared', (params: unknown) => {
  profiles.clear(params);
  profilesChanged();
});

documents.listen(connection);
connection.listen();
