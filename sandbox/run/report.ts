import type { Hypervisor, RunEnd } from '../hv/hypervisor.js';
import type { Domain, FaultInfo } from '../hv/state.js';

/** One domain in `pvlab run --json` (spec section 7). */
export interface DomainReport {
  id: number;
  name: string;
  mode: string;
  state: string;
  exitCode: number | null;
  fault: FaultInfo | null;
  console: string;
  cycles: number;
  hypercalls: Record<string, number>;
  traps: Record<string, number>;
  vmexits: Record<string, number>;
  events: number;
  pvopCalls: number;
}

export interface RunReport {
  system: string;
  hypervisor: string;
  cycles: number;
  end: RunEnd;
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
  return {
    system: hv.system.name,
    hypervisor: hv.system.hypervisor ?? 'none',
    cycles: hv.elapsed,
    end,
    domains: hv.domains.map((d) => domainReport(hv, d)),
  };
}

/** Exit status of `pvlab run`: 0 when the run ended `exited` and no domain crashed, else 1. */
export function runExitStatus(report: RunReport): number {
  return report.end === 'exited' && report.domains.every((d) => d.state !== 'crashed') ? 0 : 1;
}
