import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver';
import { builtinAbi } from '../sandbox/lang/abi.js';
import { analysisSteps, analyze, type Analysis } from '../sandbox/lang/analysis.js';
import { diskHost, findPvkFiles } from '../sandbox/lang/fileHost.js';
import type { ItemTable } from '../sandbox/lang/items.js';
import type { AbiLockInput } from '../sandbox/lang/lockDiagnostics.js';
import type { Occurrence } from '../sandbox/lang/occurrences.js';
import { Workspace, type FileHost, type ParsedFile } from '../sandbox/lang/program.js';
import { SourceFile } from '../sandbox/lang/source.js';
import { BackgroundAnalysis, type AnalysisJob } from './backgroundAnalysis.js';
import { SHIPPED_ABI_PATH, uriToPath } from './paths.js';
import { TextShift } from './textShift.js';
import { AnalysisView, type FileShift, type ProjectView } from './view.js';

/** An open document: what the project reads of it. */
export interface OpenDocument {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

/** One analysis of the workspace under way: the change count it started at and the open documents' versions it read. */
interface Job extends AnalysisJob {
  generation: number;
  versions: Map<string, number>;
}

/** A finished analysis of the newest texts, with the versions of the open documents it covers. */
export interface Analysed {
  view: AnalysisView;
  /** Open document path → the version analysed. */
  versions: ReadonlyMap<string, number>;
  /** Files left out for their size (analysed as empty), with their length. */
  oversized: ReadonlyMap<string, number>;
}

/**
 * The largest file the language server analyses, in UTF-16 units (1 Mi, some
 * 25,000 lines of pvk; a 10,000-line kernel is about 400 Ki). Parsing and
 * checking take time and memory in proportion to the size, and one file is
 * one step of the background analysis: a 6 MB file would hold the server for
 * seconds on every edit. Larger files are analysed as if empty and carry one
 * warning saying so; `pvlab check` has no limit.
 */
export const MAX_ANALYSED_LENGTH = 1 << 20;

/** The request was cancelled (`$/cancelRequest`) while it waited for an analysis. */
export class Cancelled extends Error {
  constructor() {
    super('request cancelled');
  }
}

interface Waiter {
  resolve: (view: AnalysisView) => void;
  reject: (e: Error) => void;
}

/**
 * The server's view of the workspace: open documents over a cached disk, the
 * `.pvk` files of the workspace folders, and the analysis of all of them
 * (system context comes from every system in the folder). The analysis runs
 * in the background (BackgroundAnalysis); requests read the newest finished
 * analysis through a ProjectView.
 */
export class Project implements ProjectView {
  private readonly open = new Map<string, OpenDocument>();
  private readonly disk = new Map<string, string | undefined>();
  /** Files over the size limit, with their length: analysed as if empty. */
  private readonly oversized = new Map<string, number>();
  private readonly host: FileHost = {
    readFile: (file) => {
      const text = this.read(file);
      if (text === undefined || text.length <= MAX_ANALYSED_LENGTH) {
        this.oversized.delete(file);
        return text;
      }
      this.oversized.set(file, text.length);
      return '';
    },
  };
  readonly ws = new Workspace(this.host);
  private folderFiles: string[] = [];
  /** Counts changes: an analysis is current when it started at the present count. */
  private generation = 0;
  private last: (Analysed & { generation: number }) | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly shiftCache = new Map<string, { analysed: string; now: string } & FileShift>();
  private readonly background = new BackgroundAnalysis<Job>(
    () => this.startJob(),
    (job, error) => this.jobFailed(job, error),
  );

  /** Called with each finished analysis of the newest texts (the diagnostics publisher listens). */
  onAnalysed: (analysed: Analysed) => void = () => undefined;
  /** Called when an analysis throws (a bug): the message is logged, requests fall back. */
  onFailure: (error: unknown) => void = () => undefined;

  constructor(private folders: string[] = []) {
    this.folderFiles = this.folders.flatMap((f) => findPvkFiles(f));
  }

  setFolders(folders: string[]): void {
    this.folders = folders;
    this.rescan();
  }

  /** The text of a file: the open document's, or the disk's (cached). */
  private read(file: string): string | undefined {
    const doc = this.open.get(file);
    if (doc) return doc.getText();
    if (file === SHIPPED_ABI_PATH) return builtinAbi().text;
    if (!this.disk.has(file)) this.disk.set(file, diskHost.readFile(file));
    return this.disk.get(file);
  }

  /** Re-lists the `.pvk` files of the folders (files created or deleted). */
  rescan(): void {
    this.folderFiles = this.folders.flatMap((f) => findPvkFiles(f));
    this.disk.clear();
    this.invalidate();
  }

  /** A file changed on disk. */
  fileChanged(file: string): void {
    this.disk.delete(file);
    this.ws.forget(file);
    this.invalidate();
  }

  opened(doc: OpenDocument): void {
    const file = uriToPath(doc.uri);
    if (file) this.open.set(file, doc);
    this.invalidate();
  }

  closed(uri: string): void {
    const file = uriToPath(uri);
    if (file) {
      this.open.delete(file);
      this.ws.forget(file);
    }
    this.invalidate();
  }

  changed(doc: OpenDocument): void {
    this.opened(doc);
  }

  /** A message was read (every one, before merging): a burst of them makes the analysis wait for a pause. */
  arrived(): void {
    this.background.arrived();
  }

  /** A message was handled (every one, requests too): the analysis waits until none is left. */
  touched(): void {
    this.background.touched();
  }

  /** Starts no analysis until `release` (the first one waits for its progress to be shown). */
  hold(): void {
    this.background.hold();
  }

  release(): void {
    this.background.release();
  }

  /** Analyse the workspace as it is now, in the background. */
  invalidate(): void {
    this.generation++;
    this.background.restart();
  }

  /** Every file the analysis covers: the folder's, and open ones outside it. */
  roots(): string[] {
    const roots = [...this.folderFiles];
    const seen = new Set(roots);
    for (const f of this.open.keys()) if (!seen.has(f) && f !== SHIPPED_ABI_PATH) roots.push(f);
    return roots;
  }

  /** The first workspace folder's `abi.lock` (read through the disk cache, refreshed by file events). */
  private abiLock(): AbiLockInput | undefined {
    const folder = this.folders[0];
    if (!folder) return undefined;
    const file = path.join(folder, 'abi.lock');
    return { file, text: this.read(file) };
  }

  /** The analysis of the newest texts, when it has finished. */
  current(): AnalysisView | undefined {
    return this.last && this.last.generation === this.generation ? this.last.view : undefined;
  }

  /**
   * The last finished analysis seen from the current texts, for one request:
   * positions placed through each file's edits since. Undefined before the
   * first analysis.
   */
  previous(): AnalysisView | undefined {
    return this.last?.view.shifted((parsed) => this.shiftOf(parsed));
  }

  /** The analysis of the newest texts: now, or when the background analysis finishes. */
  whenCurrent(token?: CancellationToken): Promise<AnalysisView> {
    const now = this.current();
    if (now) return Promise.resolve(now);
    if (token?.isCancellationRequested) return Promise.reject(new Cancelled());
    return new Promise((resolve, reject) => {
      const subscription = token?.onCancellationRequested(() => {
        this.waiters.delete(waiter);
        reject(new Cancelled());
      });
      const waiter: Waiter = {
        resolve: (view) => {
          subscription?.dispose();
          resolve(view);
        },
        reject: (e) => {
          subscription?.dispose();
          reject(e);
        },
      };
      this.waiters.add(waiter);
      if (!this.background.pending) this.background.restart();
    });
  }

  // ---- ProjectView of the newest texts, analysed right away when they are not yet (for callers
  // outside the message loop, such as unit tests; the server itself never waits for a whole analysis).

  private now(): AnalysisView {
    const now = this.current();
    if (now) return now;
    const job = this.newJob();
    this.finish(job, analyze(this.ws, job.roots, { abiLock: job.abiLock }));
    return this.last!.view;
  }

  analysis(): Analysis {
    return this.now().analysis();
  }
  file(path: string): ParsedFile | undefined {
    return this.now().file(path);
  }
  parsed(uri: string): ParsedFile | undefined {
    return this.now().parsed(uri);
  }
  items(path: string): ItemTable {
    return this.now().items(path);
  }
  files(): ParsedFile[] {
    return this.now().files();
  }
  occurrencesOf(parsed: ParsedFile): Occurrence[] {
    return this.now().occurrencesOf(parsed);
  }
  abiFile(): ReturnType<ProjectView['abiFile']> {
    return this.now().abiFile();
  }

  /** What an analysis of the texts as they are now starts from. */
  private newJob(): Job & { roots: string[]; abiLock: AbiLockInput | undefined } {
    const versions = new Map<string, number>();
    for (const [file, doc] of this.open) versions.set(file, doc.version);
    return { generation: this.generation, versions, roots: this.roots(), abiLock: this.abiLock(), steps: (function* () {})() };
  }

  private startJob(): Job {
    const job = this.newJob();
    job.steps = this.jobSteps(job);
    return job;
  }

  /**
   * The analysis, then (after its diagnostics are out) the occurrences of the open files, so that
   * the first hover after it is quick; in steps of a few items, so that the next keystroke waits for
   * one step, not for a whole file's occurrences.
   */
  private *jobSteps(job: ReturnType<Project['newJob']>): Generator<boolean | void, void, void> {
    const result = yield* analysisSteps(this.ws, job.roots, { abiLock: job.abiLock });
    const view = this.finish(job, result);
    this.announce();
    yield true;
    for (const file of [...this.open.keys()]) {
      const parsed = view.file(file);
      if (parsed) yield* view.collectOccurrences(parsed);
      yield;
    }
  }

  private finish(job: ReturnType<Project['newJob']>, result: Analysis): AnalysisView {
    const view = AnalysisView.exact(result, this.ws, job.roots);
    const oversized = new Map<string, number>();
    for (const file of result.files) {
      const length = this.oversized.get(file);
      if (length !== undefined) oversized.set(file, length);
    }
    this.last = { view, versions: job.versions, oversized, generation: job.generation };
    return view;
  }

  /**
   * Publishes the last analysis and answers the requests waiting for it,
   * after the messages that arrived meanwhile are read: a change among them
   * makes it superseded (kept only for answers in the meantime), and a
   * `$/cancelRequest` among them cancels before the request is answered.
   */
  private announce(): void {
    setImmediate(() => {
      const last = this.last;
      if (!last || last.generation !== this.generation) return;
      this.onAnalysed(last);
      const waiting = [...this.waiters];
      this.waiters.clear();
      for (const w of waiting) w.resolve(last.view);
    });
  }

  private jobFailed(job: Job, error: unknown): void {
    this.onFailure(error);
    if (job.generation !== this.generation) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w.reject(error instanceof Error ? error : new Error(String(error)));
  }

  /** How a file's current text differs from the text the last analysis read (undefined: unreadable now). */
  private shiftOf(parsed: ParsedFile): FileShift | undefined {
    const path = parsed.source.path;
    const now = this.host.readFile(path);
    if (now === undefined) return undefined;
    const analysed = parsed.source.text;
    const cached = this.shiftCache.get(path);
    if (cached && cached.analysed === analysed && cached.now === now) return cached;
    const entry = { analysed, now, shift: new TextShift(analysed, now), current: analysed === now ? parsed.source : new SourceFile(path, now) };
    this.shiftCache.set(path, entry);
    return entry;
  }
}
