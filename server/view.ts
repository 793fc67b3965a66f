import { builtinAbi, BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';
import type { PvopsItem } from '../sandbox/lang/ast.js';
import type { Analysis } from '../sandbox/lang/analysis.js';
import { buildItemTable } from '../sandbox/lang/items.js';
import { occurrences, type Occurrence } from '../sandbox/lang/occurrences.js';
import type { ParsedFile, Workspace } from '../sandbox/lang/program.js';
import { SourceFile } from '../sandbox/lang/source.js';
import { pathToUri, SHIPPED_ABI_PATH, uriToPath } from './paths.js';
import type { TextShift } from './textShift.js';

/** What every language feature reads: the analysis of the workspace and the files as it read them. */
export interface ProjectView {
  analysis(): Analysis;
  /** A file as the analysis read it (files it did not read: as they are now). */
  file(path: string): ParsedFile | undefined;
  /** The parsed file for a URI (analysed, so its AST carries the checker's annotations). */
  parsed(uri: string): ParsedFile | undefined;
  /** All analysed files (for references, rename, workspace symbols). */
  files(): ParsedFile[];
  /** The file and everything it imports, as the analysis read them. */
  closure(path: string): ParsedFile[];
  /** Identifier occurrences of a file, resolved (spans in the analysed text). */
  occurrencesOf(parsed: ParsedFile): Occurrence[];
  /** The shipped ABI table as a parsed file, addressed by its real path. */
  abiFile(): { uri: string; decls: ReturnType<typeof builtinAbi> };
}

/**
 * A ProjectView of one finished analysis of the workspace
 * and the files as it read them. A view of the newest analysis is exact; a
 * view of an older one (answering while a new analysis is pending) places its
 * positions in the current text through each file's TextShift, and notes when
 * an answer touched an edited region (`unsure`), which then waits for the new
 * analysis instead.
 */
export class AnalysisView implements ProjectView {
  /** Set when a position asked for or answered lies in a region edited since the analysis. */
  unsure = false;
  private readonly mapped = new Map<string, ParsedFile>();

  private constructor(
    private readonly result: Analysis,
    private readonly ws: Workspace,
    private readonly occurrenceCache: Map<string, Occurrence[]>,
    /** Current text vs analysed text per file; absent for an exact view. */
    private readonly shifts?: (file: ParsedFile) => { shift: TextShift; current: SourceFile } | undefined,
  ) {}

  /** An exact view of `result`, the analysis of the current texts. */
  static exact(result: Analysis, ws: Workspace): AnalysisView {
    return new AnalysisView(result, ws, new Map());
  }

  /** The same analysis seen from texts edited since (one per request: it records `unsure`). */
  shifted(shifts: (file: ParsedFile) => { shift: TextShift; current: SourceFile } | undefined): AnalysisView {
    return new AnalysisView(this.result, this.ws, this.occurrenceCache, shifts);
  }

  analysis(): Analysis {
    return this.result;
  }

  /** True when the file of `uri` reads now as this analysis read it (an exact view: always). */
  sameText(uri: string): boolean {
    if (!this.shifts) return true;
    const path = uriToPath(uri);
    const parsed = path && this.result.snapshot.get(path);
    if (!parsed) return false;
    return this.shifts(parsed)?.shift.identical === true;
  }

  file(path: string): ParsedFile | undefined {
    if (path === SHIPPED_ABI_PATH) return this.ws.file(path);
    if (!this.result.snapshot.has(path)) {
      // Not in the analysis: a file opened or created since, when this view is an older one.
      if (this.shifts) {
        this.unsure = true;
        return undefined;
      }
      return this.ws.file(path);
    }
    const parsed = this.result.snapshot.get(path);
    return parsed && this.place(parsed);
  }

  parsed(uri: string): ParsedFile | undefined {
    const path = uriToPath(uri);
    return path ? this.file(path) : undefined;
  }

  files(): ParsedFile[] {
    return this.result.files.map((f) => this.file(f)).filter((f): f is ParsedFile => f !== undefined);
  }

  closure(path: string): ParsedFile[] {
    // A copy: files outside the analysis are read without adding them to it.
    return this.ws.closure(path, new Map(this.result.snapshot)).map((f) => this.place(f));
  }

  occurrencesOf(parsed: ParsedFile): Occurrence[] {
    const key = parsed.source.path;
    const cached = this.occurrenceCache.get(key);
    if (cached) return cached;
    const table = buildItemTable(this.ws.closure(key, new Map(this.result.snapshot)));
    const pvops = (name: string): PvopsItem | undefined => {
      const item = table.values.get(name);
      return item?.kind === 'pvops' ? item : undefined;
    };
    const list = occurrences(parsed.ast, pvops);
    this.occurrenceCache.set(key, list);
    return list;
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

/** The parsed file with another source (the tokens getter and every other field stay the original's). */
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
