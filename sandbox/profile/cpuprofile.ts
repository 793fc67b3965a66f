import { pathToFileURL } from 'node:url';
import { cyclesToMicroseconds, TIME_UNIT_NOTE } from './timeUnit.js';
import type { Profile, ProfileNode } from './types.js';

/** The V8 / Chrome DevTools `Profiler.Profile` shape that `.cpuprofile` files hold. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds; one virtual cycle is one microsecond (timeUnit.ts). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
  /** pvlab's own metadata (viewers ignore unknown keys): the unit and what ran. */
  pvlab: { timeUnit: string; system: string; hypervisor: string; cycles: number };
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  /** Self cycles: one tick is one cycle (one microsecond in this file). */
  hitCount: number;
  children?: number[];
  /** Self cycles per 1-based source line. */
  positionTicks?: { line: number; ticks: number }[];
}

function frameName(p: Profile, n: ProfileNode): string {
  switch (n.kind) {
    case 'root':
      return '(root)';
    case 'domain':
      return n.name;
    case 'vcpu':
      return `${p.nodes.find((d) => d.kind === 'domain' && d.domain === n.domain)?.name ?? 'domain'} ${n.name}`;
    default:
      return n.name;
  }
}

/**
 * A profile as a `.cpuprofile` that VS Code's profile viewer and Chrome
 * DevTools open, with click-through to the pvk sources (`file://` URLs,
 * 0-based line of each function's `fn`).
 *
 * The run is exact, not sampled, so the samples are synthetic: each node with
 * self cycles gets three consecutive samples whose time deltas are 0, its
 * self time, 0. Viewers differ in whether a sample owns the delta before or
 * after it; with this layout every node gets exactly its self time either
 * way, and the profile's duration is exactly the cycles it covers: one cycle
 * is written as one µs (timeUnit.ts), so every delta is a whole number and
 * VS Code's viewer, which shows milliseconds with two decimals, shows
 * thousands of cycles rather than 0.00 everywhere.
 */
export function toCpuProfile(p: Profile): CpuProfile {
  const urls = p.files.map((f) => pathToFileURL(f).href);
  const nodes: CpuProfileNode[] = p.nodes.map((n) => {
    const node: CpuProfileNode = {
      id: n.id + 1,
      callFrame: {
        functionName: frameName(p, n),
        scriptId: n.file >= 0 ? String(n.file + 1) : '0',
        url: n.file >= 0 ? urls[n.file] : '',
        lineNumber: n.line >= 1 ? n.line - 1 : -1,
        columnNumber: n.line >= 1 ? 0 : -1,
      },
      hitCount: n.self,
    };
    if (n.children.length > 0) node.children = n.children.map((c) => c + 1);
    if (n.lines.length > 0) node.positionTicks = n.lines.map((l) => ({ line: l.line, ticks: l.cycles }));
    return node;
  });
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const n of p.nodes) {
    if (n.self <= 0) continue;
    samples.push(n.id + 1, n.id + 1, n.id + 1);
    timeDeltas.push(0, cyclesToMicroseconds(n.self), 0);
  }
  return {
    nodes,
    startTime: 0,
    endTime: cyclesToMicroseconds(p.total),
    samples,
    timeDeltas,
    pvlab: { timeUnit: TIME_UNIT_NOTE, system: p.system, hypervisor: p.hypervisor ?? 'none', cycles: p.total },
  };
}
