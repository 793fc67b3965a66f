import type { Position, SelectionRange } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { occurrenceAt } from '../sandbox/lang/occurrences.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { forEachExpr, forEachStmt } from '../sandbox/lang/walk.js';
import { toOffset, toRange } from './convert.js';
import type { Project } from './project.js';

/** Every syntax node of an item that contains `offset`, in no particular order. */
function itemSpansAt(item: A.Item, offset: number, add: (s: Span | undefined) => void): void {
  const fn = (f: A.FnItem): void => {
    add(f.span);
    for (const p of f.params) add(p.span);
    forEachStmt(f.body, (s) => add(s.span));
    forEachExpr(f.body, (e) => add(e.span));
  };
  const within = (s: { span: Span }): boolean => s.span.start <= offset && offset < s.span.end;
  add(item.span);
  switch (item.kind) {
    case 'import':
      return add(item.pathSpan);
    case 'const':
    case 'var':
      return forEachExpr(item.init, (e) => add(e.span));
    case 'fn':
      return fn(item);
    case 'impl':
      return item.fns.filter(within).forEach(fn);
    case 'pvops':
      for (const op of item.ops.filter(within)) {
        add(op.span);
        for (const p of op.params) add(p.span);
      }
      return;
    case 'system':
      for (const p of item.props) add(p.span);
      for (const d of item.domains.filter(within)) {
        add(d.span);
        for (const p of d.props) {
          add(p.span);
          for (const v of p.values) add(v.span);
        }
      }
      return;
    case 'abi':
      return item.hypercalls.filter(within).forEach((h) => add(h.span));
  }
}

function selectionAt(project: Project, parsed: ParsedFile, offset: number): SelectionRange {
  const spans: Span[] = [{ start: 0, end: parsed.source.text.length }];
  const add = (s: Span | undefined): void => {
    if (s && s.start <= offset && offset < s.end) spans.push(s);
  };
  for (const item of parsed.ast.items) if (item.span.start <= offset && offset < item.span.end) itemSpansAt(item, offset, add);
  // The identifier under the caret, also when the caret is just past its end.
  const occ = occurrenceAt(project.occurrencesOf(parsed), offset);
  if (occ) spans.push(occ.span);
  // Outermost first; each kept span lies inside the one kept before it.
  spans.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const chain: Span[] = [];
  for (const s of spans) {
    const outer = chain[chain.length - 1];
    if (outer && (s.start < outer.start || s.end > outer.end || (s.start === outer.start && s.end === outer.end))) continue;
    chain.push(s);
  }
  let range: SelectionRange | undefined;
  for (const s of chain) range = { range: toRange(parsed.source, s), ...(range ? { parent: range } : {}) };
  return range as SelectionRange;
}

/**
 * Expand Selection: from the name under the caret out through the
 * expressions, statement, blocks, function (or table, impl, system) to the file.
 */
export function selectionRanges(project: Project, uri: string, positions: readonly Position[]): SelectionRange[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  return positions.map((p) => selectionAt(project, parsed, toOffset(parsed.source, p)));
}
