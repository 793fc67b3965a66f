import * as path from 'node:path';
import type { Analysis } from '../lang/analysis.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { ParsedFile } from '../lang/program.js';

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

export function toJsonDiagnostic(files: SourceFiles, d: Diagnostic): JsonDiagnostic {
  const source = files.file(d.file)?.source;
  const start = source?.position(d.span.start) ?? { line: 1, column: 1 };
  const end = source?.position(d.span.end) ?? start;
  return {
    file: d.file,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

export function allDiagnostics(analysis: Analysis): JsonDiagnostic[] {
  const out: JsonDiagnostic[] = [];
  for (const file of analysis.files) for (const d of analysis.diagnostics.get(file) ?? []) out.push(toJsonDiagnostic(analysis.snapshot, d));
  return out;
}

/** `file:line:col: severity CODE message`, the file relative to the working directory when inside it. */
export function formatHuman(d: JsonDiagnostic, cwd: string): string {
  const rel = path.relative(cwd, d.file);
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : d.file;
  return `${shown}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`;
}
