/**
 * Turns `pvlab compare --json` (a Comparison) into what the profile view's
 * chart draws: per domain, one bar per variant (native, pv, pv with patched
 * pvops, hvm) scaled to the domain's largest, with its overhead against the
 * baseline and its notes; and the hot functions across the variants. Pure
 * data in, pure data out: no vscode import, unit-tested.
 */
import type { Comparison, VariantResult } from '../sandbox/profile/comparison.js';
import { overheadPercent as percent, signedCycles as signed } from '../sandbox/profile/compareFormat.js';

export interface CompareBar {
  variant: string;
  possible: boolean;
  cycles: number | null;
  /** cycles / the domain's largest, 0..1 (0 when not possible). */
  width: number;
  /** "baseline", "+800 (+21%)", "-399 (-11%)", or "" without numbers. */
  overhead: string;
  /** What else a reader needs: not possible (why), crashed, the run's end, traps and VM exits. */
  notes: string;
}

export interface CompareDomainView {
  id: number;
  name: string;
  /** "against native", "against pv (native is not possible)" or "no baseline". */
  against: string;
  bars: CompareBar[];
  /** The hottest functions (by baseline cycles), each with its cycles per variant. */
  functions: { name: string; cycles: (number | null)[] }[];
}

export interface ComparisonView {
  system: string;
  hypervisor: string;
  variants: string[];
  domains: CompareDomainView[];
}

/** Hot functions shown per domain. */
const TOP_FUNCTIONS = 8;

function notesOf(v: VariantResult): string {
  if (!v.possible) return `not possible: ${v.reason ?? ''}`;
  const parts: string[] = [];
  if (v.state && v.state !== 'exited') parts.push(v.state);
  if (v.end && v.end !== 'exited') parts.push(`run ended ${v.end}`);
  const counts = (label: string, m: Record<string, number>): void => {
    const keys = Object.keys(m);
    if (keys.length > 0) parts.push(`${label} ${keys.map((k) => `${k} ×${m[k]}`).join(', ')}`);
  };
  counts('traps', v.traps);
  counts('VM exits', v.vmexits);
  return parts.join(' · ');
}

export function comparisonView(c: Comparison): ComparisonView {
  return {
    system: c.system,
    hypervisor: c.hypervisor,
    variants: [...c.variants],
    domains: c.domains.map((d) => {
      const max = Math.max(1, ...d.variants.map((v) => v.cycles ?? 0));
      return {
        id: d.id,
        name: d.name,
        against: d.baseline === 'native' ? 'against native' : d.baseline === 'pv' ? 'against pv (native is not possible)' : 'no baseline: neither native nor pv could run',
        bars: d.variants.map((v) => ({
          variant: v.variant,
          possible: v.possible,
          cycles: v.cycles,
          width: v.cycles === null ? 0 : v.cycles / max,
          overhead: v.variant === d.baseline ? 'baseline' : v.overhead === null ? '' : `${signed(v.overhead)}${v.overheadPercent === null ? '' : ` (${percent(v.overheadPercent)})`}`,
          notes: notesOf(v),
        })),
        functions: d.functions.slice(0, TOP_FUNCTIONS).map((f) => ({ name: f.name, cycles: f.variants.map((v) => v.cycles) })),
      };
    }),
  };
}

/** A light shape check of `pvlab compare --json` output before it is drawn. */
export function isComparison(value: unknown): value is Comparison {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Comparison>;
  return typeof c.system === 'string' && Array.isArray(c.variants) && Array.isArray(c.domains) && c.domains.every((d) => Array.isArray(d?.variants) && Array.isArray(d?.functions));
}
