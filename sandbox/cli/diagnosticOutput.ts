import * as path from 'node:path';
import type { Analysis } from '../lang/analysis.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { ParsedFile } from '../lang/program.js';
import type { SourceFile } from '../lang/source.js';

/** Where a diagnostic's file text comes from: an analysis' snapshot (or a workspace). */
export interface SourceFiles {
  file(path: string): ParsedFile | undefined;
}

/** A diagnostic as `pvlab check --json` prints it: 1-based positions, endColumn exclusive. */
export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

/**
 * Diagnostics with 1-based positions. Each file's line index is looked up
 * once, however many diagnostics it has: placing N diagnostics costs N
 * binary searches, not N reads of the file.
 */
export function jsonDiagnostics(files: SourceFiles, diagnostics: Iterable<Diagnostic>): JsonDiagnostic[] {
  const sources = new Map<string, SourceFile | undefined>();
  const sourceOf = (file: string): SourceFile | undefined => {
    if (!sources.has(file)) sources.set(file, files.file(file)?.source);
    return sources.get(file);
  };
  const out: JsonDiagnostic[] = [];
  for (const d of diagnostics) {
    const source = sourceOf(d.file);
    const start = source?.position(d.span.start) ?? { line: 1, column: 1 };
    const end = source?.position(d.span.end) ?? start;
    out.push({ file: d.file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, severity: d.severity, code: d.code, message: d.message });
  }
  return out;
}

export function allDiagnostics(analysis: Analysis): JsonDiagnostic[] {
  return jsonDiagnostics(
    analysis.snapshot,
    analysis.files.flatMap((file) => analysis.diagnostics.get(file) ?? []),
  );
}

/** `file:line:col: severity CODE message`, the file relative to the working directory when inside it. */
export function formatHuman(d: JsonDiagnostic, cwd: string): string {
  const rel = path.relative(cwd, d.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : d.file;
  return `${shown}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`;
}
