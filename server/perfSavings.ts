import { builtinAbi, compareVersions, HYPERCALL_FACTS, MULTICALL_ENTRY_WORDS } from '../sandbox/lang/abi.js';
import { COSTS } from '../sandbox/machine/costs.js';

/**
 * Cycles saved by issuing the `count` calls of one hypercall site as one
 * multicall instead of one by one; 0 when it saves nothing or cannot be done
 * (a hypercall the ABI table does not let a multicall run whole, such as
 * sched_op or multicall itself, or a hypervisor older than multicall's `since`).
 *
 * From the cost model (spec sections 4-5): a hypercall costs base + c, where
 * base is COSTS.hypercallBase and c its row's cost plus the handler's
 * variable part. A multicall of n entries costs base + m + Σ c_i (m: the
 * multicall row's cost): its entries pay their own c_i but no second base.
 * Building the list costs MULTICALL_ENTRY_WORDS `mem32[…] = …;` stores per
 * entry, each a statement and a memory access. So, with the same c_i either way,
 *
 *     saving(n) = n·base − (base + m) − n·words·(statement + memoryAccess).
 */
export function multicallSaving(name: string, count: number, hypervisor: string | null): number {
  const multicall = builtinAbi().byName.get('multicall');
  if (!multicall || HYPERCALL_FACTS[name]?.inMulticall !== 'all' || hypervisor === null) return 0;
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
 * ops table costs COSTS.pvopIndirect, a patched direct call COSTS.pvopPatched.
 * Computed from the site's measured overhead, so a site already patched saves 0.
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
