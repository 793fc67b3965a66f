import type { Hypervisor } from '../hv/hypervisor.js';
import { statementSlots } from '../hv/handlerSlots.js';
import type { Domain } from '../machine/state.js';
import type { Program } from '../machine/ir.js';
import { textHash } from './hash.js';
import { CALL_TREE_LIMIT, type LiveNode, type Recorder, type StatRecord } from './recorder.js';
import type { CountStat, DomainSummary, LineCost, Profile, ProfileNode, SiteCost } from './types.js';

/** Global file indices for the programs' own file tables. */
class FileTable {
  readonly files: string[] = [];
  private readonly byPath = new Map<string, number>();
  private readonly byProgram = new Map<Program, number[]>();

  of(program: Program, local: number): number {
    let map = this.byProgram.get(program);
    if (!map) {
      map = program.files.map((f) => this.intern(f));
      this.byProgram.set(program, map);
    }
    return map[local] ?? -1;
  }

  /** The index of a file by its path (hypervisor code is in no program's table). */
  intern(path: string): number {
    let i = this.byPath.get(path);
    if (i === undefined) {
      i = this.files.length;
      this.files.push(path);
      this.byPath.set(path, i);
    }
    return i;
  }
}

function countStat(s: StatRecord | undefined): CountStat {
  if (!s) return { count: 0, cycles: 0, min: 0, max: 0, avg: 0 };
  return { count: s.count, cycles: s.cycles, min: s.min, max: s.max, avg: s.cycles / s.count };
}

/** The recorder's statistics keys (`domid:kind:name`) grouped by their `domid:kind:` prefix, each group sorted. */
function statKeysByPrefix(rec: Recorder): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const k of rec.stats.keys()) {
    const prefix = k.slice(0, k.indexOf(':', k.indexOf(':') + 1) + 1);
    const group = groups.get(prefix);
    if (group === undefined) groups.set(prefix, [k]);
    else group.push(k);
  }
  for (const group of groups.values()) group.sort();
  return groups;
}

/** Whether the lines of the positions that have cycles (`ln[i]` not 0) strictly go up. */
function ascendingLines(positions: readonly number[], ln: Float64Array): boolean {
  let last = -Infinity;
  for (let i = 0; i < ln.length; i++) {
    if (ln[i] === 0) continue;
    if (positions[i] <= last) return false;
    last = positions[i];
  }
  return true;
}

/** Sorted keys: the same run gives the same bytes. */
function statsOf(rec: Recorder, keys: Map<string, string[]>, d: Domain, kind: string): Record<string, CountStat> {
  const prefix = `${d.id}:${kind}:`;
  const out: Record<string, CountStat> = {};
  for (const k of keys.get(prefix) ?? []) out[k.slice(prefix.length)] = countStat(rec.stats.get(k));
  return out;
}

/**
 * Turns what a recorder saw during a finished run into a Profile. `readText`
 * gives each source file's text (for its hash); node ids are assigned in
 * depth-first order, children in the order they were first entered.
 */
export function buildProfile(hv: Hypervisor, rec: Recorder, systemFile: string, readText: (path: string) => string | undefined): Profile {
  rec.finish((v) => hv.pcpus[Math.max(0, v.pcpu)]?.clock ?? hv.elapsed);
  const files = new FileTable();
  const nodes: ProfileNode[] = [];
  /** By (domain, file), then line (numbers: no key string per line). */
  const lineCosts = new Map<number, Map<number, LineCost>>();

  /** The profile's line costs of a node's domain and file. */
  const fileLines = (node: ProfileNode): Map<number, LineCost> => {
    // Domain ids and file indices are small (-1 at least): one number names the pair.
    const pair = (node.domain + 1) * 0x100000 + node.file + 1;
    let inFile = lineCosts.get(pair);
    if (inFile === undefined) lineCosts.set(pair, (inFile = new Map()));
    return inFile;
  };

  /** A line's own cycles in a function node: its next `lines` entry, its `self`, and the profile's line cost. */
  const addLine = (node: ProfileNode, inFile: Map<number, LineCost>, line: number, cycles: number): void => {
    node.lines.push({ line, cycles });
    node.self += cycles;
    const lc = inFile.get(line);
    if (lc) lc.cycles += cycles;
    else inFile.set(line, { domain: node.domain, file: node.file, line, cycles });
  };

  /** A function node's own cycles by line: its `lines` (ascending), its `self`, and the profile's line costs. */
  const putLines = (node: ProfileNode, byLine: Map<number, number>): void => {
    const inFile = fileLines(node);
    for (const [line, cycles] of [...byLine].sort((a, b) => a[0] - b[0])) addLine(node, inFile, line, cycles);
  };

  /**
   * putLines() for a node whose positions with cycles are on lines that
   * only go up (most functions: a line per statement): each line once,
   * already in order, so no map and no sort (the same lines and sums).
   */
  const putAscending = (node: ProfileNode, positions: readonly number[], ln: Float64Array): void => {
    const inFile = fileLines(node);
    for (let i = 0; i < ln.length; i++) if (ln[i] !== 0) addLine(node, inFile, positions[i], ln[i]);
  };

  const visit = (live: LiveNode, parent: number): ProfileNode => {
    const d = live.domain;
    const program = d?.program;
    const fn = live.fn >= 0 && program ? program.functions[live.fn] : undefined;
    const hvFn = live.hvFn;
    const file = fn && program ? files.of(program, fn.file) : hvFn ? files.intern(hvFn.file) : -1;
    const node: ProfileNode = {
      id: nodes.length,
      parent,
      kind: live.kind,
      name: live.name,
      domain: d ? d.id : -1,
      vcpu: live.vcpu,
      file,
      line: fn ? fn.line : hvFn ? hv.extensions.lineOf(hvFn.file, hvFn.span.start) : -1,
      self: 0,
      total: 0,
      count: live.count,
      lines: [],
      children: [],
    };
    nodes.push(node);
    if (fn && program && d) {
      const positions = rec.tablesOf(program).lines[live.fn];
      const ln = live.ln;
      if (ascendingLines(positions, ln)) putAscending(node, positions, ln);
      else {
        const byLine = new Map<number, number>();
        for (let i = 0; i < ln.length; i++) {
          if (ln[i] !== 0) byLine.set(positions[i], (byLine.get(positions[i]) ?? 0) + ln[i]);
        }
        putLines(node, byLine);
      }
    } else if (hvFn && live.hvAt) {
      // A handler or helper of an extension: its statements' offsets in its file (by slot), by line.
      const byLine = new Map<number, number>();
      const cycles = live.hvAt;
      const offsets = statementSlots(hvFn).offsets;
      for (let i = 0; i < offsets.length; i++) {
        if (cycles[i] === 0) continue;
        const line = hv.extensions.lineOf(hvFn.file, offsets[i]);
        byLine.set(line, (byLine.get(line) ?? 0) + cycles[i]);
      }
      putLines(node, byLine);
    } else {
      for (let i = 0; i < live.ln.length; i++) node.self += live.ln[i];
    }
    node.total = node.self;
    for (let child = live.first; child !== null; child = child.next) {
      const c = visit(child, node.id);
      node.children.push(c.id);
      node.total += c.total;
    }
    return node;
  };

  const root = visit(rec.root, -1);
  const hypervisor = hv.hypervisorCycles.reduce((a, b) => a + b, 0);
  const idle = hv.idleCycles.reduce((a, b) => a + b, 0);
  for (const [kind, name, cycles] of [['hypervisor', '[hypervisor]', hypervisor], ['idle', '[idle]', idle]] as const) {
    const node: ProfileNode = { id: nodes.length, parent: root.id, kind, name, domain: -1, vcpu: -1, file: -1, line: -1, self: cycles, total: cycles, count: 0, lines: [], children: [] };
    nodes.push(node);
    root.children.push(node.id);
    root.total += cycles;
  }

  // Written out field by field (in SiteCost's order): rest and spread cost more than the rest of the build for hundreds of sites.
  const sites: SiteCost[] = [];
  for (const s of rec.sites.values()) {
    sites.push({ domain: s.domain, file: files.of(s.program, s.file), line: s.line, kind: s.kind, name: s.name, count: s.count, cycles: s.cycles, min: s.min, max: s.max });
  }
  sites.sort((a, b) => a.domain - b.domain || a.file - b.file || a.line - b.line || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const lines = [...lineCosts.values()].flatMap((inFile) => [...inFile.values()]).sort((a, b) => a.domain - b.domain || a.file - b.file || a.line - b.line);

  const statKeys = statKeysByPrefix(rec);
  const domains: DomainSummary[] = hv.domains.map((d) => ({
    id: d.id,
    name: d.name,
    mode: d.mode,
    running: d.cycles,
    runnable: d.vcpus.reduce((a, v) => a + rec.runnableOf(v), 0),
    blocked: d.vcpus.reduce((a, v) => a + rec.blockedOf(v), 0),
    hypercalls: statsOf(rec, statKeys, d, 'hypercall'),
    traps: statsOf(rec, statKeys, d, 'trap'),
    vmexits: statsOf(rec, statKeys, d, 'vmexit'),
    upcalls: countStat(rec.stats.get(`${d.id}:upcall:`)),
    pvopCalls: d.pvopCalls,
  }));

  return {
    version: 1,
    system: hv.system.name,
    systemFile,
    hypervisor: hv.hypervisorVersion,
    pcpus: hv.pcpuCount,
    elapsed: hv.elapsed,
    end: hv.end ?? 'max-cycles',
    total: root.total,
    files: files.files,
    fileHashes: files.files.map((f) => textHash(readText(f) ?? '')),
    nodes,
    lines,
    sites,
    summary: { domains, hypervisor, idle },
    timeline: rec.timeline.profileTimeline(),
    ...(rec.cut ? { callTreeCut: CALL_TREE_LIMIT } : {}),
  };
}
