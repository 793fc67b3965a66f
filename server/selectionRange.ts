import type { Position, SelectionRange } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { forEachExpr, forEachStmt } from '../sandbox/lang/walk.js';
import { toOffset, toRange } from './convert.js';
import type { ProjectView } from './view.js';

/** The identifiers an expression or statement names directly (not those of the expressions inside it). */
function ownNames(node: A.Expr | A.Stmt): Span[] {
  switch (node.kind) {
    case 'name':
      return [node.span];
    case 'call':
      return [node.callee.span];
    case 'pvop':
      return [node.group.span, node.op.span];
    case 'hypercall':
      return [node.name.span];
    case 'let':
    case 'for':
      return [node.name.span];
    case 'assign':
      return node.target.kind === 'name' ? [node.target.span] : [];
    default:
      return [];
  }
}

/**
 * Every syntax node of an item around `offset`, offered to `add` in no
 * particular order; `addName` takes identifiers (which also count when the
 * caret is just past them).
 */
function itemSpansAt(item: A.Item, offset: number, add: (s: Span) => void, addName: (s: Span) => void): void {
  const expr = (e: A.Expr): void => {
    add(e.span);
    ownNames(e).forEach(addName);
  };
  /** A declaration-like node and its name: a function, parameter, op, domain or property. */
  const named = (n: { span: Span; name: A.Ident }): void => {
    add(n.span);
    addName(n.name.span);
  };
  const fn = (f: A.FnItem): void => {
    named(f);
    f.params.forEach(named);
    // The links of else-if chains after the first: of those around the offset only the innermost
    // counts (a chain's length is not nesting, and a selection range nests its parents).
    const links = new Set<A.IfStmt>();
    forEachStmt(f.body, (s) => {
      if (s.kind === 'if' && s.else?.kind === 'if') {
        links.add(s.else);
        if (links.has(s) && s.else.span.start <= offset && offset < s.else.span.end) return;
      }
      add(s.span);
      ownNames(s).forEach(addName);
    });
    forEachExpr(f.body, expr);
  };
  const within = (s: { span: Span }): boolean => s.span.start <= offset && offset <= s.span.end;
  add(item.span);
  switch (item.kind) {
    case 'import':
      return add(item.pathSpan);
    case 'const':
    case 'var':
      addName(item.name.span);
      return forEachExpr(item.init, expr);
    case 'fn':
      return fn(item);
    case 'impl':
      addName(item.group.span);
      return item.fns.filter(within).forEach(fn);
    case 'pvops':
      addName(item.name.span);
      for (const op of item.ops.filter(within)) {
        named(op);
        op.params.forEach(named);
      }
      return;
    case 'system':
      addName(item.name.span);
      item.props.forEach(named);
      for (const d of item.domains.filter(within)) {
        named(d);
        for (const p of d.props) {
          named(p);
          for (const v of p.values) add(v.span);
        }
      }
      return;
    case 'abi':
      addName(item.name.span);
      return item.hypercalls.filter(within).forEach((h) => add(h.span));
  }
}

function selectionAt(parsed: ParsedFile, offset: number): SelectionRange {
  const spans: Span[] = [{ start: 0, end: parsed.source.text.length }];
  const add = (s: Span): void => {
    if (s.start <= offset && offset < s.end) spans.push(s);
  };
  // An identifier also when the caret is just past its end, as editors place carets.
  const addName = (s: Span): void => {
    if (s.start <= offset && offset <= s.end) spans.push(s);
  };
  for (const item of parsed.ast.items) if (item.span.start <= offset && offset <= item.span.end) itemSpansAt(item, offset, add, addName);
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
export function selectionRanges(project: ProjectView, uri: string, positions: readonly Position[]): SelectionRange[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  return positions.map((p) => selectionAt(parsed, toOffset(parsed.source, p)));
}
