import type { CodeAction } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import { INTRINSICS } from '../../sandbox/lang/intrinsics.js';
import { forEachExprInFile } from '../../sandbox/lang/walk.js';
import { action, replace, sameSpan, zeroOf, type FixContext } from './context.js';

type Call = A.CallExpr | A.PvopCallExpr | A.HypercallExpr;

/** The parameter types a call's target declares, when the checker resolved it. */
function parameterTypes(call: Call): A.TypeName[] | undefined {
  switch (call.kind) {
    case 'call':
      if (!call.target) return undefined;
      return call.target.kind === 'fn' ? call.target.params.map((p) => p.type.name) : INTRINSICS[call.target.name]?.params.map((p) => p.type);
    case 'pvop':
      return call.decl?.params.map((p) => p.type.name);
    case 'hypercall':
      return call.decl?.params.map((p) => p.type.name);
  }
}

/** The call whose argument list the diagnostic covers. */
function callAt(ctx: FixContext): Call | undefined {
  let found: Call | undefined;
  forEachExprInFile(ctx.parsed.ast, (e) => {
    if ((e.kind === 'call' || e.kind === 'pvop' || e.kind === 'hypercall') && sameSpan(e.argsSpan, ctx.span)) found = e;
  });
  return found;
}

/**
 * PVK004: too few arguments are padded with zeros (`false` for a bool) for
 * the missing parameters; too many are dropped from the end.
 */
export function argumentFixes(ctx: FixContext): CodeAction[] {
  const call = callAt(ctx);
  const types = call && parameterTypes(call);
  if (!call || !types || types.length === call.args.length) return [];
  const args = call.args;
  const close = call.argsSpan.end - 1; // the ')'
  if (args.length < types.length) {
    const missing = types.slice(args.length).map(zeroOf);
    const text = `${args.length > 0 ? ', ' : ''}${missing.join(', ')}`;
    const at = args.length > 0 ? args[args.length - 1].span.end : close;
    const n = missing.length;
    return [action(ctx, `Pad with ${missing.join(', ')} for the missing argument${n === 1 ? '' : 's'}`, [replace(ctx, { start: at, end: at }, text)], true)];
  }
  const keep = types.length;
  const from = keep > 0 ? args[keep - 1].span.end : call.argsSpan.start + 1;
  const extra = args.length - keep;
  return [action(ctx, `Drop the ${extra === 1 ? 'extra argument' : `${extra} extra arguments`}`, [replace(ctx, { start: from, end: args[args.length - 1].span.end }, '')], true)];
}
