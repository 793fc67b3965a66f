import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import type { ItemTable } from '../../sandbox/lang/items.js';
import type { ParsedFile } from '../../sandbox/lang/program.js';
import type { Span } from '../../sandbox/lang/source.js';
import { forEachExprInFile, forEachStmt, functionsOf } from '../../sandbox/lang/walk.js';
import { toRange } from '../convert.js';
import type { ProjectView } from '../view.js';

/** What one quick fix works on: the analysed file and the diagnostic it answers. */
export interface FixContext {
  project: ProjectView;
  parsed: ParsedFile;
  uri: string;
  /** The diagnostic's range as offsets in the file. */
  span: Span;
  diagnostic: LspDiagnostic;
}

export type Fixer = (ctx: FixContext) => CodeAction[];

/** A quick fix that edits the file of the diagnostic. */
export function action(ctx: FixContext, title: string, edits: TextEdit[], preferred = false): CodeAction {
  const a: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics: [ctx.diagnostic], edit: { changes: { [ctx.uri]: edits } } };
  if (preferred) a.isPreferred = true;
  return a;
}

/** Replaces (or, for an empty span, inserts at) a span of the file. */
export function replace(ctx: FixContext, span: Span, newText: string): TextEdit {
  return { range: toRange(ctx.parsed.source, span), newText };
}

export const sameSpan = (a: Span, b: Span): boolean => a.start === b.start && a.end === b.end;

/** The message of a diagnostic as text (LSP 3.18 also allows markup). */
export function messageOf(d: LspDiagnostic): string {
  return typeof d.message === 'string' ? d.message : (d.message as { value: string }).value;
}

/** The innermost statement (not a block) whose span contains `span`, with its function. */
export function statementAt(ast: A.FileAst, span: Span): { stmt: A.Stmt; fn: A.FnItem } | undefined {
  let found: { stmt: A.Stmt; fn: A.FnItem } | undefined;
  for (const fn of functionsOf(ast)) {
    forEachStmt(fn.body, (s) => {
      if (s.kind !== 'block' && s.span.start <= span.start && span.end <= s.span.end) found = { stmt: s, fn };
    });
  }
  return found;
}

/** The expression of the file whose span is exactly `span` (the innermost one), with its function. */
export function exprAt(ast: A.FileAst, span: Span): { expr: A.Expr; fn: A.FnItem | undefined } | undefined {
  let found: { expr: A.Expr; fn: A.FnItem | undefined } | undefined;
  forEachExprInFile(ast, (e, fn) => {
    if (sameSpan(e.span, span)) found = { expr: e, fn };
  });
  return found;
}

/** The indentation of the line that holds `offset`. */
export function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** A value of a type that a stub or a padded argument can use. */
export const zeroOf = (type: A.TypeName | undefined): string => (type === 'bool' ? 'false' : '0');

/** The item table of everything the file sees (its own items and its imports'). */
export function itemsSeenFrom(ctx: FixContext): ItemTable {
  return ctx.project.items(ctx.parsed.source.path);
}

/** A name for a new item that nothing the file sees uses yet: `base`, `base2`, … */
export function freshName(ctx: FixContext, base: string): string {
  const table = itemsSeenFrom(ctx);
  let name = base;
  for (let n = 2; table.values.has(name); n++) name = `${base}${n}`;
  return name;
}

/** Where new items go after the item that holds `fn`: the end of its impl block, or of the function. */
export function afterItemOf(fn: A.FnItem): number {
  return fn.impl ? fn.impl.span.end : fn.span.end;
}

/**
 * A new pvops table with one op and its two impls, as text to insert after an
 * item. Bodies are given unindented (one statement per line); they are
 * indented into the impl functions.
 */
export function newPvopsText(group: string, op: string, params: string, ret: string | undefined, native: string[], xen: string[]): string {
  const sig = `fn ${op}(${params})${ret ? ` -> ${ret}` : ''}`;
  const impl = (platform: string, body: string[]): string[] => [`impl ${group} for ${platform} {`, `    ${sig} {`, ...body.map((l) => `        ${l}`), '    }', '}'];
  return ['', '', `pvops ${group} {`, `    ${sig};`, '}', '', ...impl('native', native), '', ...impl('xen', xen)].join('\n');
}
