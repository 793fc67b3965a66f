import type * as A from '../lang/ast.js';
import { COSTS } from '../machine/costs.js';
import type { Domain, Vcpu } from '../machine/state.js';
import { boundaryTable, flatOf } from '../vm/flat.js';
import { calledFn } from '../vm/attribution.js';
import type { Loc, Program } from '../machine/ir.js';
import type { BlockTables, CallTreeNode, EngineProfiler } from '../vm/profiling.js';
import { statementSlots } from '../hv/handlerSlots.js';
import { HandlerFrames, type HandlerPath } from './handlerFrames.js';
import { INSTANT, RUN_NAME, SLICE, TimelineColumns } from './timeline.js';
import type { CountStat, SiteCost } from './types.js';

/** The kinds of frames the recorder makes itself (functions come from the program). */
export type LiveKind = 'root' | 'domain' | 'vcpu' | 'function' | 'hypercall' | 'trap' | 'vmexit' | 'upcall';

/**
 * A call-tree node while the run goes on. `ln[i]` holds the cycles spent at
 * the function's i-th statement boundary (0: its entry); `cur` is the
 * boundary the frame on this node is at now. Each active frame of a vCPU has
 * its own node (a node is a path from the root), so `cur` is never shared.
 */
export class LiveNode implements CallTreeNode {
  /**
   * Its children in first-entered order, a list through their `next` (most
   * nodes have none or one: no Map or array of its own each, which made a
   * profiled run with many vCPUs pay for hundreds of them at the start);
   * `kids` indexes them by key once there are more than KID_SCAN.
   */
  first: LiveNode | null = null;
  last: LiveNode | null = null;
  next: LiveNode | null = null;
  /** How many children it has (the profile sizes its node's `children` by it). */
  kidCount = 0;
  private kids: Map<number | string, LiveNode> | null = null;
  /** The last function child entered, and its function: most calls repeat it. */
  kf = -1;
  kn: LiveNode | null = null;
  /** Its `[upcall]` child once an upcall interrupted a frame on it (see Recorder.upcall). */
  un: LiveNode | null = null;
  cur = 0;
  count = 0;
  /** Block counts of generated code (vm/profiling.ts), and its function's blocks: see Recorder.blocks. */
  bc: Float64Array = NO_BLOCKS;
  bt: readonly (readonly number[])[] | null = null;
  /** A pvop implementation: each entry counts at the caller's pvop call site. */
  impl = false;
  /** The pvop call sites of this frame's function, by (statement position, callee): see Recorder.pvopSite. */
  pvopSites: Map<number, SiteRecord> | null = null;
  /** A hypervisor function (an extension's handler or helper, `fn` -1): its own cycles by statement slot (hv/handlerSlots.ts). */
  hvFn: A.FnItem | null = null;
  hvAt: Float64Array | null = null;

  constructor(
    readonly parent: LiveNode | null,
    /** Its key among its parent's children (see Recorder.child()). */
    readonly key: number | string,
    readonly kind: LiveKind,
    readonly name: string,
    readonly domain: Domain | null,
    readonly vcpu: number,
    /** Function id in `domain.program`, or -1. */
    readonly fn: number,
    readonly ln: Float64Array,
  ) {}

  /** Its child with key `key`, if it has one. */
  kid(key: number | string): LiveNode | undefined {
    if (this.kids !== null) return this.kids.get(key);
    for (let k = this.first; k !== null; k = k.next) if (k.key === key) return k;
    return undefined;
  }

  /** Adds `node` (keyed `node.key`, not a child yet) as its last child. */
  adopt(node: LiveNode): void {
    if (this.last === null) this.first = node;
    else this.last.next = node;
    this.last = node;
    if (this.kids !== null) this.kids.set(node.key, node);
    else if (this.kidCount >= KID_SCAN) {
      this.kids = new Map();
      for (let k = this.first; k !== null; k = k.next) this.kids.set(k.key, k);
    }
    this.kidCount++;
  }
}

/** Up to this many children a node's child is found by walking its list; past it, by a Map. */
const KID_SCAN = 8;

/** The block counts of a node no generated code runs on (one shape for every node's `bc`: always a Float64Array). */
const NO_BLOCKS = new Float64Array(0);

/** What a vCPU is doing, for the summary's runnable and blocked times (numbers: compared on every switch). */
const RUNNING = 0;
const RUNNABLE = 1;
const BLOCKED = 2;
const OFF = 3;

/**
 * A vCPU as the recorder follows it (a class: one shape, read on every
 * switch). A switch stores one object reference (the recorder's `state`):
 * storing one runs V8's write barrier, the rest are numbers.
 */
class VcpuState {
  /** The vCPU (re)starts at main: its frame gets main's node when it next runs (its other frames carry theirs: Frame.node). */
  fresh = true;
  /**
   * Its host-call sites by site number in its domain's program (each vCPU
   * has its own: their frames are on nodes of their own, so a site's node
   * stays the same from call to call).
   */
  readonly hostSites: (HostSite | undefined)[] = [];
  /** For the summary: what it is doing (RUNNING…OFF) since when (machine time), and its runnable and blocked time so far. */
  state: number;
  since = 0;
  runnable = 0;
  blocked = 0;
  /** The packed `who` of its upcalls' slices on pcpu `upcallPcpu` (timeline.hostWho()), worked out once per pcpu. */
  upcallWho = -1;
  upcallPcpu = -1;

  constructor(
    readonly vcpu: Vcpu,
    readonly root: LiveNode,
    off: boolean,
  ) {
    this.state = off ? OFF : RUNNABLE;
  }

  /** Ends what it was doing at `at`: a runnable or blocked interval counts. */
  settle(at: number): void {
    const state = this.state;
    if (state === RUNNABLE) this.runnable += Math.max(0, at - this.since);
    else if (state === BLOCKED) this.blocked += Math.max(0, at - this.since);
  }
}

interface ProgramTables {
  /** Per function: position → source line. */
  lines: number[][];
}

/** A SiteCost while the run goes on: its file is still an index into the program's own file table. */
export type SiteRecord = SiteCost & { program: Program };

/** Occurrences of one hypercall, trap, exit or upcall: CountStat without the average, which the profile derives. */
export type StatRecord = Omit<CountStat, 'avg'>;

/**
 * What a host-call site of a domain's program records into, found once per
 * (domain, site) so that a call makes no key: its frame's child key, its
 * name, its site and statistics records' keys, and the calls made since it
 * last added them to its node and records (a call counts only here; the
 * node and records take the counts when the calling frame's node changes
 * and when the run ends: see settleHostSite).
 */
interface HostSite {
  key: string;
  kind: 'hypercall' | 'trap' | 'vmexit';
  name: string;
  domain: Domain;
  file: number;
  line: number;
  siteKey: string;
  statKey: string;
  /** Its slice kind and name in the timeline's columns, and its calls' packed slices (timeline.hostWho()) on pcpu `whoPcpu`. */
  sliceKind: number;
  sliceName: number;
  who: number;
  whoPcpu: number;
  /** The frame node it was last made under, and its own node there (calls repeat from the same frame). */
  parent: LiveNode | null;
  node: LiveNode | null;
  /** Calls counted here and not yet in the node and records: how many, their cycles, the fewest and most (set by the first). */
  count: number;
  cycles: number;
  min: number;
  max: number;
}

/**
 * Most call-tree nodes a profile keeps. A node is a call path, and a guest
 * can make paths faster than a host can hold them (2^n paths from n levels
 * of two functions calling each other). Past the limit, a frame on a path
 * not yet in the tree gets one node per function (and per named frame)
 * directly under its vCPU: totals, self cycles and lines stay exact; only
 * the paths (inclusive times) past the cut are lost.
 */
export const CALL_TREE_LIMIT = 100_000;

/**
 * Attributes every cycle a vCPU consumes to a call-tree node and statement.
 * Generated profiling code charges the cycles it counts itself (statements,
 * memory, calls) to its frame's node at its current statement position,
 * before they reach the engine's shared count; the engine hands the host's
 * charges (hypercalls, intrinsics, hlt, upcalls) to `hostCall`/`upcall`; the
 * hypervisor reports scheduling. Every cycle a vCPU consumes enters its
 * count through one of these, so the totals are exact.
 */
export class Recorder implements EngineProfiler {
  readonly root = new LiveNode(null, '', 'root', 'pvlab', null, -1, -1, new Float64Array(1));
  /** Where generated code publishes the running frame's node (vm/profiling.ts): made with the recorder, it only ever holds its nodes. */
  readonly cursor: { top: LiveNode } = { top: this.root };
  readonly domainNodes: LiveNode[] = [];
  /** By domid, then vCPU id. */
  private readonly vcpus: VcpuState[][] = [];
  /** Every host site made, to settle their counts at the end. */
  private readonly allHostSites: HostSite[] = [];
  /** The running vCPU's host sites. */
  private runningSites: (HostSite | undefined)[] = [];
  /** By domid: its upcall statistics, once it had an upcall. */
  private readonly upcallStats: (StatRecord | undefined)[] = [];
  private readonly tables = new Map<Program, ProgramTables>();
  /** The blocks of each program's generated code, and the nodes with block counts (see blockTables()). */
  private readonly blocksOf = new Map<Program, BlockTables>();
  private readonly blocked: LiveNode[] = [];
  readonly sites = new Map<string, SiteRecord>();
  readonly stats = new Map<string, StatRecord>();
  readonly timeline = new TimelineColumns();
  private readonly onEventName = this.timeline.nameId('on_event');
  /** Nodes in the tree (the ones past the cut not counted), and whether the tree reached CALL_TREE_LIMIT. */
  private nodeCount = 0;
  cut = false;
  /** The vCPU running now (null between runs), its pcpu, and where its current run segment started (machine time). */
  private state: VcpuState | null = null;
  private pcpu = 0;
  /** The running vCPU's domain id and vCPU id (set by enter()). */
  private domainId = -1;
  private vcpuId = -1;
  private segStart = 0;
  /**
   * A loop's hypercalls held back (see heldBack()): calls at site `qAt`
   * (-1: none) from the frame on `qTop` into host site `qHs`, each `qLen`
   * cycles and starting `qGap` after the last ended (the next one due at
   * `qNext`); `qN` of them not counted yet, `qRoom` more the timeline takes.
   */
  private qAt = -1;
  private qTop: LiveNode | null = null;
  private qHs: HostSite | null = null;
  private qLen = 0;
  private qGap = 0;
  private qNext = 0;
  private qN = 0;
  private qRoom = 0;
  /** What the pvk handlers of extension hypercalls ran (the hypervisor reports to it): placed under their hypercall's frame. */
  readonly handlers = new HandlerFrames(this.cursor);
  /** Call-tree keys of hypervisor functions (made once each). */
  private readonly hvKeys = new Map<A.FnItem, string>();

  constructor(
    domains: readonly Domain[],
    /** A hypercall's name by number on the profiled machine (built-in or an extension's). */
    private readonly hypercallName: (nr: number) => string | undefined,
  ) {
    for (const d of domains) {
      const node = this.child(this.root, `d${d.id}`, 'domain', d.name, d, -1, -1);
      this.domainNodes.push(node);
      this.vcpus[d.id] = [];
      for (const v of d.vcpus) {
        const vnode = this.child(node, `v${v.id}`, 'vcpu', `vCPU ${v.id}`, d, v.id, -1);
        const st = new VcpuState(v, vnode, d.state === 'paused');
        this.vcpus[d.id][v.id] = st;
        v.profiled = st;
      }
    }
  }

  /** Position → line tables of a program's functions. */
  tablesOf(program: Program): ProgramTables {
    let t = this.tables.get(program);
    if (!t) {
      t = { lines: flatOf(program).map((code, fn) => boundaryTable(code, program.functions[fn].line).lines) };
      this.tables.set(program, t);
    }
    return t;
  }

  private child(parent: LiveNode, key: number | string, kind: LiveKind, name: string, d: Domain | null, vcpu: number, fn: number): LiveNode {
    let node = parent.kid(key);
    if (node === undefined) {
      const running = this.state;
      if (this.nodeCount >= CALL_TREE_LIMIT && running !== null) {
        // Past the cut: the vCPU's one node for this function or named frame (made once, not counted).
        this.cut = true;
        const cutKey = `cut:${key}`;
        return running.root.kid(cutKey) ?? this.make(running.root, cutKey, kind, name, d, vcpu, fn);
      }
      this.nodeCount++;
      node = this.make(parent, key, kind, name, d, vcpu, fn);
    }
    return node;
  }

  private make(parent: LiveNode, key: number | string, kind: LiveKind, name: string, d: Domain | null, vcpu: number, fn: number): LiveNode {
    const size = fn >= 0 && d !== null ? this.tablesOf(d.program).lines[fn].length : 1;
    const node = new LiveNode(parent, key, kind, name, d, vcpu, fn, new Float64Array(size));
    node.impl = fn >= 0 && d !== null && d.program.functions[fn].impl !== undefined;
    const blocks = fn >= 0 && d !== null ? this.blocksOf.get(d.program) : undefined;
    if (blocks !== undefined) {
      node.bt = blocks[fn];
      node.bc = new Float64Array(node.bt.length);
      this.blocked.push(node);
    }
    parent.adopt(node);
    return node;
  }

  // ------------------------------------------------------------ engine: runs

  /**
   * The engine starts running `v` on pcpu `p` whose clock is `clock`. Its
   * frames resume outermost first, each taking back the node it carries
   * (Frame.node, set as it was captured); each publishes it to the cursor
   * before anything reads the cursor: the cursor is not set here.
   */
  enter(v: Vcpu, p: number, clock: number): void {
    // No calls are held back here: the run before this one gave them as it ended (ran()).
    const st = this.stateOf(v);
    this.state = st;
    this.runningSites = st.hostSites;
    this.domainId = v.domain.id;
    this.vcpuId = v.id;
    this.pcpu = p;
    this.segStart = clock;
    // settle(), written out: V8 did not inline it here, on every switch.
    const was = st.state;
    if (was === RUNNABLE) st.runnable += Math.max(0, clock - st.since);
    else if (was === BLOCKED) st.blocked += Math.max(0, clock - st.since);
    st.state = RUNNING;
    st.since = clock;
    if (st.fresh) this.startAtMain(st, v);
  }

  /** enter() of a vCPU that (re)starts at main: main's node is its only frame's (out of line: once a start). */
  private startAtMain(st: VcpuState, v: Vcpu): void {
    st.fresh = false;
    v.frames[0].node = this.push(v.domain.program.main, st.root);
  }

  /** The running vCPU (between enter() and ran()). */
  private get vcpu(): Vcpu {
    return (this.state as VcpuState).vcpu;
  }

  /** A fresh call of function `fn` from a frame on node `top` starts: its node. */
  push(fn: number, top: LiveNode): LiveNode {
    const node = this.reach(fn, top);
    if (node.impl) this.pvopSite(top, fn);
    node.count++;
    return node;
  }

  /** push() of a call that its caller's code counts in a block (not a pvop impl). */
  reach(fn: number, top: LiveNode): LiveNode {
    if (top.kf === fn) return top.kn as LiveNode;
    const v = this.vcpu as Vcpu;
    const node = this.child(top, fn, 'function', v.domain.program.functions[fn].name, v.domain, v.id, fn);
    top.kf = fn;
    top.kn = node;
    return node;
  }

  /** The blocks of `program`'s generated code: its functions' nodes get block counts (see vm/profiling.ts). */
  blockTables(program: Program, tables: BlockTables): void {
    this.blocksOf.set(program, tables);
  }

  /**
   * The block counts into cycles per position and the counts of the callees
   * entered (a node's child for a function, or past the call tree's cut the
   * vCPU's one node for it), then cleared.
   *
   * A call counted ahead with the call before it and taken back when the
   * frame left before reaching it (vm/attribution.ts, settleCall()) is +1
   * in one block and -1 in another: when the callee was never entered
   * anywhere below the node (no node for it), those net to nothing, so the
   * counts of callees without a node are summed first (`missing`).
   */
  private foldBlocks(): void {
    for (const node of this.blocked) {
      const bc = node.bc;
      const table = node.bt as readonly (readonly number[])[];
      let missing: Map<number, number> | null = null;
      for (let k = 0; k < bc.length; k++) {
        const n = bc[k];
        if (n === 0) continue;
        bc[k] = 0;
        const block = table[k];
        for (let i = 0; i < block.length; i += 2) {
          const at = block[i];
          if (at >= 0) {
            node.ln[at] += n * block[i + 1];
            continue;
          }
          const fn = calledFn(at);
          const callee = this.calleeOf(node, fn);
          if (callee !== undefined) callee.count += n * block[i + 1];
          else (missing ??= new Map()).set(fn, (missing.get(fn) ?? 0) + n * block[i + 1]);
        }
      }
      if (missing !== null) for (const [fn, calls] of missing) if (calls !== 0) throw new Error(`profile: ${calls} calls of function ${fn} below ${node.name} with no node for it`);
    }
  }

  /** The node a call of `fn` from a frame on `node` entered (undefined: none was ever entered from there). */
  private calleeOf(node: LiveNode, fn: number): LiveNode | undefined {
    return node.kid(fn) ?? this.vcpus[(node.domain as Domain).id][node.vcpu].root.kid(`cut:${fn}`);
  }

  private pvopSite(caller: LiveNode, fn: number): void {
    const v = this.vcpu as Vcpu;
    const program = v.domain.program;
    const impl = program.functions[fn].impl;
    if (!impl || caller.fn < 0) return;
    const cost = v.domain.patched ? COSTS.pvopPatched : COSTS.pvopIndirect;
    // A caller node belongs to one domain and function: its position and the callee decide the site.
    const key = caller.cur * 65536 + fn;
    const known = caller.pvopSites?.get(key);
    if (known !== undefined) {
      count(known, cost);
      return;
    }
    const line = this.tablesOf(program).lines[caller.fn][caller.cur];
    const site = this.site(v.domain, program, program.functions[caller.fn].file, line, 'pvop', `${impl.group}.${impl.op}`, cost);
    (caller.pvopSites ??= new Map()).set(key, site);
  }

  // ------------------------------------------------------------ engine: host calls

  /**
   * A host call charged `cycles` (consumed now `now`): the part named by
   * `kind` goes to its own frame under the running one, the rest
   * (`own`, e.g. an intrinsic's native cost) to the current statement.
   */
  hostCall(kind: 'hypercall' | 'trap' | 'vmexit', at: number, what: string | number, loc: Loc, named: number, own: number, clock: number): void {
    this.giveHeldBack();
    const top = this.cursor.top;
    if (own !== 0) top.ln[top.cur] += own;
    let hs = this.runningSites[at];
    if (hs === undefined || hs.parent !== top) hs = this.hostSiteUnder(top, kind, at, what, loc);
    if (++hs.count === 1) hs.min = hs.max = named;
    else if (named < hs.min) hs.min = named;
    else if (named > hs.max) hs.max = named;
    hs.cycles += named;
    // A pvk handler's own cycles go to its functions' frames below; the rest (300 + cost) stays the hypercall's.
    if (kind === 'hypercall' && this.handlers.fresh) this.placeHandlers(hs.node as LiveNode, hs.name);
    this.timeline.hostSlices(this.domainId, this.vcpuId, this.pcpu, this.segStart, hs.sliceKind, hs.sliceName, clock - named, clock);
    this.segStart = clock;
  }

  /**
   * hostCall() of a hypercall at site `at`, all its `cycles` its own, where
   * that is quick: a loop's call like the one before (the same site, frame
   * and pcpu, cycles within its fewest and most so far, no new handler path)
   * that the timeline counts in its last row, or that goes on with the
   * pattern of the calls before it (domains taking turns: the timeline's
   * again()). Says whether it did; false: nothing recorded (call
   * hypercalled()). Kept short, so that V8 inlines it into the engine's
   * hypercall path.
   */
  hypercalledAgain(at: number, cycles: number, clock: number): boolean {
    this.giveHeldBack();
    const hs = this.runningSites[at];
    if (hs === undefined || hs.parent !== this.cursor.top || hs.count === 0 || cycles < hs.min || cycles > hs.max || this.handlers.fresh || hs.whoPcpu !== this.pcpu) return false;
    const timeline = this.timeline;
    const runStart = this.segStart;
    const start = clock - cycles;
    // A loop's call first (repeated(): the calls like it that follow are held back), then a turn taken (again()'s other half).
    if (timeline.repeated(hs.who, runStart, start, clock)) this.holdBack(at, hs, start - runStart, cycles, clock);
    else if (!timeline.takesTurn(hs.who, runStart, start, clock)) return false;
    hs.count++;
    hs.cycles += cycles;
    this.segStart = clock;
    return true;
  }

  /**
   * A hypercall like the loop's call the timeline's repeated() took last (at
   * site `at`, the same frame, cycles and run before it, no new handler path):
   * only counted here (what hypercalledAgain() would record is given when
   * anything else is recorded: giveHeldBack()). Says whether it was; false:
   * call hypercalledAgain(). Kept tiny, so that V8 inlines it into the
   * engine's hypercall path.
   */
  heldBack(at: number, cycles: number, clock: number): boolean {
    if (at !== this.qAt || clock - cycles !== this.qNext || cycles !== this.qLen || this.qRoom === 0 || this.cursor.top !== this.qTop || this.handlers.fresh) return false;
    this.qN++;
    this.qRoom--;
    this.qNext = clock + this.qGap;
    return true;
  }

  /** Calls at `at` into `hs` like the one just taken by the timeline's repeated() (its run `gap`, its `cycles`, ending at `clock`) may be held back from now. */
  private holdBack(at: number, hs: HostSite, gap: number, cycles: number, clock: number): void {
    this.qAt = at;
    this.qTop = this.cursor.top;
    this.qHs = hs;
    this.qLen = cycles;
    this.qGap = gap;
    this.qNext = clock + gap;
    this.qRoom = this.timeline.repeatRoom();
  }

  /** Records the calls held back (see heldBack()) as hypercalledAgain() would have, one by one; ends the holding back. */
  private giveHeldBack(): void {
    const n = this.qN;
    if (n !== 0) {
      this.qN = 0;
      const hs = this.qHs as HostSite;
      hs.count += n;
      hs.cycles += n * this.qLen;
      const end = this.qNext - this.qGap;
      this.segStart = end;
      this.timeline.repeatedTimes(n, end);
    }
    this.qAt = -1;
  }

  /** hostCall() of hypercall number `nr` at site `at`, all its `cycles` its own: a call hypercalledAgain() did not take. */
  hypercalled(at: number, nr: number, loc: Loc, cycles: number, clock: number): void {
    this.giveHeldBack();
    let hs = this.runningSites[at];
    if (hs === undefined || hs.parent !== this.cursor.top) hs = this.hostSiteUnder(this.cursor.top, 'hypercall', at, nr, loc);
    // The first call since the site last settled sets its fewest and most; a loop's calls mostly change neither.
    if (++hs.count === 1) hs.min = hs.max = cycles;
    else if (cycles < hs.min) hs.min = cycles;
    else if (cycles > hs.max) hs.max = cycles;
    hs.cycles += cycles;
    if (this.handlers.fresh) this.placeHandlers(hs.node as LiveNode, hs.name);
    const runStart = this.segStart;
    this.segStart = clock;
    // A call like the last one is counted in the timeline's last row, or goes on with its pattern (again()); any other goes through hostSlices().
    if (hs.whoPcpu !== this.pcpu || !this.timeline.again(hs.who, runStart, clock - cycles, clock)) this.hypercallSlices(hs, runStart, clock - cycles, clock);
  }

  /** The timeline's slices of a hypercall at `hs` that again() did not take (or was not asked: `hs.who` is not for this pcpu yet). */
  private hypercallSlices(hs: HostSite, runStart: number, start: number, end: number): void {
    const timeline = this.timeline;
    if (hs.whoPcpu !== this.pcpu) {
      hs.whoPcpu = this.pcpu;
      hs.who = timeline.hostWho(this.domainId, this.vcpuId, this.pcpu, SLICE.hypercall, hs.sliceName);
      if (timeline.again(hs.who, runStart, start, end)) return;
    }
    timeline.newHostSlices(this.domainId, this.vcpuId, this.pcpu, runStart, SLICE.hypercall, hs.sliceName, start, end);
  }

  /** Host-call site `at` of the running program, its node under the frame node `top` (made on the first call from there). */
  private hostSiteUnder(top: LiveNode, kind: 'hypercall' | 'trap' | 'vmexit', at: number, what: string | number, loc: Loc): HostSite {
    const v = this.vcpu as Vcpu;
    const d = v.domain;
    let hs = this.runningSites[at];
    if (hs === undefined) {
      // `at`: the host call's site in the program (a hypercall number, or an intrinsic's name, for `what`).
      const name = typeof what === 'number' ? (this.hypercallName(what) ?? `#${what}`) : what;
      const prefix = kind === 'hypercall' ? 'h' : kind === 'trap' ? 't' : 'x';
      hs = {
        key: `${prefix}:${name}`,
        kind,
        name,
        domain: d,
        file: loc.file,
        line: loc.line,
        siteKey: `${d.id}:${loc.file}:${loc.line}:${kind}:${name}`,
        statKey: `${d.id}:${kind}:${name}`,
        sliceKind: SLICE[kind],
        sliceName: this.timeline.nameId(name),
        who: -1,
        whoPcpu: -1,
        parent: null,
        node: null,
        count: 0,
        cycles: 0,
        min: 0,
        max: 0,
      };
      this.runningSites[at] = hs;
      this.allHostSites.push(hs);
    } else this.settleHostSite(hs);
    hs.node = this.child(top, hs.key, kind, `[${kind} ${hs.name}]`, d, v.id, -1);
    hs.parent = top;
    return hs;
  }

  /** Adds the calls a host site counted since it last did to its node and its site and statistics records. */
  private settleHostSite(hs: HostSite): void {
    if (hs.count === 0) return;
    const d = hs.domain;
    // The records written out field by field (a spread is a slow runtime copy, and this runs for every site at the end).
    const site = this.sites.get(hs.siteKey);
    if (site === undefined) this.sites.set(hs.siteKey, { domain: d.id, program: d.program, file: hs.file, line: hs.line, kind: hs.kind, name: hs.name, count: hs.count, cycles: hs.cycles, min: hs.min, max: hs.max });
    else addCounts(site, hs);
    const stat = this.stats.get(hs.statKey);
    if (stat === undefined) this.stats.set(hs.statKey, { count: hs.count, cycles: hs.cycles, min: hs.min, max: hs.max });
    else addCounts(stat, hs);
    settleNode(hs);
  }

  /**
   * settleHostSite() of every host site at the end of the run. The host
   * sites of one place in a domain's code (one per vCPU that called from
   * there) share their site and statistics records: the records a domain's
   * last host site settled into are kept (by domain id) and taken again by
   * its next one at the same place, so that hundreds of vCPUs do not each
   * look theirs up by key string (the same counts, in the same order).
   */
  private settleAllHostSites(): void {
    const lastOf: (HostSite | undefined)[] = [];
    const siteOf: SiteRecord[] = [];
    const statOf: StatRecord[] = [];
    for (const hs of this.allHostSites) {
      if (hs.count === 0) continue;
      const id = hs.domain.id;
      const last = lastOf[id];
      // Keys are made from these (and the domain): the same place, the same records.
      if (last !== undefined && last.line === hs.line && last.file === hs.file && last.kind === hs.kind && last.name === hs.name) {
        addCounts(siteOf[id], hs);
        addCounts(statOf[id], hs);
        settleNode(hs);
      } else {
        this.settleHostSite(hs);
        lastOf[id] = hs;
        siteOf[id] = this.sites.get(hs.siteKey) as SiteRecord;
        statOf[id] = this.stats.get(hs.statKey) as StatRecord;
      }
    }
  }

  /**
   * Places the counts of the handlers run since the last time in the call
   * tree: a path new in the hypercall just made (its frame `node`, its
   * hypercall `name`) gets its node now, below that frame (in a multicall,
   * each entry's below a `[hypercall NAME]` frame of its own under the
   * multicall's), as the paths of earlier hypercalls got theirs; the
   * handlers' cycles leave their hypercall's own. Called when a path is new
   * (handlers.fresh) and at the end: between, counts gather in the frames.
   */
  private placeHandlers(node: LiveNode | null, name: string): void {
    const handlers = this.handlers;
    handlers.fresh = false;
    for (const caller of handlers.pending) {
      caller.pending = false;
      for (const run of caller.calls) {
        if (run.n === 0) continue;
        if (run.placedIn === null) {
          // New: the hypercall just made ran it (no node at the end: none placed).
          if (node === null) continue;
          const decl = (run.fn as A.FnItem).handlerOf;
          run.hypercallNode = node;
          run.placedBelow = decl !== undefined && decl.name.name !== name ? this.child(node, `h:${decl.name.name}`, 'hypercall', `[hypercall ${decl.name.name}]`, node.domain, node.vcpu, -1) : node;
        }
        const below = run.placedBelow as LiveNode;
        if (below !== run.hypercallNode) below.count += run.n;
        (run.hypercallNode as LiveNode).ln[0] -= this.placeFrame(below, run);
      }
    }
    handlers.pending.length = 0;
  }

  /** Adds a handler frame's counts and its callees' below `parent` (made the first time): their cycles. */
  private placeFrame(parent: LiveNode, f: HandlerPath): number {
    let node = f.placedIn as LiveNode | null;
    const fn = f.fn as A.FnItem;
    if (node === null) {
      let key = this.hvKeys.get(fn);
      if (key === undefined) this.hvKeys.set(fn, (key = `hv:${fn.file}:${fn.span.start}`));
      // Past the call tree's cut, the running vCPU's one node for the function: the same for every later placement.
      node = this.child(parent, key, 'function', fn.name.name, parent.domain, parent.vcpu, -1);
      node.hvFn = fn;
      node.hvAt ??= new Float64Array(statementSlots(fn).offsets.length);
      f.placedIn = node;
    }
    f.settle();
    const at = node.hvAt as Float64Array;
    const cy = f.cy;
    let cycles = 0;
    for (let i = 0; i < cy.length; i++) {
      const c = cy[i];
      if (c !== 0) {
        at[i] += c;
        cycles += c;
        cy[i] = 0;
      }
    }
    node.count += f.n;
    f.n = 0;
    for (const callee of f.calls) if (callee.n > 0) cycles += this.placeFrame(node, callee);
    return cycles;
  }

  /**
   * An event upcall interrupting the frame on node `top` was charged
   * (`cycles`): on_event runs below the upcall's frame, which this returns.
   * The cursor is left as it is (the engine's check() says why).
   */
  upcall(port: number, cycles: number, clock: number, top: LiveNode): LiveNode {
    this.giveHeldBack();
    const v = this.vcpu as Vcpu;
    // The same node child() gives each time (past the call tree's cut too: the vCPU's one cut node), looked up once.
    const node = (top.un ??= this.child(top, 'u', 'upcall', '[upcall]', v.domain, v.id, -1));
    node.ln[0] += cycles;
    node.count++;
    const d = this.domainId;
    const stat = this.upcallStats[d];
    if (stat === undefined) this.upcallStats[d] = this.stat(`${d}:upcall:`, cycles);
    else count(stat, cycles);
    // A vCPU's upcalls mostly take their turn in a pattern (an event ring): that check first, kept inline.
    const st = this.state as VcpuState;
    if (st.upcallPcpu !== this.pcpu) {
      st.upcallPcpu = this.pcpu;
      st.upcallWho = this.timeline.hostWho(d, this.vcpuId, this.pcpu, SLICE.upcall, this.onEventName);
    }
    const start = clock - cycles;
    if (!this.timeline.takesTurn(st.upcallWho, this.segStart, start, clock)) this.timeline.hostSlices(d, this.vcpuId, this.pcpu, this.segStart, SLICE.upcall, this.onEventName, start, clock);
    this.segStart = clock;
    this.timeline.instant(INSTANT.deliver, d, this.vcpuId, clock - cycles, port, d);
    return node;
  }

  /** A host call charged `cycles` that belong to the running statement itself (an intrinsic's native cost). */
  charged(cycles: number): void {
    const top = this.cursor.top;
    top.ln[top.cur] += cycles;
  }

  /** Counts one occurrence at a site (its record, which it returns, is made on the first). */
  private site(d: Domain, program: Program, file: number, line: number, kind: SiteRecord['kind'], name: string, cycles: number, key = `${d.id}:${file}:${line}:${kind}:${name}`): SiteRecord {
    let s = this.sites.get(key);
    if (s === undefined) {
      s = { domain: d.id, program, file, line, kind, name, count: 1, cycles, min: cycles, max: cycles };
      this.sites.set(key, s);
    } else count(s, cycles);
    return s;
  }

  /** Counts one occurrence under a statistics key (its record, which it returns, is made on the first). */
  private stat(key: string, cycles: number): StatRecord {
    let s = this.stats.get(key);
    if (s === undefined) {
      s = { count: 1, cycles, min: cycles, max: cycles };
      this.stats.set(key, s);
    } else count(s, cycles);
    return s;
  }

  private stateOf(v: Vcpu): VcpuState {
    return v.profiled as VcpuState;
  }

  // ------------------------------------------------------------ hypervisor: scheduling

  /**
   * A run of `v` from `start` to `end` (machine time, its pcpu's clock when
   * the engine stopped) ended; `v.status` says what it does next. The
   * engine's run ends here too (one call a switch, not one from the engine
   * and one from the hypervisor): nothing between them records anything.
   */
  ran(v: Vcpu, start: number, end: number): void {
    void start;
    this.giveHeldBack();
    // Its run since its last host call (none when it stopped at one: a yield, a block).
    if (end > this.segStart) this.timeline.slice(this.domainId, this.vcpuId, this.pcpu, SLICE.run, RUN_NAME, this.segStart, end);
    this.state = null;
    const st = this.stateOf(v);
    st.state = v.status === 'blocked' ? BLOCKED : v.status === 'runnable' && v.domain.state === 'running' ? RUNNABLE : OFF;
    st.since = end;
  }

  /** A blocked vCPU became runnable at machine time `at`. */
  woke(v: Vcpu, at: number): void {
    const st = this.stateOf(v);
    if (st.state === BLOCKED) st.blocked += Math.max(0, at - st.since);
    if (st.state !== RUNNABLE) {
      st.state = RUNNABLE;
      st.since = at;
    }
  }

  /** A paused domain was unpaused at `at`. */
  unpaused(d: Domain, at: number): void {
    for (const v of d.vcpus) {
      const st = this.stateOf(v);
      if (st.state === OFF && v.status === 'runnable') {
        st.state = RUNNABLE;
        st.since = at;
      }
    }
  }

  /** The vCPU (re)starts at main (boot, vcpu_op up, after a reset). */
  restarted(v: Vcpu): void {
    const st = this.vcpus[v.domain.id]?.[v.id];
    if (!st) return;
    st.fresh = true;
  }

  /** The vCPU went down, its domain ended or paused (at machine time `at`). */
  stopped(v: Vcpu, at: number): void {
    const st = this.stateOf(v);
    st.settle(at);
    st.state = OFF;
    st.since = at;
  }

  /** A port of domain `to` became pending at `at`, sent by the running vCPU (or the timer). */
  eventSent(to: Domain, port: number, at: number): void {
    // The running vCPU sends (its ids are enter()'s), or the timer: -1.
    const running = this.state !== null;
    this.timeline.instant(INSTANT.send, running ? this.domainId : -1, running ? this.vcpuId : -1, at, port, to.id);
  }

  /** Closes the summary's open intervals and settles the host sites' counts at the end of the run. */
  finish(end: (v: Vcpu) => number): void {
    this.giveHeldBack();
    this.foldBlocks();
    this.placeHandlers(null, '');
    this.settleAllHostSites();
    for (const d of this.domainNodes) for (const v of (d.domain as Domain).vcpus) this.stopped(v, Math.max(this.stateOf(v).since, end(v)));
  }

  runnableOf(v: Vcpu): number {
    return this.stateOf(v).runnable;
  }

  blockedOf(v: Vcpu): number {
    return this.stateOf(v).blocked;
  }
}

/** A host site's counts into its node's, then cleared (its records took them too: see settleHostSite()). */
function settleNode(hs: HostSite): void {
  const node = hs.node as LiveNode;
  node.ln[0] += hs.cycles;
  node.count += hs.count;
  hs.count = 0;
  hs.cycles = 0;
  hs.min = 0;
  hs.max = 0;
}

/** Adds the occurrences counted in `c` to `s`. */
function addCounts(s: StatRecord, c: StatRecord): void {
  s.count += c.count;
  s.cycles += c.cycles;
  if (c.min < s.min) s.min = c.min;
  if (c.max > s.max) s.max = c.max;
}

/** One more occurrence of `cycles` in a count, total, min and max. */
function count(s: StatRecord, cycles: number): void {
  s.count++;
  s.cycles += cycles;
  if (cycles < s.min) s.min = cycles;
  if (cycles > s.max) s.max = cycles;
}
