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
  type InitializeResult,
} from 'vscode-languageserver/node';
import { codeActions } from './codeActions.js';
import { CoalescingReader } from './coalescingReader.js';
import { incomingCalls, outgoingCalls, prepareCallHierarchy } from './callHierarchy.js';
import { codeLenses } from './codeLens.js';
import { completion, signatureHelp } from './completion.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { documentHighlights } from './documentHighlight.js';
import { documentLinks } from './documentLinks.js';
import { firstAnalysis } from './firstAnalysis.js';
import { foldingRanges } from './folding.js';
import { formatDocument } from './formatting.js';
import { HintSettings } from './hintDensity.js';
import { hover } from './hover.js';
import { implementation } from './implementation.js';
import { LineDocument } from './lineDocument.js';
import { definition, documentSymbols, prepareRename, references, rename, RenameError, workspaceSymbols } from './navigation.js';
import { uriToPath } from './paths.js';
import { perfInlayHints } from './profileHints.js';
import { ProfileStore } from './profileStore.js';
import { Cancelled, Project } from './project.js';
import { CHECK_SYSTEM, clientHasCodeLensProvider, PROFILE_CLEARED, PROFILE_LOADED, SYSTEMS, type CheckSystemParams, type CheckSystemResult, type SystemsParams } from './protocol.js';
import { selectionRanges } from './selectionRange.js';
import { SEMANTIC_LEGEND, semanticTokens } from './semanticTokens.js';
import { systems } from './systems.js';
import { checkSystem } from './checkSystem.js';
import type { ProjectView } from './view.js';

const project = new Project();
// Every message handled marks the server busy: the background analysis starts only once the
// messages that have arrived are all handled (a burst of keystrokes is analysed once).
// Over stdio (the extension starts the server with --stdio), reading through a CoalescingReader,
// which tells the project when each message arrives (a burst makes the analysis wait for a pause).
const connection = createConnection(ProposedFeatures.all, new CoalescingReader(process.stdin, () => project.arrived()), new StreamMessageWriter(process.stdout), {
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
const hintSettings = new HintSettings();
let progressSupported = false;

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
 *   edits a whole file or the workspace).
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
  hintSettings.initialize(params.initializationOptions);
  progressSupported = params.capabilities.window?.workDoneProgress === true;
  // The first analysis waits for its progress to be shown (firstAnalysis).
  if (progressSupported) project.hold();
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
      // Unless the extension asks for lenses through a provider of its own (protocol.ts, InitializationOptions).
      codeLensProvider: clientHasCodeLensProvider(params.initializationOptions) ? undefined : { resolveProvider: false },
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

connection.onInitialized(() => {
  if (progressSupported) void firstAnalysis(connection, project);
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

connection.onHover(handler('hover', null, 'previous', (v, p) => hover(v, p.textDocument.uri, p.position)));
connection.onCompletion(handler('completion', [], 'previous-if-same-text', (v, p) => completion(v, p.textDocument.uri, p.position)));
connection.onSignatureHelp(handler('signatureHelp', null, 'previous-if-same-text', (v, p) => signatureHelp(v, p.textDocument.uri, p.position)));
connection.onDefinition(handler('definition', null, 'previous', (v, p) => definition(v, p.textDocument.uri, p.position)));
connection.onReferences(handler('references', [], 'current', (v, p) => references(v, p.textDocument.uri, p.position, p.context.includeDeclaration)));
connection.onPrepareRename(handler('prepareRename', null, 'current', (v, p) => prepareRename(v, p.textDocument.uri, p.position)));
connection.onRenameRequest(handler('rename', null, 'current', (v, p) => rename(v, p.textDocument.uri, p.position, p.newName)));
connection.onDocumentSymbol(handler('documentSymbol', [], 'current', (v, p) => documentSymbols(v, p.textDocument.uri)));
connection.onWorkspaceSymbol(handler('workspaceSymbol', [], 'current', (v, p) => workspaceSymbols(v, p.query)));
connection.onCodeLens(handler('codeLens', [], 'current', (v, p) => codeLenses(v, p.textDocument.uri, profiles, hintSettings.density)));
connection.languages.inlayHint.on(handler('inlayHint', [], 'current', (v, p) => perfInlayHints(v, profiles, p.textDocument.uri, p.range, hintSettings.density)));
connection.languages.semanticTokens.on(handler('semanticTokens', { data: [] }, 'current', (v, p) => semanticTokens(v, p.textDocument.uri)));
connection.onFoldingRanges(handler('foldingRanges', [], 'current', (v, p) => foldingRanges(v, p.textDocument.uri)));
connection.onDocumentFormatting(handler('formatting', [], 'current', (v, p) => formatDocument(v, p.textDocument.uri, p.options.tabSize)));
connection.onCodeAction(handler('codeAction', [], 'current', (v, p) => codeActions(v, p.textDocument.uri, p.range, p.context.diagnostics)));
connection.onRequest(SYSTEMS, handler('systems', [], 'current', (v, p: SystemsParams | null) => systems(v, p)));
connection.onRequest(CHECK_SYSTEM, handler('checkSystem', { ok: false, message: 'the language server could not check the system', errors: 0 } as CheckSystemResult, 'current', (v, p: CheckSystemParams | null) => checkSystem(v, p)));
connection.onImplementation(handler('implementation', [], 'current', (v, p) => implementation(v, p.textDocument.uri, p.position)));
connection.languages.callHierarchy.onPrepare(handler('prepareCallHierarchy', null, 'current', (v, p) => prepareCallHierarchy(v, p.textDocument.uri, p.position)));
connection.languages.callHierarchy.onIncomingCalls(handler('incomingCalls', [], 'current', (v, p) => incomingCalls(v, p.item)));
connection.languages.callHierarchy.onOutgoingCalls(handler('outgoingCalls', [], 'current', (v, p) => outgoingCalls(v, p.item)));
connection.onDocumentLinks(handler('documentLinks', [], 'current', (v, p) => documentLinks(v, p.textDocument.uri)));
connection.onDocumentHighlight(handler('documentHighlight', [], 'current', (v, p) => documentHighlights(v, p.textDocument.uri, p.position)));
connection.onSelectionRanges(handler('selectionRanges', [], 'current', (v, p) => selectionRanges(v, p.textDocument.uri, p.positions)));

/** The extension sends each profile it takes; hints follow the latest one per system file. */
function profilesChanged(): void {
  if (refresh.inlayHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  if (refresh.codeLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}
hintSettings.listen(connection, profilesChanged);
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
