import type { CodeAction } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import { contextsRunning } from '../../sandbox/lang/bootContext.js';
import { ERRNO } from '../../sandbox/lang/abi.js';
import { forEachExpr } from '../../sandbox/lang/walk.js';
import { action, afterItemOf, freshName, lineIndent, newPvopsText, replace, sameSpan, statementAt, type FixContext } from './context.js';

/** The hypercall the diagnostic's range names (its name), and the statement that holds it. */
function hypercallAt(ctx: FixContext): { call: A.HypercallExpr; stmt: A.Stmt; fn: A.FnItem } | undefined {
  const at = statementAt(ctx.parsed.ast, ctx.span);
  if (!at) return undefined;
  let call: A.HypercallExpr | undefined;
  const look = (node: A.Stmt | A.Expr | undefined): void =>
    forEachExpr(node, (e) => {
      if (e.kind === 'hypercall' && sameSpan(e.name.span, ctx.span)) call = e;
    });
  // Only the statement's own expressions, not those of nested statements.
  if (at.stmt.kind === 'if' || at.stmt.kind === 'while') look(at.stmt.cond);
  else if (at.stmt.kind === 'for') [at.stmt.lo, at.stmt.hi].forEach(look);
  else look(at.stmt);
  return call ? { call, stmt: at.stmt, fn: at.fn } : undefined;
}

/**
 * Wraps a hypercall whose result the statement ignores, or follows a `let`
 * that keeps it, with a check against `errno` and a console line saying
 * what happened.
 */
function checkResult(ctx: FixContext, errno: number, why: string): CodeAction[] {
  const at = hypercallAt(ctx);
  if (!at) return [];
  const text = ctx.parsed.source.text;
  const indent = lineIndent(text, at.stmt.span.start);
  const name = at.call.name.name;
  const say = `print("${name}: ${why}")`;
  const title = `Check the result of ${name} against ${errno === ERRNO.ENOSYS ? '-ENOSYS' : '-EPERM'}`;
  if (at.stmt.kind === 'expr' && at.stmt.expr === at.call) {
    const call = text.slice(at.call.span.start, at.call.span.end);
    return [action(ctx, title, [replace(ctx, at.stmt.span, `if (${call} == ${errno}) {\n${indent}    ${say};\n${indent}}`)], true)];
  }
  if (at.stmt.kind === 'let' && at.stmt.init === at.call) {
    const end = at.stmt.span.end;
    return [action(ctx, title, [replace(ctx, { start: end, end }, `\n${indent}if (${at.stmt.name.name} == ${errno}) {\n${indent}    ${say};\n${indent}}`)], true)];
  }
  return [];
}

/** PVK012: a bare hypercall newer than a booted hypervisor gets its result checked against -ENOSYS. */
export function checkEnosys(ctx: FixContext): CodeAction[] {
  return checkResult(ctx, ERRNO.ENOSYS, 'not available on this hypervisor (-ENOSYS)');
}

/**
 * PVK011: a dom0-only hypercall in a kernel some system boots unprivileged.
 * Check its result against -EPERM; or, where every unprivileged domain that
 * boots the kernel is native or hvm (it binds `impl … for native`), move the
 * call behind a new pvop whose xen impl makes it and whose native impl
 * returns -EPERM, as the hypervisor would have: then no unprivileged domain
 * makes it at all.
 */
export function privilegeFixes(ctx: FixContext): CodeAction[] {
  const out = checkResult(ctx, ERRNO.EPERM, 'not allowed in an unprivileged domain (-EPERM)');
  const at = hypercallAt(ctx);
  const decl = at?.call.decl;
  if (!at || !decl || at.fn.impl) return out;
  const contexts = ctx.project.analysis().contexts.get(ctx.parsed.source.path) ?? [];
  const unprivilegedPv = contextsRunning(contexts, 'xen').filter((c) => !c.privileged && c.hypervisor !== null);
  if (unprivilegedPv.length > 0) return out;
  const name = decl.name.name;
  const group = freshName(ctx, `${at.fn.name.name}_${name}`);
  const params = decl.params.map((p) => `${p.name.name}: ${p.type.name}`).join(', ');
  const args = decl.params.map((p) => p.name.name).join(', ');
  const ret = decl.ret?.name ?? 'i32';
  const text = ctx.parsed.source.text;
  const callArgs = at.call.args.map((a) => text.slice(a.span.start, a.span.end)).join(', ');
  const insertAt = afterItemOf(at.fn);
  out.push(
    action(ctx, `Move ${name} behind a new pvop ${group}.call (xen impl makes it, native returns -EPERM)`, [
      replace(ctx, at.call.span, `${group}.call(${callArgs})`),
      replace(ctx, { start: insertAt, end: insertAt }, newPvopsText(group, 'call', params, ret, [`return ${ERRNO.EPERM};`], [`return hypercall ${name}(${args});`])),
    ]),
  );
  return out;
}
