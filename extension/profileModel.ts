/**
 * Turns a `Profile` into what the profile webview draws: one flame graph per
 * domain (tiny frames aggregated so a 10k-node tree stays light), one timeline
 * row per vCPU (bucketed when a row has too many slices), and the per-domain
 * tables. Pure data in, pure data out: no vscode import, unit-tested.
 */
import { TIME_UNIT_NOTE } from '../sandbox/profile/timeUnit.js';
import type { CountStat, NodeKind, Profile, ProfileNode, TimelineSlice } from '../sandbox/profile/types.js';

export interface FlameFrame {
  /** The profile node id, or -1 for an aggregate of small frames. */
  id: number;
  name: string;
  kind: NodeKind | 'aggregate';
  depth: number;
  /** Left edge, in cycles from the left edge of the graph. */
  x: number;
  total: number;
  self: number;
  count: number;
  /** How many profile nodes (with their subtrees) the frame stands for: 1 unless aggregated. */
  merged: number;
  /** Index into ProfileView.files and 1-based line, or -1. */
  file: number;
  line: number;
}

export interface FlameGraphView {
  domain: number;
  name: string;
  mode: string;
  /** The domain node's total: the graph's full width. */
  total: number;
  /** Deepest depth + 1. */
  depth: number;
  /** Ordered by depth, then x. */
  frames: FlameFrame[];
}

export type SegmentKind = TimelineSlice['kind'];

export interface TimelineSegment {
  kind: SegmentKind;
  /** The slice's name, or the kind when several slices were merged. */
  name: string;
  start: number;
  end: number;
  /** Slices the segment stands for. */
  slices: number;
  /** For merged segments: machine time per kind inside the segment. */
  mix?: Partial<Record<SegmentKind, number>>;
}

/** An event channel moment on a vCPU's row: a send (or a timer firing for the domain) or a delivery. */
export interface TimelineMark {
  kind: 'send' | 'deliver' | 'timer';
  time: number;
  /** What the tooltip says, e.g. "send → pong, port 2". */
  text: string;
}

export interface TimelineRow {
  domain: number;
  vcpu: number;
  label: string;
  segments: TimelineSegment[];
  /** Event sends and deliveries on this vCPU, by time (at most maxMarksPerRow). */
  marks: TimelineMark[];
}

export interface TimelineView {
  elapsed: number;
  truncated: boolean;
  /** True when some rows had so many slices that they were bucketed. */
  bucketed: boolean;
  /** True when some rows had more event marks than are drawn. */
  marksCut: boolean;
  rows: TimelineRow[];
}

export interface StatRow extends CountStat {
  name: string;
}

export interface DomainTable {
  id: number;
  name: string;
  mode: string;
  running: number;
  runnable: number;
  blocked: number;
  pvopCalls: number;
  upcalls: CountStat;
  hypercalls: StatRow[];
  traps: StatRow[];
  vmexits: StatRow[];
}

export interface ProfileView {
  system: string;
  systemFile: string;
  hypervisor: string | null;
  pcpus: number;
  elapsed: number;
  end: Profile['end'];
  total: number;
  hypervisorCycles: number;
  idleCycles: number;
  files: string[];
  /** How the .cpuprofile and the trace write cycles (VS Code's viewer and Perfetto show it as time). */
  timeUnit: string;
  flames: FlameGraphView[];
  timeline: TimelineView;
  tables: DomainTable[];
}

export interface ViewOptions {
  /** Frames narrower than this share of their graph are aggregated (default 1/5000). */
  minFrameShare?: number;
  /** A timeline row with more slices than this is bucketed (default 2000). */
  maxSlicesPerRow?: number;
  /** Buckets across the elapsed time when a row is bucketed (default 1500). */
  buckets?: number;
  /** Event marks drawn per row at most (default 500). */
  maxMarksPerRow?: number;
}

/** The whole view model of a profile. */
export function profileView(profile: Profile, options: ViewOptions = {}): ProfileView {
  return {
    system: profile.system,
    systemFile: profile.systemFile,
    hypervisor: profile.hypervisor,
    pcpus: profile.pcpus,
    elapsed: profile.elapsed,
    end: profile.end,
    total: profile.total,
    hypervisorCycles: profile.summary.hypervisor,
    idleCycles: profile.summary.idle,
    files: profile.files,
    timeUnit: TIME_UNIT_NOTE,
    flames: flameGraphs(profile, options.minFrameShare ?? 1 / 5000),
    timeline: timelineView(profile, options.maxSlicesPerRow ?? 2000, options.buckets ?? 1500, options.maxMarksPerRow ?? 500),
    tables: domainTables(profile),
  };
}

/** One flame graph per domain node below the root, in the root's child order. */
export function flameGraphs(profile: Profile, minFrameShare: number): FlameGraphView[] {
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const root = profile.nodes[0];
  if (!root) return [];
  const modes = new Map(profile.summary.domains.map((d) => [d.id, d.mode]));
  const graphs: FlameGraphView[] = [];
  for (const childId of root.children) {
    const node = byId.get(childId);
    if (node?.kind !== 'domain') continue;
    graphs.push({ ...layoutFlame(node, byId, minFrameShare), domain: node.domain, name: node.name, mode: modes.get(node.domain) ?? '' });
  }
  return graphs;
}

/**
 * Lays out the subtree of `top`: children from the parent's left edge in their
 * order, self time at the right. Children narrower than `minFrameShare` of the
 * graph go into one aggregate frame after their bigger siblings (or keep their
 * own name when alone), without their subtrees. Iterative: deep recursion in
 * the guest must not overflow the host's stack.
 */
export function layoutFlame(top: ProfileNode, byId: ReadonlyMap<number, ProfileNode>, minFrameShare: number): { total: number; depth: number; frames: FlameFrame[] } {
  const minCycles = top.total * minFrameShare;
  const frames: FlameFrame[] = [];
  const stack: { node: ProfileNode; depth: number; x: number }[] = [{ node: top, depth: 0, x: 0 }];
  let maxDepth = 0;
  while (stack.length > 0) {
    const { node, depth, x } = stack.pop()!;
    frames.push(frameOf(node, depth, x));
    maxDepth = Math.max(maxDepth, depth);
    let cx = x;
    const small: ProfileNode[] = [];
    const big: { node: ProfileNode; depth: number; x: number }[] = [];
    for (const id of node.children) {
      const child = byId.get(id);
      if (!child || child.total <= 0) continue;
      if (child.total < minCycles) {
        small.push(child);
        continue;
      }
      big.push({ node: child, depth: depth + 1, x: cx });
      cx += child.total;
    }
    // Pushed in reverse so that siblings come out (and are emitted) left to right.
    for (let i = big.length - 1; i >= 0; i--) stack.push(big[i]);
    if (small.length === 1) {
      frames.push(frameOf(small[0], depth + 1, cx));
      maxDepth = Math.max(maxDepth, depth + 1);
    } else if (small.length > 1) {
      frames.push(aggregateOf(small, depth + 1, cx));
      maxDepth = Math.max(maxDepth, depth + 1);
    }
  }
  frames.sort((a, b) => a.depth - b.depth || a.x - b.x);
  return { total: top.total, depth: frames.length === 0 ? 0 : maxDepth + 1, frames };
}

function frameOf(node: ProfileNode, depth: number, x: number): FlameFrame {
  return { id: node.id, name: node.name, kind: node.kind, depth, x, total: node.total, self: node.self, count: node.count, merged: 1, file: node.file, line: node.line };
}

function aggregateOf(nodes: readonly ProfileNode[], depth: number, x: number): FlameFrame {
  let total = 0;
  let self = 0;
  let count = 0;
  for (const n of nodes) {
    total += n.total;
    self += n.self;
    count += n.count;
  }
  return { id: -1, name: `[${nodes.length} small frames]`, kind: 'aggregate', depth, x, total, self, count, merged: nodes.length, file: -1, line: -1 };
}

/** One row per vCPU (the tree's vCPU nodes, plus any vCPU seen only in slices), by domain then vCPU. */
export function timelineView(profile: Profile, maxSlicesPerRow: number, buckets: number, maxMarksPerRow = 500): TimelineView {
  const names = new Map<number, string>(profile.summary.domains.map((d) => [d.id, d.name]));
  for (const n of profile.nodes) if (n.kind === 'domain' && !names.has(n.domain)) names.set(n.domain, n.name);
  type Row = { domain: number; vcpu: number; slices: TimelineSlice[]; marks: TimelineMark[] };
  const rows = new Map<string, Row>();
  const rowOf = (domain: number, vcpu: number): Row => {
    const key = `${domain}/${vcpu}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { domain, vcpu, slices: [], marks: [] }));
    return row;
  };
  for (const n of profile.nodes) if (n.kind === 'vcpu') rowOf(n.domain, n.vcpu);
  for (const s of profile.timeline.slices) if (s.end > s.start) rowOf(s.domain, s.vcpu).slices.push(s);
  const nameOf = (id: number): string => names.get(id) ?? `domain ${id}`;
  for (const i of profile.timeline.instants ?? []) {
    if (i.kind === 'deliver') rowOf(i.domain, i.vcpu).marks.push({ kind: 'deliver', time: i.time, text: `delivered: port ${i.port}` });
    // A timer firing has no sending vCPU: it is drawn on the vCPU 0 row of the domain it wakes.
    else if (i.domain < 0) rowOf(i.to, 0).marks.push({ kind: 'timer', time: i.time, text: `timer fired: port ${i.port}` });
    else rowOf(i.domain, i.vcpu).marks.push({ kind: 'send', time: i.time, text: `send → ${nameOf(i.to)}, port ${i.port}` });
  }
  let bucketed = false;
  let marksCut = false;
  const out: TimelineRow[] = [...rows.values()]
    .sort((a, b) => a.domain - b.domain || a.vcpu - b.vcpu)
    .map((row) => {
      row.slices.sort((a, b) => a.start - b.start);
      const tooMany = row.slices.length > maxSlicesPerRow;
      bucketed ||= tooMany;
      row.marks.sort((a, b) => a.time - b.time);
      marksCut ||= row.marks.length > maxMarksPerRow;
      return {
        domain: row.domain,
        vcpu: row.vcpu,
        label: `${names.get(row.domain) ?? `domain ${row.domain}`} · vCPU ${row.vcpu}`,
        segments: tooMany ? bucketSlices(row.slices, profile.elapsed, buckets) : row.slices.map((s) => ({ kind: s.kind, name: s.name, start: s.start, end: s.end, slices: 1 })),
        marks: row.marks.slice(0, maxMarksPerRow),
      };
    });
  return { elapsed: profile.elapsed, truncated: profile.timeline.truncated, bucketed, marksCut, rows: out };
}

/**
 * Buckets one row's slices over [0, elapsed): each bucket takes the kind that
 * covers most of it (empty when nothing covers half of it), and runs of
 * buckets of one kind become one segment with the time per kind inside it.
 */
export function bucketSlices(slices: readonly TimelineSlice[], elapsed: number, buckets: number): TimelineSegment[] {
  let end = elapsed;
  for (const s of slices) if (s.end > end) end = s.end;
  const width = end / buckets;
  if (!(width > 0)) return [];
  const cover: Partial<Record<SegmentKind, number>>[] = Array.from({ length: buckets }, () => ({}));
  const touched = new Array<number>(buckets).fill(0);
  for (const s of slices) {
    const first = Math.min(buckets - 1, Math.floor(s.start / width));
    const last = Math.min(buckets - 1, Math.floor((s.end - 1e-9) / width));
    for (let b = first; b <= last; b++) {
      const t = Math.min(s.end, (b + 1) * width) - Math.max(s.start, b * width);
      if (t <= 0) continue;
      cover[b][s.kind] = (cover[b][s.kind] ?? 0) + t;
      touched[b]++;
    }
  }
  const segments: TimelineSegment[] = [];
  for (let b = 0; b < buckets; b++) {
    let kind: SegmentKind | undefined;
    let best = 0;
    let busy = 0;
    for (const [k, t] of Object.entries(cover[b]) as [SegmentKind, number][]) {
      busy += t;
      if (t > best) [kind, best] = [k, t];
    }
    if (!kind || busy < width / 2) continue;
    const prev = segments[segments.length - 1];
    const start = b * width;
    if (prev && prev.kind === kind && Math.abs(prev.end - start) < width / 1e6) {
      prev.end = start + width;
      prev.slices += touched[b];
      addMix(prev, cover[b]);
    } else {
      const seg: TimelineSegment = { kind, name: kind, start, end: start + width, slices: touched[b], mix: {} };
      addMix(seg, cover[b]);
      segments.push(seg);
    }
  }
  return segments;
}

function addMix(seg: TimelineSegment, cover: Partial<Record<SegmentKind, number>>): void {
  const mix = (seg.mix ??= {});
  for (const [k, t] of Object.entries(cover) as [SegmentKind, number][]) mix[k] = (mix[k] ?? 0) + t;
}

/** Per-domain tables, each list by total cycles (then name). */
export function domainTables(profile: Profile): DomainTable[] {
  const rows = (stats: Record<string, CountStat>): StatRow[] =>
    Object.entries(stats)
      .map(([name, s]) => ({ name, count: s.count, cycles: s.cycles, min: s.min, avg: s.avg, max: s.max }))
      .sort((a, b) => b.cycles - a.cycles || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return profile.summary.domains.map((d) => ({
    id: d.id,
    name: d.name,
    mode: d.mode,
    running: d.running,
    runnable: d.runnable,
    blocked: d.blocked,
    pvopCalls: d.pvopCalls,
    upcalls: d.upcalls,
    hypercalls: rows(d.hypercalls),
    traps: rows(d.traps),
    vmexits: rows(d.vmexits),
  }));
}

/** A light shape check of parsed JSON before it is drawn (the CLI's own output, but read from disk). */
export function isProfile(value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<Profile>;
  return (
    p.version === 1 &&
    Array.isArray(p.nodes) &&
    Array.isArray(p.files) &&
    typeof p.summary === 'object' &&
    p.summary !== null &&
    Array.isArray(p.summary.domains) &&
    typeof p.timeline === 'object' &&
    p.timeline !== null &&
    Array.isArray(p.timeline.slices)
  );
}
