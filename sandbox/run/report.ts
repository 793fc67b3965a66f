import type { DomainMode } from '../lang/bootContext.js';
import type { Hypervisor, RunEnd } from '../hv/hypervisor.js';
import type { Domain, FaultInfo } from '../machine/state.js';
import type { PanicInfo } from '../hv/extensions.js';

/** Who a domain is, in every per-domain record: the run report, the profile's summary. */
export interface DomainIdentity {
  id: number;
  name: string;
  mode: DomainMode;
}

/**
 * A domain's exits by name, each kind counted as the Domain counts it: as
 * plain numbers in the run report, as min/avg/max statistics (CountStat) in
 * the profile's summary.
 */
export interface ExitCounters<T> {
  hypercalls: Record<string, T>;
  traps: Record<string, T>;
  vmexits: Record<string, T>;
}

/** One domain in `pvlab run --json` (spec section 7). */
export interface DomainReport extends DomainIdentity, ExitCounters<number> {
  state: string;
  exitCode: number | null;
  fault: FaultInfo | null;
  console: string;
  cycles: number;
  events: number;
  pvopCalls: number;
}

export interface RunReport {
  system: string;
  hypervisor: string;
  /** The tables booted, `xen` first: present when the system boots extensions (`abi NAME;`). */
  abi?: string[];
  cycles: number;
  end: RunEnd;
  /** Where hypervisor code faulted (end `panic`), else null: present with extensions. */
  panic?: PanicInfo | null;
  /** The hypervisor console (extension handlers' print): present with extensions. */
  hvConsole?: string;
  domains: DomainReport[];
}

/** Sorted keys, so the same run gives the same bytes. */
function sorted(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function domainReport(hv: Hypervisor, d: Domain): DomainReport {
  return {
    id: d.id,
    name: d.name,
    mode: d.mode,
    state: hv.stateName(d),
    exitCode: d.exitCode,
    fault: d.fault,
    console: d.console.text,
    cycles: d.cycles,
    hypercalls: sorted(d.hypercalls),
    traps: sorted(d.traps),
    vmexits: sorted(d.vmexits),
    events: d.events,
    pvopCalls: d.pvopCalls,
  };
}

export function runReport(hv: Hypervisor, end: RunEnd): RunReport {
  // Systems without extensions keep the report of section 7 byte for byte.
  const extensions = hv.system.abis.length > 0;
  return {
    system: hv.system.name,
    hypervisor: hv.system.hypervisor ?? 'none',
    ...(extensions ? { abi: ['xen', ...hv.system.abis] } : {}),
    cycles: hv.elapsed,
    end,
    ...(extensions ? { panic: hv.panic ?? null, hvConsole: hv.extensions.console.join('') } : {}),
    domains: hv.domains.map((d) => domainReport(hv, d)),
  };
}

/** Exit status of `pvlab run`: 0 when the run ended `exited` and no domain crashed, else 1. */
export function runExitStatus(report: RunReport): number {
  return report.end === 'exited' && report.domains.every((d) => d.state !== 'crashed') ? 0 : 1;
}
