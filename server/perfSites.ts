import type * as A from '../sandbox/lang/ast.js';
import { INTRINSICS } from '../sandbox/lang/intrinsics.js';
import type { SourceFile, Span } from '../sandbox/lang/source.js';
import { forEachExpr, functionsOf } from '../sandbox/lang/walk.js';

/**
 * A place in today's text where the profiler reports costs: a hypercall, an
 * intrinsic call, or a pvop call; named as the profile names them
 * (hypercall name, intrinsic name, `group.op`).
 */
export interface StaticSite {
  kind: 'hypercall' | 'intrinsic' | 'pvop';
  name: string;
  span: Span;
  /** 1-based line of the expression's start (where the profiler attributes it). */
  line: number;
  /** The expression lies inside a `while` or `for` body (statically; conditions do not count). */
  inLoop: boolean;
  /** The platform of the `impl` block around it, if any. */
  impl: string | undefined;
  /** The function around it. */
  fn: A.FnItem;
}

function siteOf(e: A.Expr): { kind: StaticSite['kind']; name: string } | undefined {
  if (e.kind === 'hypercall') return { kind: 'hypercall', name: e.name.name };
  if (e.kind === 'pvop') return { kind: 'pvop', name: `${e.group.name}.${e.op.name}` };
  if (e.kind === 'call' && (e.target ? e.target.kind === 'intrinsic' : Object.prototype.hasOwnProperty.call(INTRINSICS, e.callee.name))) {
    return { kind: 'intrinsic', name: e.callee.name };
  }
  return undefined;
}

/** Every site of a file's functions, in text order. */
export function staticSites(ast: A.FileAst, source: SourceFile): StaticSite[] {
  const out: StaticSite[] = [];
  for (const fn of functionsOf(ast)) {
    const visitExprs = (node: A.Stmt | A.Expr | undefined, inLoop: boolean): void =>
      forEachExpr(node, (e) => {
        const s = siteOf(e);
        if (s) out.push({ ...s, span: e.span, line: source.lineOf(e.span.start), inLoop, impl: fn.impl?.platform.name, fn });
      });
    const visit = (s: A.Stmt | undefined, inLoop: boolean): void => {
      if (!s) return;
      switch (s.kind) {
        case 'block':
          for (const t of s.stmts) visit(t, inLoop);
          return;
        case 'if': {
          // An else-if chain in a loop: its length is not nesting.
          let link: A.IfStmt = s;
          for (;;) {
            visitExprs(link.cond, inLoop);
            visit(link.then, inLoop);
            if (link.else?.kind !== 'if') return visit(link.else, inLoop);
            link = link.else;
          }
        }
        case 'while':
          visitExprs(s.cond, inLoop);
          visit(s.body, true);
          return;
        case 'for':
          visitExprs(s.lo, inLoop);
          visitExprs(s.hi, inLoop);
          visit(s.body, true);
          return;
        default:
          visitExprs(s, inLoop);
      }
    };
    visit(fn.body, false);
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** The profile's name of a function: `name`, or `group.op [platform]` for an impl function. */
export function profileFnName(fn: A.FnItem): string {
  return fn.impl ? `${fn.impl.group.name}.${fn.name.name} [${fn.impl.platform.name}]` : fn.name.name;
}
