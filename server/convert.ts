import type { Position, Range } from 'vscode-languageserver';
import type { Severity } from '../sandbox/lang/diagnostics.js';
import type { SourceFile, Span } from '../sandbox/lang/source.js';
import { DiagnosticSeverity } from 'vscode-languageserver';

export function toPosition(source: SourceFile, offset: number): Position {
  const p = source.position(offset);
  return { line: p.line - 1, character: p.column - 1 };
}

export function toRange(source: SourceFile, span: Span): Range {
  return { start: toPosition(source, span.start), end: toPosition(source, span.end) };
}

export function toOffset(source: SourceFile, position: Position): number {
  return source.offset(position.line + 1, position.character + 1);
}

export function toSeverity(s: Severity): DiagnosticSeverity {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'info':
      return DiagnosticSeverity.Information;
    default:
      return DiagnosticSeverity.Hint;
  }
}
