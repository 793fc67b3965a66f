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
  /** The program last asked about and its table (nodes come domain by domain: most lookups repeat it). */
  private lastProgram: Program | null = null;
  private lastMap: number[] = [];

  of(program: Program, local: number): number {
    if (program !== this.lastProgram) {
      let map = this.byProgram.get(program);
      if (!map) {
        // Pushed one by one, not made by files.map(): its arrays come in more than one elements kind, and the lookup below deoptimized on the second.
        map = [];
        for (const f of program.files) map.push(this.intern(f));
        this.byProgram.set(program, map);
      }
      this.lastProgram = program;
      this.lastMap = map;
    }
    return this.lastMap[local] ?? -1;
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

/** A domain's statistics in the recorder, by kind; a kind's keys (`domid:kind:name`) are sorted when the summary takes them. */
interface DomainStats {
  hypercall: string[];
  trap: string[];
  vmexit: string[];
  upcall: StatRecord | undefined;
}

/**
 * The recorder's statistics keys (`domid:kind:name`) grouped by domain id
 * and kind, read once each: no prefix string per domain and kind, no slice
 * per key to group it (hundreds of domains made those a cost of their own).
 */
function statsByDomain(rec: Recorder): Map<number, DomainStats> {
  const byDomain = new Map<number, DomainStats>();
  for (const k of rec.stats.keys()) {
    const colon = k.indexOf(':');
    // Domain ids are small non-negative integers: read without a substring.
    let id = 0;
    for (let i = 0; i < colon; i++) id = id * 10 + (k.charCodeAt(i) - 48);
    let group = byDomain.get(id);
    if (group === undefined) byDomain.set(id, (group = { hypercall: [], trap: [], vmexit: [], upcall: undefined }));
    // The kind by its first letter: hypercall, trap, vmexit or upcall.
    const kind = k.charCodeAt(colon + 1);
    if (kind === 104) group.hypercall.push(k);
    else if (kind === 116) group.trap.push(k);
    else if (kind === 118) group.vmexit.push(k);
    else group.upcall = rec.stats.get(k);
  }
  return byDomain;
}

/** Sorted keys: the same run gives the same bytes. */
function statsOf(rec: Recorder, keys: string[] | undefined): Record<string, CountStat> {
  const out: Record<string, CountStat> = {};
  if (keys === undefined) return out;
  keys.sort();
  for (const k of keys) out[k.slice(k.indexOf(':', k.indexOf(':') + 1) + 1)] = countStat(rec.stats.get(k));
  return out;
}

/**
 * A domain's summary (a function of its own: called per domain, it gets
 * optimized where a loop in buildProfile, run once per profile, would not).
 */
function domainSummary(rec: Recorder, d: Domain, own: DomainStats | undefined): DomainSummary {
  let runnable = 0;
  let blocked = 0;
  for (const v of d.vcpus) {
    runnable += rec.runnableOf(v);
    blocked += rec.blockedOf(v);
  }
  return {
    id: d.id,
    name: d.name,
    mode: d.mode,
    running: d.cycles,
    runnable,
    blocked,
    hypercalls: statsOf(rec, own?.hypercall),
    traps: statsOf(rec, own?.trap),
    vmexits: statsOf(rec, own?.vmexit),
    upcalls: countStat(own?.upcall),
    pvopCalls: d.pvopCalls,
  };
}

/**
 * Adds `cycles` at `line` to a node's `lines`, kept ascending by line (a
 * line's entry made on its first cycles): positions mostly come with their
 * lines going up, so the entry is mostly the last or a new one at the end.
 */
function addToLine(lines: { line: number; cycles: number }[], line: number, cycles: number): void {
  let i = lines.length;
  while (i > 0 && lines[i - 1].line > line) i--;
  if (i > 0 && lines[i - 1].line === line) lines[i - 1].cycles += cycles;
  else if (i === lines.length) lines.push({ line, cycles });
  else lines.splice(i, 0, { line, cycles });
}

/**
 * The call tree's profile nodes, made depth first from the recorder's live
 * nodes, and the profile's line costs by (domain, file), then line (numbers:
 * no key string per line).
 */
class TreeBuilder {
  readonly nodes: ProfileNode[] = [];
  readonly lineCosts = new Map<number, Map<number, LineCost>>();
  /** The (domain, file) pair last added to, and its line costs (a domain's nodes come together). */
  private lastPair = -1;
  private lastInFile = new Map<number, LineCost>();
  /** The program last looked up and its position → line tables. */
  private lastProgram: Program | null = null;
  private lastLines: number[][] = [];
  /** A node's lines while they are gathered (see linesOfNode()). */
  private readonly scratch: { line: number; cycles: number }[] = [];

  constructor(
    private readonly hv: Hypervisor,
    private readonly rec: Recorder,
    private readonly files: FileTable,
  ) {}

  /** A live node and its subtree as profile nodes (its id: the next one). */
  visit(live: LiveNode, parent: number): ProfileNode {
    const d = live.domain;
    const program = d?.program;
    const fn = live.fn >= 0 && program ? program.functions[live.fn] : undefined;
    const hvFn = live.hvFn;
    const file = fn && program ? this.files.of(program, fn.file) : hvFn ? this.files.intern(hvFn.file) : -1;
    const node: ProfileNode = {
      id: this.nodes.length,
      parent,
      kind: live.kind,
      name: live.name,
      domain: d ? d.id : -1,
      vcpu: live.vcpu,
      file,
      line: fn ? fn.line : hvFn ? this.hv.extensions.lineOf(hvFn.file, hvFn.span.start) : -1,
      self: 0,
      total: 0,
      count: live.count,
      lines: fn || (hvFn && live.hvAt) ? this.linesOfNode(live) : [],
      // Its ids are written below: an array of the right size, not one grown by pushes (hundreds of nodes, each its own garbage).
      children: live.kidCount === 0 ? [] : new Array<number>(live.kidCount),
    };
    this.nodes.push(node);
    if (node.lines.length !== 0) this.putLines(node);
    else {
      const ln = live.ln;
      for (let i = 0; i < ln.length; i++) node.self += ln[i];
    }
    node.total = node.self;
    let k = 0;
    for (let child = live.first; child !== null; child = child.next) {
      const c = this.visit(child, node.id);
      node.children[k++] = c.id;
      node.total += c.total;
    }
    return node;
  }

  /**
   * A function node's own cycles by line, ascending (gathered in one
   * scratch list, then copied at their size: no array grown per node).
   */
  private linesOfNode(live: LiveNode): { line: number; cycles: number }[] {
    const lines = this.scratch;
    lines.length = 0;
    const hvFn = live.hvFn;
    if (hvFn === null) {
      const positions = this.linesOf((live.domain as Domain).program)[live.fn];
      const ln = live.ln;
      for (let i = 0; i < ln.length; i++) if (ln[i] !== 0) addToLine(lines, positions[i], ln[i]);
    } else {
      // A handler or helper of an extension: its statements' offsets in its file (by slot), by line.
      const cycles = live.hvAt as Float64Array;
      const offsets = statementSlots(hvFn).offsets;
      for (let i = 0; i < offsets.length; i++) if (cycles[i] !== 0) addToLine(lines, this.hv.extensions.lineOf(hvFn.file, offsets[i]), cycles[i]);
    }
    return lines.length === 0 ? [] : lines.slice();
  }

  /** A function node's `self` from its `lines` (ascending), and their cycles into the profile's line costs. */
  private putLines(node: ProfileNode): void {
    // Domain ids and file indices are small (-1 at least): one number names the pair.
    const pair = (node.domain + 1) * 0x100000 + node.file + 1;
    if (pair !== this.lastPair) {
      let inFile = this.lineCosts.get(pair);
      if (inFile === undefined) this.lineCosts.set(pair, (inFile = new Map()));
      this.lastPair = pair;
      this.lastInFile = inFile;
    }
    const inFile = this.lastInFile;
    const lines = node.lines;
    for (let i = 0; i < lines.length; i++) {
      const { line, cycles } = lines[i];
      node.self += cycles;
      const lc = inFile.get(line);
      if (lc) lc.cycles += cycles;
      else inFile.set(line, { domain: node.domain, file: node.file, line, cycles });
    }
  }

  private linesOf(program: Program): number[][] {
    if (program !== this.lastProgram) {
      this.lastProgram = program;
      this.lastLines = this.rec.tablesOf(program).lines;
    }
    return this.lastLines;
  }

  /**
   * The line costs sorted by domain, file and line: the pairs' numbers sort
   * as (domain, file) do, and a pair's lines mostly came in order already
   * (one sort of a few hundred entries with a comparator cost more).
   */
  sortedLines(): LineCost[] {
    const out: LineCost[] = [];
    for (const pair of [...this.lineCosts.keys()].sort((a, b) => a - b)) {
      const from = out.length;
      let ascending = true;
      for (const lc of (this.lineCosts.get(pair) as Map<number, LineCost>).values()) {
        if (out.length > from && lc.line < out[out.length - 1].line) ascending = false;
        out.push(lc);
      }
      if (!ascending) {
        const group = out.splice(from).sort((a, b) => a.line - b.line);
        for (const lc of group) out.push(lc);
      }
    }
    return out;
  }
}

/**
 * Turns what a recorder saw during a finished run into a Profile. `readText`
 * gives each source file's text (for its hash); node ids are assigned in
 * depth-first order, children in the order they were first entered.
 */
export function buildProfile(hv: Hypervisor, rec: Recorder, systemFile: string, readText: (path: string) => string | undefined): Profile {
  rec.finish((v) => hv.pcpus[Math.max(0, v.pcpu)]?.clock ?? hv.elapsed);
  const files = new FileTable();
  const tree = new TreeBuilder(hv, rec, files);
  const nodes = tree.nodes;
  const root = tree.visit(rec.root, -1);
  let hypervisor = 0;
  for (const c of hv.hypervisorCycles) hypervisor += c;
  let idle = 0;
  for (const c of hv.idleCycles) idle += c;
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
  const lines = tree.sortedLines();

  const stats = statsByDomain(rec);
  const domains: DomainSummary[] = [];
  for (const d of hv.domains) domains.push(domainSummary(rec, d, stats.get(d.id)));

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
