import { pathToFileURL } from 'node:url';
import type { Profile, ProfileNode } from './types.js';

/** The V8 / Chrome DevTools `Profiler.Profile` shape that `.cpuprofile` files hold. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds; one virtual cycle is one nanosecond. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  /** Self cycles: one tick is one cycle (one virtual nanosecond). */
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
 * way, and the profile's duration is exactly the cycles it covers (deltas in
 * µs, fractions kept).
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
    timeDeltas.push(0, n.self / 1000, 0);
  }
  return { nodes, startTime: 0, endTime: p.total / 1000, samples, timeDeltas };
}
