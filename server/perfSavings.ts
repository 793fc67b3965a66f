import { builtinAbi, compareVersions } from '../sandbox/lang/abi.js';
import { COSTS } from '../sandbox/machine/costs.js';

/** Words of one multicall entry: the hypercall number and its 5 arguments (spec section 5). */
const MULTICALL_ENTRY_WORDS = 6;

/**
 * Hypercalls a multicall cannot batch: inside a multicall `sched_op` only
 * shuts down (yield and block return -EINVAL) and a nested `multicall`
 * returns -EINVAL (sandbox/hv/hypercalls.ts, handlers called with `nested`).
 */
const NOT_BATCHABLE = new Set(['sched_op', 'multicall']);

/**
 * Cycles saved by issuing the `count` calls of one hypercall site as one
 * multicall instead of one by one; 0 when it saves nothing or cannot be done.
 *
 * From the cost model (spec sections 4-5, `invoke(…, nested)` in
 * sandbox/hv/hypercalls.ts): a hypercall costs 300 + c, where c is its
 * table cost plus the handler's variable part. A multicall of n entries costs
 * 300 + 50 + Σ c_i: its entries pay their own c_i but no second 300. Building
 * the list costs 6 `mem32[…] = …;` stores per entry, 1 (statement) + 1
 * (store) cycles each. So, with the same c_i either way,
 *
 *     saving(n) = n·300 − (300 + 50) − n·6·2 = 288·n − 350,
 *
 * positive from n = 2 on. Multicall exists from hypervisor 3.2.
 */
export function multicallSaving(name: string, count: number, hypervisor: string | null): number {
  const multicall = builtinAbi().byName.get('multicall');
  if (!multicall || NOT_BATCHABLE.has(name) || hypervisor === null) return 0;
  if (compareVersions(hypervisor, multicall.since) < 0) return 0;
  const listCost = MULTICALL_ENTRY_WORDS * (COSTS.statement + COSTS.memoryAccess);
  const saving = count * COSTS.hypercallBase - (COSTS.hypercallBase + multicall.cost) - count * listCost;
  return Math.max(0, saving);
}

/** How multicallSaving() counts, in words, with the numbers of the cost table and the ABI. */
export function multicallFormula(): string {
  const base = COSTS.hypercallBase;
  const own = builtinAbi().byName.get('multicall')?.cost ?? 0;
  const list = MULTICALL_ENTRY_WORDS * (COSTS.statement + COSTS.memoryAccess);
  return `multicall saving per domain: n·${base} − (${base} + ${own}) − n·${list} (entries pay no second ${base}; ${MULTICALL_ENTRY_WORDS} stores per entry build the list) — if the calls do not depend on each other`;
}

/** How pvopSaving() counts, with the numbers of the cost table. */
export function pvopFormula(): string {
  return `patch_pvops: calls × (${COSTS.pvopIndirect} − ${COSTS.pvopPatched})`;
}

/**
 * Cycles `patch_pvops` would save at a pvop call site: each call through the
 * ops table costs 8, a patched direct call 5, so calls × (8 − 5). Computed
 * from the site's measured overhead, so a site already patched saves 0.
 */
export function pvopSaving(count: number, cycles: number): number {
  return Math.max(0, cycles - count * COSTS.pvopPatched);
}

/** Whole numbers with thousands separators, the same on every machine. */
export function num(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share as a percentage: `12%`, `0.4%`, `<0.1%`. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return '<0.1%';
  return p < 10 ? `${Math.round(p * 10) / 10}%` : `${Math.round(p)}%`;
}
