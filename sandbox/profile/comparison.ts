/**
 * What `pvlab compare` finds, as data: the JSON it prints and what the
 * editor's chart reads (no machinery here, so the extension may import it).
 */
import type { DomainMode } from '../lang/bootContext.js';
import type { RunEnd } from '../hv/hypervisor.js';
import type { ExitCounters } from '../run/report.js';

export type VariantName = 'native' | 'pv' | 'pv+patch_pvops' | 'hvm';

/** The variants, in the order every table and JSON array lists them. */
export const VARIANTS: readonly VariantName[] = ['native', 'pv', 'pv+patch_pvops', 'hvm'];

/** One domain under one variant (its exits as the run report counts them; empty when it cannot run). */
export interface VariantResult extends ExitCounters<number> {
  variant: VariantName;
  /** False when the domain cannot run this way; `reason` says why and the numbers are null. */
  possible: boolean;
  reason: string | null;
  mode: DomainMode;
  /** The hypervisor version booted, null for bare metal. */
  hypervisor: string | null;
  patchPvops: boolean;
  /** How the run this domain was part of ended. */
  end: RunEnd | null;
  state: string | null;
  exitCode: number | null;
  /** The domain's cycles (what its vCPUs consumed). */
  cycles: number | null;
  /** Machine time of the run it was part of (for native: its run alone). */
  elapsed: number | null;
  /** Cycles minus the baseline's; null without a baseline or numbers. */
  overhead: number | null;
  /** overhead / baseline × 100, rounded to two decimals. */
  overheadPercent: number | null;
  pvopCalls: number | null;
}

/** One function name's inclusive cycles in one domain under one variant. */
export interface FunctionVariant {
  variant: VariantName;
  cycles: number | null;
  overhead: number | null;
  overheadPercent: number | null;
}

export interface FunctionComparison {
  /** The function, or `group.op` for a pvop implementation (native and xen impls compared as one). */
  name: string;
  variants: FunctionVariant[];
}

export interface DomainComparison {
  id: number;
  name: string;
  /** The variant the overheads are measured against, or null when neither native nor pv ran. */
  baseline: 'native' | 'pv' | null;
  variants: VariantResult[];
  /** Every function that ran in some variant, by baseline cycles (then name). */
  functions: FunctionComparison[];
}

export interface Comparison {
  system: string;
  /** The version pv and hvm variants boot (the system's, or the default when it is bare metal). */
  hypervisor: string;
  maxCycles: number;
  variants: readonly VariantName[];
  domains: DomainComparison[];
}
