import type { CodeAction } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import type { Span } from '../../sandbox/lang/source.js';
import { forEachExpr, forEachStmt } from '../../sandbox/lang/walk.js';
import { action, afterItemOf, freshName, itemsSeenFrom, lineIndent, newPvopsText, replace, statementAt, type FixContext } from './context.js';

/** The call of the statement whose callee starts where the diagnostic does (only the statement's own expressions). */
function callIn(s: A.Stmt, span: Span): A.CallExpr | undefined {
  let found: A.CallExpr | undefined;
  const look = (e: A.Expr | A.Stmt | undefined): void =>
    forEachExpr(e, (x) => {
      if (x.kind === 'call' && x.callee.span.start === span.start) found = x;
    });
  if (s.kind === 'if' || s.kind === 'while') look(s.cond);
  else if (s.kind === 'for') [s.lo, s.hi].forEach(look);
  else look(s);
  return found;
}

/** An impl fn whose body is exactly `name(params…);` or `return name(params…);`. */
function wraps(f: A.FnItem, name: string): boolean {
  if (f.body.stmts.length !== 1) return false;
  const s = f.body.stmts[0];
  const e = s.kind === 'expr' ? s.expr : s.kind === 'return' ? s.value : undefined;
  if (!e || e.kind !== 'call' || e.callee.name !== name || e.args.length !== f.params.length) return false;
  return e.args.every((a, i) => a.kind === 'name' && a.name === f.params[i].name.name);
}

/** PVK021: a privileged intrinsic → a call of an existing pvop whose native impl is exactly that instruction. */
export function callThroughPvop(ctx: FixContext): CodeAction[] {
  const at = statementAt(ctx.parsed.ast, ctx.span);
  const call = at && callIn(at.stmt, ctx.span);
  if (!at || !call) return [];
  const table = itemsSeenFrom(ctx);
  const out: CodeAction[] = [];
  for (const item of table.values.values()) {
    if (item.kind !== 'pvops') continue;
    for (const f of table.impls.get(item.name.name)?.native?.fns ?? []) {
      if (!wraps(f, call.callee.name)) continue;
      // Never from inside an impl of that same op: the call would recurse into itself.
      if (at.fn.impl?.group.name === item.name.name && at.fn.name.name === f.name.name) continue;
      const args = ctx.parsed.source.text.slice(call.argsSpan.start, call.argsSpan.end);
      out.push(action(ctx, `Call it through pvop ${item.name.name}.${f.name.name} (native impl: ${call.callee.name})`, [replace(ctx, call.span, `${item.name.name}.${f.name.name}${args}`)], true));
    }
  }
  return out;
}

const within = (span: Span, block: A.Block | undefined): boolean => block !== undefined && span.start >= block.span.start && span.end <= block.span.end;

/** The block's statements as lines, dedented to the first statement's indentation. */
function bodyLines(text: string, b: A.Block | undefined): string[] {
  if (!b || b.stmts.length === 0) return [];
  const indent = lineIndent(text, b.stmts[0].span.start);
  return text
    .slice(b.stmts[0].span.start, b.stmts[b.stmts.length - 1].span.end)
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
}

/**
 * PVK020: `if (xen_domain()) { A } else { B }` → a new pvop whose xen impl is A
 * and native impl is B, called in its place. Offered when the branches only
 * read locals (passed as parameters), do not assign them and do not return,
 * break or continue.
 */
export function moveIntoPvop(ctx: FixContext): CodeAction[] {
  const at = statementAt(ctx.parsed.ast, ctx.span);
  if (!at || at.stmt.kind !== 'if') return [];
  const s = at.stmt;
  const cond = s.cond;
  const negated = cond.kind === 'unary' && cond.op === '!' && cond.operand.kind === 'call' && cond.operand.callee.name === 'xen_domain';
  if (!negated && !(cond.kind === 'call' && cond.callee.name === 'xen_domain')) return [];
  if (s.else && s.else.kind !== 'block') return [];
  const xenBlock = negated ? s.else : s.then;
  const nativeBlock = negated ? s.then : s.else;
  const locals = new Map<string, string>();
  let movable = true;
  for (const block of [xenBlock, nativeBlock]) {
    forEachStmt(block, (x) => {
      if (x.kind === 'return' || x.kind === 'break') movable = false;
      if (x.kind === 'assign' && x.target.kind === 'name' && x.target.ref?.kind === 'local') movable = false;
    });
    forEachExpr(block, (e) => {
      if (e.kind !== 'name' || e.ref?.kind !== 'local') return;
      const decl = e.ref.decl;
      if (within(decl.span, xenBlock) || within(decl.span, nativeBlock)) return;
      locals.set(e.name, decl.kind === 'param' ? decl.type.name : decl.kind === 'for' ? 'u32' : (decl.varType ?? 'u32'));
    });
  }
  if (!movable) return [];
  const group = freshName(ctx, `${at.fn.name.name}_platform`);
  const params = [...locals].map(([n, t]) => `${n}: ${t}`).join(', ');
  const args = [...locals.keys()].join(', ');
  const text = ctx.parsed.source.text;
  const insertAt = afterItemOf(at.fn);
  return [
    action(
      ctx,
      `Move the platform conditional into a new pvop ${group}.run (native and xen impls)`,
      [replace(ctx, s.span, `${group}.run(${args});`), replace(ctx, { start: insertAt, end: insertAt }, newPvopsText(group, 'run', params, undefined, bodyLines(text, nativeBlock), bodyLines(text, xenBlock)))],
      true,
    ),
  ];
}
