import type * as A from './ast.js';
import { joinList } from './bootContext.js';
import type { DiagnosticCode } from './diagnostics.js';
import type { ItemTable } from './items.js';
import type { Span } from './source.js';
import { suggest } from './suggest.js';

/**
 * Paravirt operations in the checker: a `pvops` table's ops, each `impl`
 * against its table (platform, ops, signatures, nothing missing), and which
 * op a `G.op(…)` call means. Types of arguments and bodies are the
 * checker's (check.ts); it hands itself in as a PvopsChecker.
 */
export interface PvopsChecker {
  /** The names visible from the file being checked. */
  readonly table: ItemTable;
  report(span: Span, code: DiagnosticCode, message: string): void;
  /** PVK007 for a parameter name given twice. */
  checkParamNames(params: readonly A.Param[]): void;
  /** Checks a function's body (an impl's functions are functions too). */
  checkFnItem(fn: A.FnItem): void;
}

/** A pvops table: each op declared once, with distinct parameter names. */
export function checkPvops(c: PvopsChecker, item: A.PvopsItem): void {
  const seen = new Map<string, A.PvopSig>();
  for (const op of item.ops) {
    if (seen.has(op.name.name)) c.report(op.name.span, 'PVK007', `op '${op.name.name}' is declared twice in pvops ${item.name.name}`);
    seen.set(op.name.name, op);
    c.checkParamNames(op.params);
  }
}

/** An impl: a known platform and table, each op once with the table's signature, none missing; then its functions. */
export function checkImpl(c: PvopsChecker, item: A.ImplItem): void {
  const group = c.table.values.get(item.group.name);
  const platform = item.platform.name;
  if (platform !== 'native' && platform !== 'xen') {
    c.report(item.platform.span, 'PVK022', `unknown platform '${platform}': an impl is 'for native' (bare metal and hvm) or 'for xen' (pv)`);
  }
  if (!group || group.kind !== 'pvops') {
    const hint = suggest(item.group.name, [...c.table.values.values()].filter((v) => v.kind === 'pvops').map((v) => v.name.name));
    c.report(item.group.span, 'PVK002', `unknown pvops table '${item.group.name}'${hint}`);
    for (const fn of item.fns) c.checkFnItem(fn);
    return;
  }
  const ops = new Map(group.ops.map((o) => [o.name.name, o]));
  const implemented = new Set<string>();
  for (const fn of item.fns) {
    const op = ops.get(fn.name.name);
    if (!op) {
      c.report(fn.name.span, 'PVK022', `pvops ${group.name.name} has no op '${fn.name.name}'; declare it in the pvops table or remove it${suggest(fn.name.name, [...ops.keys()])}`);
    } else if (implemented.has(fn.name.name)) {
      c.report(fn.name.span, 'PVK007', `op '${fn.name.name}' is implemented twice in this impl`);
    } else {
      implemented.add(fn.name.name);
      const want = signature(op.params, op.ret);
      const got = signature(fn.params, fn.ret);
      if (want !== got) {
        c.report(fn.name.span, 'PVK022', `'${fn.name.name}' changes the signature declared in pvops ${group.name.name}: it must be ${fn.name.name}${want}, not ${fn.name.name}${got}`);
      }
    }
    c.checkFnItem(fn);
  }
  const missing = group.ops.filter((o) => !implemented.has(o.name.name)).map((o) => o.name.name);
  if (missing.length > 0) {
    c.report(item.group.span, 'PVK022', `impl ${group.name.name} for ${platform} misses ${missing.length === 1 ? 'op' : 'ops'} ${joinList(missing)}`);
  }
}

/**
 * The op a `G.op(…)` call means, annotated on the call (`pvops`, `decl`);
 * undefined, with PVK002, for an unknown table or op.
 */
export function resolvePvopCall(c: Pick<PvopsChecker, 'table' | 'report'>, e: A.PvopCallExpr): A.PvopSig | undefined {
  const group = c.table.values.get(e.group.name);
  if (!group || group.kind !== 'pvops') {
    const groups = [...c.table.values.values()].filter((v) => v.kind === 'pvops').map((v) => v.name.name);
    c.report(e.group.span, 'PVK002', `unknown pvops table '${e.group.name}'${suggest(e.group.name, groups)}`);
    return undefined;
  }
  const op = group.ops.find((o) => o.name.name === e.op.name);
  if (!op) {
    c.report(e.op.span, 'PVK002', `pvops ${group.name.name} has no op '${e.op.name}'${suggest(e.op.name, group.ops.map((o) => o.name.name))}`);
    return undefined;
  }
  e.pvops = group;
  e.decl = op;
  return op;
}

/** A signature as its types only: parameter names may differ between a pvop and its impls. */
function signature(params: readonly A.Param[], ret: A.TypeRef | undefined): string {
  return `(${params.map((p) => p.type.name).join(', ')})${ret ? ` -> ${ret.name}` : ''}`;
}
