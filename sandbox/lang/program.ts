import * as path from 'node:path';
import type { FileAst, ImportItem } from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import type { Comment, Token } from './lexer.js';
import { parse } from './parser.js';
import { SourceFile } from './source.js';

/** Where source text comes from: the disk for the CLI, open documents over the disk for the server. */
export interface FileHost {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(file: string): string | undefined;
}

export interface ParsedFile {
  source: SourceFile;
  ast: FileAst;
  tokens: Token[];
  comments: Comment[];
  /** Lexer and parser diagnostics. */
  syntaxDiagnostics: Diagnostic[];
  /** Resolved absolute paths of this file's imports, in order, with the item that names each. */
  imports: { file: string; item: ImportItem }[];
}

/** Files read during one piece of work (an analysis): path → parsed file, or undefined when unreadable. */
export type FileSnapshot = Map<string, ParsedFile | undefined>;

export function normalizePath(file: string): string {
  return path.resolve(file);
}

/** Resolves a path written in `from` (an import or a kernel path) relative to that file. */
export function resolveRelative(from: string, written: string): string {
  return path.resolve(path.dirname(from), written);
}

/**
 * The set of parsed files, each parsed once and cached by text, and the
 * import closures between them. Knows nothing of editors.
 */
export class Workspace {
  private readonly cache = new Map<string, ParsedFile>();

  constructor(private readonly host: FileHost) {}

  /** The parsed file, or undefined when it cannot be read. */
  file(file: string): ParsedFile | undefined {
    const text = this.host.readFile(file);
    if (text === undefined) {
      this.cache.delete(file);
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached && cached.source.text === text) return cached;
    const parsed = parseFile(file, text);
    this.cache.set(file, parsed);
    return parsed;
  }

  /** Forgets a file (closed or deleted) so the next read goes to the host again. */
  forget(file: string): void {
    this.cache.delete(file);
  }

  /**
   * The file followed by everything it imports, transitively, each once, in
   * breadth-first order of appearance. Cycles are fine. Unreadable files are left out.
   * `snapshot`, when given, remembers each file read (or found unreadable) so
   * that several closures taken together read every file only once.
   */
  closure(root: string, snapshot?: FileSnapshot): ParsedFile[] {
    const order: ParsedFile[] = [];
    const queue = [root];
    const seen = new Set<string>(queue);
    for (let q = 0; q < queue.length; q++) {
      const parsed = this.snapshotFile(queue[q], snapshot);
      if (!parsed) continue;
      order.push(parsed);
      for (const imp of parsed.imports) {
        if (!seen.has(imp.file)) {
          seen.add(imp.file);
          queue.push(imp.file);
        }
      }
    }
    return order;
  }

  /** The parsed file as in `snapshot` (reading it into the snapshot the first time), or as now without one. */
  snapshotFile(file: string, snapshot?: FileSnapshot): ParsedFile | undefined {
    if (!snapshot) return this.file(file);
    if (snapshot.has(file)) return snapshot.get(file);
    const parsed = this.file(file);
    snapshot.set(file, parsed);
    return parsed;
  }

  /** PVK013 for each import of the file that cannot be read now (or in `snapshot`). */
  importDiagnostics(parsed: ParsedFile, snapshot?: FileSnapshot): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const imp of parsed.imports) {
      const unreadable = snapshot?.has(imp.file) ? snapshot.get(imp.file) === undefined : this.host.readFile(imp.file) === undefined;
      if (unreadable) {
        out.push(makeDiagnostic(parsed.source.path, imp.item.pathSpan, 'PVK013', `cannot read imported file '${imp.item.path}' (looked for ${imp.file})`));
      }
    }
    return out;
  }
}

function parseFile(file: string, text: string): ParsedFile {
  const result = parse(file, text);
  const syntaxDiagnostics = [...result.diagnostics];
  const imports: ParsedFile['imports'] = [];
  for (const item of result.ast.items) {
    if (item.kind === 'import') imports.push({ file: resolveRelative(file, item.path), item });
  }
  return {
    source: new SourceFile(file, text),
    ast: result.ast,
    // Made on first use (the checker never needs the Token objects).
    get tokens(): Token[] {
      return result.tokens;
    },
    set tokens(value: Token[]) {
      result.tokens = value;
    },
    comments: result.comments,
    syntaxDiagnostics,
    imports,
  };
}
