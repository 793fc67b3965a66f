import { builtinAbi, compareVersions, HYPERCALL_FACTS, MULTICALL_ENTRY_MIN_COST, MULTICALL_ENTRY_WORDS, MULTICALL_MAX_ENTRIES } from '../sandbox/lang/abi.js';
import { COSTS } from '../sandbox/machine/costs.js';

/** One domain's calls at a hypercall site, as a profile measured them. */
export interface MeasuredCalls {
  count: number;
  /** Their cycles one by one: each the entry/exit base, the row's cost and the handler's variable part. */
  cycles: number;
  /** The cheapest call. */
  min: number;
  /**
   * How many times the loop around the site ran: the calls of the function
   * around it. Undefined when the profile does not say (then one multicall
   * for them all: the static estimate).
   */
  runs: number | undefined;
}

/** Those calls as multicalls: one per run of the loop, each of at most MULTICALL_MAX_ENTRIES entries. */
export interface MulticallEstimate {
  multicalls: number;
  /** Cycles the entries would still pay: each call's own cost (no entry/exit base), at least the entry minimum. */
  entries: number;
  /** Cycles of building the lists. */
  lists: number;
  /** The multicalls' cycles in all. */
  cycles: number;
  /** The measured cycles minus those; 0 when batching saves nothing. */
  saving: number;
}

/**
 * What issuing measured hypercalls as multicalls would cost; undefined when
 * they cannot be batched (a hypercall the ABI table does not let a multicall
 * run whole, such as sched_op or multicall itself, or a hypervisor older than
 * multicall's `since`).
 *
 * From the cost model (spec sections 4-5) and the hypervisor's multicall: a
 * hypercall costs base + c, where base is COSTS.hypercallBase and c its own
 * part (its row's cost plus the handler's variable part): the measured calls
 * paid Σc = cycles − count·base of their own. A multicall costs base + m (m:
 * the multicall row's cost), and each entry its own c but at least
 * MULTICALL_ENTRY_MIN_COST, with no second base. Building a list costs
 * MULTICALL_ENTRY_WORDS `mem32[…] = …;` stores per entry, each a statement and
 * a memory access. Calls made in separate runs of the loop (separate calls of
 * the function around it) go in separate multicalls. So
 *
 *     multicalls·(base + m) + max(Σc, count·min entry) + count·words·(statement + memoryAccess)
 *
 * (Σc exactly when every call's own cost reaches the minimum).
 */
export function multicallEstimate(name: string, calls: MeasuredCalls, hypervisor: string | null): MulticallEstimate | undefined {
  const multicall = builtinAbi().byName.get('multicall');
  if (!multicall || HYPERCALL_FACTS[name]?.inMulticall !== 'all' || hypervisor === null) return undefined;
  if (compareVersions(hypervisor, multicall.since) < 0) return undefined;
  const own = calls.cycles - calls.count * COSTS.hypercallBase;
  const entries = calls.min - COSTS.hypercallBase >= MULTICALL_ENTRY_MIN_COST ? own : Math.max(own, calls.count * MULTICALL_ENTRY_MIN_COST);
  const multicalls = Math.max(calls.runs ?? 1, Math.ceil(calls.count / MULTICALL_MAX_ENTRIES));
  const lists = calls.count * MULTICALL_ENTRY_WORDS * (COSTS.statement + COSTS.memoryAccess);
  const cycles = multicalls * (COSTS.hypercallBase + multicall.cost) + entries + lists;
  return { multicalls, entries, lists, cycles, saving: Math.max(0, calls.cycles - cycles) };
}

/** How multicallEstimate() counts, in words, with the numbers of the cost table and the ABI. */
export function multicallFormula(): string {
  const base = COSTS.hypercallBase;
  const own = builtinAbi().byName.get('multicall')?.cost ?? 0;
  const list = MULTICALL_ENTRY_WORDS * (COSTS.statement + COSTS.memoryAccess);
  return `a multicall costs ${base} + ${own}; its entries pay their own cost (at least ${MULTICALL_ENTRY_MIN_COST}) but no second ${base}; ${MULTICALL_ENTRY_WORDS} stores per entry (${list} cycles) build the list; one multicall per run of the loop — if the calls do not depend on each other`;
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
