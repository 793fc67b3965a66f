import type { CodeAction } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import { forEachStmt, functionsOf } from '../../sandbox/lang/walk.js';
import { action, exprAt, replace, sameSpan, type FixContext } from './context.js';

const I32_MAX = 0x7fffffff;

/** The `let x: T = <literal>;` or `var x: T = <literal>;` whose whole initializer is the literal, if any. */
function declarationOf(ast: A.FileAst, literal: A.Expr): { name: string; type: A.TypeRef } | undefined {
  for (const item of ast.items) {
    if (item.kind === 'var' && item.declared && sameSpan(item.init.span, literal.span)) return { name: item.name.name, type: item.declared };
  }
  let found: { name: string; type: A.TypeRef } | undefined;
  for (const fn of functionsOf(ast)) {
    forEachStmt(fn.body, (s) => {
      if (s.kind === 'let' && s.declared && sameSpan(s.init.span, literal.span)) found = { name: s.name.name, type: s.declared };
    });
  }
  return found;
}

/**
 * PVK005 for a literal that fits 32 bits but not the type its context asks
 * for: a negative one where a u32 is wanted gets its hex form (the same 32
 * bits); one above 0x7FFFFFFF where an i32 is wanted gets `as i32` (the same
 * bits, read signed). Where a declaration's type asks, changing that type is
 * the other fix. A literal beyond 32 bits has no mechanical fix.
 */
export function literalFixes(ctx: FixContext): CodeAction[] {
  const at = exprAt(ctx.parsed.ast, ctx.span);
  if (!at || at.expr.kind !== 'int' || at.expr.overflow) return [];
  const value = at.expr.value;
  const written = ctx.parsed.source.text.slice(ctx.span.start, ctx.span.end);
  const declared = declarationOf(ctx.parsed.ast, at.expr);
  const out: CodeAction[] = [];
  if (value < 0) {
    const hex = `0x${(value >>> 0).toString(16).toUpperCase()}`;
    out.push(action(ctx, `Write ${written} as ${hex} (the same 32 bits as a u32)`, [replace(ctx, ctx.span, hex)], true));
    if (declared?.type.name === 'u32') out.push(action(ctx, `Declare '${declared.name}' as i32`, [replace(ctx, declared.type.span, 'i32')]));
  } else if (value > I32_MAX) {
    if (declared?.type.name === 'i32') out.push(action(ctx, `Declare '${declared.name}' as u32`, [replace(ctx, declared.type.span, 'u32')], true));
    out.push(action(ctx, `Write ${written} as i32 (the same 32 bits, read signed: ${value | 0})`, [replace(ctx, ctx.span, `${written} as i32`)], declared === undefined));
  }
  return out;
}
