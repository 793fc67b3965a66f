import { builtinAbi, BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';
import type { PvopsItem } from '../sandbox/lang/ast.js';
import type { Analysis } from '../sandbox/lang/analysis.js';
import type { ItemTable } from '../sandbox/lang/items.js';
import { occurrenceSteps, type Occurrence } from '../sandbox/lang/occurrences.js';
import type { ParsedFile, Workspace } from '../sandbox/lang/program.js';
import { SourceFile } from '../sandbox/lang/source.js';
import { runSteps } from '../sandbox/lang/steps.js';
import { pathToUri, SHIPPED_ABI_PATH, uriToPath } from './paths.js';
import type { TextShift } from './textShift.js';

/** What every language feature reads: one analysis of the workspace and the files as it read them. */
export interface ProjectView {
  /** The workspace (its files as they are now: for edits computed against the current text). */
  readonly ws: Workspace;
  analysis(): Analysis;
  /** A file as the analysis read it (reading it into the analysis' snapshot if it was not part of it). */
  file(path: string): ParsedFile | undefined;
  /** The parsed file for a URI (analysed, so its AST carries the checker's annotations). */
  parsed(uri: string): ParsedFile | undefined;
  /** The names visible from a file (its closure's name table, made once per analysis). */
  items(path: string): ItemTable;
  /** Identifier occurrences of a file, resolved (spans in the analysed text). */
  occurrencesOf(parsed: ParsedFile): Occurrence[];
  /** All analysed files (for references, rename, workspace symbols). */
  files(): ParsedFile[];
  /** Every file the analysis covers: the folder's, and open ones outside it. */
  roots(): string[];
  /** The shipped ABI table as a parsed file, addressed by its real path. */
  abiFile(): { uri: string; decls: ReturnType<typeof builtinAbi> };
}

/** How a file's current text differs from the text an analysis read, and the current text's lines. */
export interface FileShift {
  shift: TextShift;
  current: SourceFile;
}

/**
 * A ProjectView of one finished analysis. A view of the newest analysis is
 * exact; a view of an older one (answering while a new analysis is pending)
 * places its positions in the current text through each file's TextShift,
 * and notes when a position asked for or answered lies in a region edited
 * since (`unsure`): the request then waits for the new analysis instead.
 */
export class AnalysisView implements ProjectView {
  /** Set when a position asked for or answered lies in a region edited since the analysis. */
  unsure = false;
  private readonly mapped = new Map<string, ParsedFile>();

  private constructor(
    private readonly result: Analysis,
    readonly ws: Workspace,
    private readonly rootFiles: readonly string[],
    private readonly occurrenceCache: Map<string, Occurrence[]>,
    /** Current text vs analysed text per file; absent for an exact view. */
    private readonly shifts?: (file: ParsedFile) => FileShift | undefined,
  ) {}

  /** An exact view of `result`, the analysis of the current texts. */
  static exact(result: Analysis, ws: Workspace, roots: readonly string[]): AnalysisView {
    return new AnalysisView(result, ws, roots, new Map());
  }

  /** The same analysis seen from texts edited since (one per request: it records `unsure`). */
  shifted(shifts: (file: ParsedFile) => FileShift | undefined): AnalysisView {
    return new AnalysisView(this.result, this.ws, this.rootFiles, this.occurrenceCache, shifts);
  }

  analysis(): Analysis {
    return this.result;
  }

  /** True when the file of `uri` reads now as this analysis read it (an exact view: always). */
  sameText(uri: string): boolean {
    if (!this.shifts) return true;
    const path = uriToPath(uri);
    const parsed = path && this.result.snapshot.files.get(path);
    if (!parsed) return false;
    return this.shifts(parsed)?.shift.identical === true;
  }

  file(path: string): ParsedFile | undefined {
    if (path === SHIPPED_ABI_PATH) return this.ws.file(path);
    if (this.shifts && !this.result.snapshot.files.has(path)) {
      // Not in the analysis: a file opened or created since.
      this.unsure = true;
      return undefined;
    }
    const parsed = this.result.snapshot.file(path);
    return parsed && this.place(parsed);
  }

  parsed(uri: string): ParsedFile | undefined {
    const path = uriToPath(uri);
    return path ? this.file(path) : undefined;
  }

  items(path: string): ItemTable {
    return this.result.snapshot.items(path);
  }

  occurrencesOf(parsed: ParsedFile): Occurrence[] {
    return this.occurrenceCache.get(parsed.source.path) ?? runSteps(this.collectOccurrences(parsed));
  }

  /** `occurrencesOf` in steps (the background analysis warms the cache with it); nothing when cached. */
  *collectOccurrences(parsed: ParsedFile): Generator<void, Occurrence[], void> {
    const key = parsed.source.path;
    const cached = this.occurrenceCache.get(key);
    if (cached) return cached;
    const table = this.items(key);
    const pvops = (name: string): PvopsItem | undefined => {
      const item = table.values.get(name);
      return item?.kind === 'pvops' ? item : undefined;
    };
    const list = yield* occurrenceSteps(parsed.ast, pvops);
    this.occurrenceCache.set(key, list);
    return list;
  }

  files(): ParsedFile[] {
    return this.result.files.map((f) => this.file(f)).filter((f): f is ParsedFile => f !== undefined);
  }

  roots(): string[] {
    return [...this.rootFiles];
  }

  abiFile(): { uri: string; decls: ReturnType<typeof builtinAbi> } {
    return { uri: pathToUri(BUILTIN_ABI_FILE), decls: builtinAbi() };
  }

  /** The parsed file with positions placed in the current text (itself when nothing moved). */
  private place(parsed: ParsedFile): ParsedFile {
    if (!this.shifts) return parsed;
    const path = parsed.source.path;
    let out = this.mapped.get(path);
    if (!out) {
      const s = this.shifts(parsed);
      // Unreadable now (deleted or closed unsaved): nothing can be placed in it.
      if (!s) this.unsure = true;
      out = s && !s.shift.identical ? withSource(parsed, new ShiftedSource(parsed.source, s.current, s.shift, this)) : parsed;
      this.mapped.set(path, out);
    }
    return out;
  }
}

/** The parsed file with another source (every other field stays the original's). */
function withSource(parsed: ParsedFile, source: SourceFile): ParsedFile {
  return Object.create(parsed, { source: { value: source, enumerable: true } }) as ParsedFile;
}

/**
 * The analysed text of a file whose positions are those of its current text:
 * offsets stay in the analysed text (the AST's spans), line and column are
 * where that text now is. A position in an edited region marks the view unsure.
 */
class ShiftedSource extends SourceFile {
  constructor(
    analysed: SourceFile,
    private readonly current: SourceFile,
    private readonly shift: TextShift,
    private readonly view: AnalysisView,
  ) {
    // No line table of its own: every conversion goes through `current`.
    super(analysed.path, '');
    Object.defineProperty(this, 'text', { value: analysed.text });
  }

  override position(offset: number): { line: number; column: number } {
    const now = this.shift.toNew(offset);
    if (now === undefined) this.view.unsure = true;
    return this.current.position(now ?? this.shift.prefix);
  }

  override offset(line: number, column: number): number {
    const then = this.shift.toOld(this.current.offset(line, column));
    if (then === undefined) this.view.unsure = true;
    return then ?? this.shift.prefix;
  }

  override lineOf(offset: number): number {
    return this.position(offset).line;
  }
}
