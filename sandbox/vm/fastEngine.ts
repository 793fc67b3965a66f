import { COSTS } from '../machine/costs.js';
import { lowestPending, type Frame, type Vcpu } from '../machine/state.js';
import { generate } from './codegen.js';
import { generateCached } from './generatedCache.js';
import { HYPERCALL_BLOCK, HYPERCALL_DONE, HYPERCALL_PAUSE, HYPERCALL_YIELD, MAX_CALL_DEPTH, type BoundaryHook, type Engine, type EngineHost, type Pcpu, type StopReason } from './engine.js';
import { GuestFault } from '../machine/fault.js';
import type { FlatOp } from './flat.js';
import { exitOf, runIntrinsic } from './intrinsics.js';
import type { Loc, Program } from '../machine/ir.js';
import type { BlockTables, CallTreeNode, EngineProfiler, ProfileCursor } from './profiling.js';
import { beginUpcall } from './upcall.js';
import type { GuestMemory } from '../machine/memory.js';

/**
 * A compiled function: fresh when `rf` is undefined (then the params follow;
 * plain and profiling code take their own call depth before them, profiling
 * code then its own call-tree node, which the caller entered), resumed from
 * `rf` otherwise.
 */
type CompiledFn = (rf: Frame | undefined, ...params: (number | CallTreeNode)[]) => number;

interface Compiled {
  F: CompiledFn[];
  /** The running domain's memory, globals, itself, pvop dispatch table and pvop call cost; profiling code also takes the profiler's cursor (stored only when it changed). */
  setContext(M: GuestMemory, G: Int32Array, D: Vcpu['domain'], DISP: Int32Array, PVC: number, CU?: ProfileCursor): void;
  flat: FlatOp[][];
  locs: Loc[];
}

/** Profiling modules also give their functions' blocks (`BT`). */
type Module = Pick<Compiled, 'F' | 'setContext'> & { BT?: BlockTables };

/** No frames: never written. */
const NO_FRAMES: Frame[] = [];

/**
 * Compiled modules by generated source, so that booting the same kernel again
 * reuses code V8 has already optimised. Oldest entries go first past the bound.
 */
const moduleCache = new Map<string, Module>();
const MODULE_CACHE_SIZE = 64;

/** The engine whose run is in progress: generated code calls back into it. Runs never nest. */
let active: FastEngine | undefined;
/**
 * Its profiler, when it profiles (generated profiling code calls it
 * directly). Set by a run only when it changes (storing an object in this
 * long-lived variable runs V8's write barrier), so it outlives the run:
 * release() lets a profiling engine's go once its system has run.
 */
let recorder: EngineProfiler | undefined;

function engine(): FastEngine {
  return active as FastEngine;
}

/**
 * The fast engine: each program is compiled once to JavaScript (codegen.ts)
 * and run natively. A vCPU suspends by setting R.sus: each generated frame
 * sees it after the call it made, records itself in the interpreter's frame
 * format and returns, so either engine can resume it.
 */
export class FastEngine implements Engine {
  private readonly compiled = new WeakMap<Program, Compiled>();
  /** The program compiled or looked up last (vCPUs of one kernel often run in a row). */
  private lastProgram: Program | undefined;
  private lastCompiled!: Compiled;
  /** Cycles since the last sync, the limit relative to it, and the call depth. */
  vcpu!: Vcpu;
  pcpu!: Pcpu;
  current!: Compiled;
  resumeFrames: Frame[] = NO_FRAMES;
  resumeIndex = 0;
  /** The running vCPU's frame records (its spareFrames), and how many frames its stop recorded in them so far. */
  private spare: Frame[] = NO_FRAMES;
  private taken = 0;
  private reason: StopReason = 'limit';
  private readonly R = R;

  /** Set by a debugger (stepping engines only): asked at every boundary whether to stop before it. */
  boundaryHook: BoundaryHook | undefined;
  /** Skip the hook once: resuming from a stop at that same boundary. */
  skipHook = false;
  private boundaries = new WeakMap<Program, Map<number, FlatOp & { k: 'boundary' }>>();

  /**
   * With `stepping`, the generated code can stop at every statement boundary
   * (the steppable engine); with a `recorder`, it attributes every cycle to
   * a call-tree node and statement (the profiling engine).
   */
  constructor(
    readonly host: EngineHost,
    readonly stepping = false,
    readonly recorder?: EngineProfiler,
  ) {
    this.compiledHandlers = !stepping;
  }

  /** The system this engine ran is done: the runtime no longer keeps its profiler (see `recorder`). */
  release(): void {
    if (recorder === this.recorder) recorder = undefined;
  }

  /** Runs and profiles compile extension handlers to JavaScript; the stepping engine (the debugger's) keeps the evaluator. */
  readonly compiledHandlers: boolean;

  /** The generated JavaScript of a program (for tests and inspection). */
  sourceOf(program: Program): string {
    return generate(program, this.stepping, this.recorder !== undefined).source;
  }

  /** The running vCPU's call depth (1 in main). */
  get depth(): number {
    return R.depth;
  }

  /** After a hook stop, the next run executes that boundary without asking again. */
  resumeAfterStop(vcpu: Vcpu): void {
    void vcpu;
    this.skipHook = true;
  }

  /**
   * Boundaries the debugger wants to be asked about (by boundary id), or null
   * for none; `stopEverywhere` asks at every boundary (single-stepping).
   */
  readonly armed = new WeakMap<Program, Uint8Array>();
  stopEverywhere = false;

  /** Called by generated stepping code before an armed boundary. */
  atBoundary(id: number): void {
    this.sync();
    this.relimit();
    const hook = this.boundaryHook;
    if (hook === undefined) return;
    const program = this.vcpu.domain.program;
    let byId = this.boundaries.get(program);
    if (!byId) {
      byId = new Map();
      for (const code of this.current.flat) for (const op of code) if (op.k === 'boundary') byId.set(op.id, op);
      this.boundaries.set(program, byId);
    }
    if (hook(this.vcpu, byId.get(id) as FlatOp & { k: 'boundary' }, R.depth)) this.suspend('breakpoint');
  }

  /** Compiles a program ahead of its first run (at boot), so that the run does not. */
  prepare(program: Program): void {
    this.compile(program);
  }

  private compile(program: Program): Compiled {
    if (program === this.lastProgram) return this.lastCompiled;
    const cached = this.compiled.get(program);
    if (cached) {
      this.lastProgram = program;
      this.lastCompiled = cached;
      return cached;
    }
    const gen = generateCached(program, this.stepping, this.recorder !== undefined);
    let module = moduleCache.get(gen.source);
    if (!module) {
      const factory = new Function('rt', gen.source) as (rt: unknown) => Module;
      module = factory(RUNTIME);
      if (moduleCache.size >= MODULE_CACHE_SIZE) moduleCache.delete(moduleCache.keys().next().value as string);
      moduleCache.set(gen.source, module);
    }
    if (this.recorder && module.BT) this.recorder.blockTables(program, module.BT);
    const compiled: Compiled = { F: module.F, setContext: module.setContext, flat: gen.flat, locs: gen.locs };
    this.compiled.set(program, compiled);
    this.lastProgram = program;
    this.lastCompiled = compiled;
    return compiled;
  }

  /** Fault location of a site in the running program. */
  loc(site: number): Loc {
    return this.current.locs[site];
  }

  sync(): void {
    const used = this.R.cyc;
    this.R.cyc = 0;
    const v = this.vcpu;
    this.pcpu.clock += used;
    v.domain.cycles += used;
    v.cycles += used;
  }

  /**
   * Profiling: a host call (hypercall, intrinsic, hlt) that began with the
   * vCPU at `before` consumed cycles has returned; its trap, VM exit or
   * hypercall part gets a frame of its own. Call after sync().
   */
  hostCalled(rec: EngineProfiler, kind: 'hypercall' | 'intrinsic', what: string | number, site: number, before: number): void {
    const v = this.vcpu;
    const spent = v.cycles - before;
    // `what`: a hypercall's number, an intrinsic's name.
    const exit = kind === 'hypercall' ? 'hypercall' : exitOf(what as string, v.domain.mode);
    if (exit === undefined) {
      rec.charged(spent);
      return;
    }
    const named = exit === 'hypercall' ? spent : Math.min(spent, exit === 'trap' ? COSTS.trap : COSTS.vmexit);
    rec.hostCall(exit, site, what, this.loc(site), named, spent - named, this.pcpu.clock);
  }

  /**
   * The limit relative to the last sync, and the budget generated code checks
   * against: none while events may be pending, and at most BUDGET_CAP, so
   * that frame counts and budgets stay small integers in generated code (a
   * check point reached early finds nothing to do: see check()).
   */
  relimit(): void {
    const R = this.R;
    R.lim = this.pcpu.limit - this.pcpu.clock;
    R.bud = this.vcpu.domain.pendingHint ? 0 : Math.min(R.lim, BUDGET_CAP);
  }

  /** Stops the vCPU: the generated frames unwind when the host call that asked returns. */
  suspend(reason: StopReason): void {
    this.reason = reason;
    R.sus = 1;
  }

  /**
   * A check point found the budget spent or events possibly pending (the
   * frame's count is already flushed). With neither the limit reached nor an
   * event deliverable (a budget capped short of the limit), it only syncs.
   */
  check(): void {
    const R = this.R;
    const vcpu = this.vcpu;
    // Profiling: the node of the frame the check point interrupted, read on its first upcall.
    let interrupted: CallTreeNode | undefined;
    for (;;) {
      if (R.cyc >= R.lim) {
        this.suspend('limit');
        return;
      }
      this.sync();
      const port = this.host.deliverablePort(vcpu);
      if (port < 0) {
        if (lowestPending(vcpu.domain) < 0) vcpu.domain.pendingHint = false;
        this.relimit();
        return;
      }
      const rec = this.recorder;
      const before = vcpu.cycles;
      // The interrupted frame's depth (plain and profiling code publish it only at check points).
      const depth = R.depth;
      beginUpcall(this.host, vcpu, port, depth);
      this.sync();
      this.relimit();
      R.depth = depth + 1;
      if (rec) {
        // on_event runs below the upcall's frame under the interrupted frame's node (published before
        // check()). Neither is stored in the cursor: as after a plain call, generated code publishes its
        // frame's node before anything reads the cursor, and storing nodes into it runs V8's write barrier.
        interrupted ??= rec.cursor.top;
        const frame = rec.upcall(port, vcpu.cycles - before, this.pcpu.clock, interrupted);
        // A fresh call takes its depth and its own node (entered here, as a calling frame enters its callee's).
        const onEvent = vcpu.domain.program.onEvent;
        this.current.F[onEvent](undefined, depth + 1, rec.push(onEvent, frame), port);
        if (R.sus !== 0) return;
      } else {
        // Fresh functions (plain and profiling) take their depth as their second argument.
        if (this.stepping) this.current.F[vcpu.domain.program.onEvent](undefined, port);
        else this.current.F[vcpu.domain.program.onEvent](undefined, depth + 1, port);
        if (R.sus !== 0) return;
      }
      R.depth = depth;
      vcpu.inUpcall = false;
    }
  }

  /**
   * Where a frame at `pc` resumes: `-pc` re-enters the check boundary at pc
   * (with or after an upcall child), `+pc` the call, hypercall or hlt before it.
   */
  route(code: FlatOp[], pc: number): number {
    const childIsCallee = this.resumeIndex + 1 < this.resumeFrames.length && !this.resumeFrames[this.resumeIndex + 1].upcall;
    const op = code[pc];
    if (!childIsCallee && op.k === 'boundary' && (op.check || this.stepping)) return -pc;
    return pc;
  }

  /**
   * A suspending or faulting frame records itself: `fn`, where it resumes
   * (`site`), and its `slots` locals, which it writes into the array this
   * returns. Frames record innermost first, each into the running vCPU's
   * next spare record (made once, then reused). Profiling code passes the
   * frame's call-tree node: the frame takes it back as it resumes.
   */
  capture(flat: FlatOp[][], fn: number, site: number, slots: number, node: object | null): number[] {
    const pc = site <= 0 ? -site : site;
    const spare = this.spare;
    const k = this.taken++;
    let frame: Frame;
    if (k < spare.length) {
      frame = spare[k];
      frame.fn = fn;
      frame.pc = pc;
      frame.dst = -1;
      frame.upcall = false;
      frame.pvop = false;
      // Mostly the node it had: a vCPU suspending at the same depth again (a store would run V8's write barrier).
      if (frame.node !== node) frame.node = node;
      if (frame.locals.length !== slots) frame.locals = new Array<number>(slots).fill(0);
    } else {
      frame = { fn, pc, locals: new Array<number>(slots).fill(0), dst: -1, upcall: false, pvop: false, node };
      spare.push(frame);
    }
    // The frame captured before (its callee), if any.
    if (k > 0) {
      const child = spare[k - 1];
      if (site <= 0) child.upcall = true;
      else {
        const call = flat[fn][pc - 1];
        if (call.k === 'call') {
          child.dst = call.dst;
          child.pvop = call.target.k === 'pvop';
        }
      }
    }
    return frame.locals;
  }

  /**
   * The recorded frames, outermost first, as the vCPU's frame list: the list
   * this run resumed from when it is still the vCPU's and as long (its frames
   * are spent). Records handed to a fault or a debugger stop (`keep`) are
   * theirs to keep: the vCPU's next suspension makes new ones.
   */
  private takeCaptured(vcpu: Vcpu, keep: boolean): Frame[] {
    const n = this.taken;
    const spare = this.spare;
    let list = this.resumeFrames;
    if (keep || list !== vcpu.frames || list.length !== n) {
      list = [];
      for (let k = n - 1; k >= 0; k--) list.push(spare[k]);
    } else for (let k = 0; k < n; k++) list[n - 1 - k] = spare[k];
    if (keep) vcpu.spareFrames = [];
    return list;
  }

  run(vcpu: Vcpu): StopReason {
    const dom = vcpu.domain;
    const compiled = this.compile(dom.program);
    this.vcpu = vcpu;
    this.pcpu = this.host.pcpuOf(vcpu);
    this.current = compiled;
    compiled.setContext(dom.memory, dom.globals, dom, dom.dispatch, dom.patched ? COSTS.pvopPatched : COSTS.pvopIndirect, this.recorder?.cursor);
    const frames = vcpu.frames;
    if (vcpu.resumeResult !== undefined) {
      if (vcpu.resumeDst >= 0) frames[frames.length - 1].locals[vcpu.resumeDst] = vcpu.resumeResult;
      vcpu.resumeResult = undefined;
      vcpu.resumeDst = -1;
    }
    active = this;
    R.cyc = 0;
    R.depth = frames.length;
    R.hall = this.stepping && this.boundaryHook !== undefined && this.stopEverywhere;
    R.harm = this.stepping && this.boundaryHook !== undefined ? (this.armed.get(dom.program) ?? null) : null;
    R.skip = this.skipHook ? 1 : 0;
    R.fs = -1;
    R.hc = -1;
    this.skipHook = false;
    this.relimit();
    this.resumeFrames = frames;
    this.resumeIndex = 0;
    this.spare = vcpu.spareFrames;
    this.taken = 0;
    if (recorder !== this.recorder) recorder = this.recorder;
    if (recorder) recorder.enter(vcpu, this.pcpu.index, this.pcpu.clock);
    R.sus = 0;
    try {
      const value = compiled.F[frames[0].fn](frames[0]);
      this.sync();
      if (R.sus !== 0) {
        // The debugger's engine hands every stop new records (it may keep a stop's frames).
        if (this.reason !== 'done') vcpu.frames = this.takeCaptured(vcpu, this.stepping);
        return this.reason;
      }
      vcpu.frames = [];
      this.host.mainReturned(vcpu, value);
      return 'done';
    } catch (e) {
      this.sync();
      // A fault keeps the frames where it happened, for the debugger's stack trace.
      if (e instanceof GuestFault) vcpu.frames = this.takeCaptured(vcpu, true);
      throw e;
    } finally {
      R.sus = 0;
      this.resumeFrames = NO_FRAMES;
      this.spare = NO_FRAMES;
      active = undefined;
    }
  }
}

/**
 * The most cycles a frame runs between two check points' looks at the shared
 * state (a small integer: 2^30 - 1 is V8's largest small integer).
 */
const BUDGET_CAP = 0x3fffffff;

/** Cycles since the last sync, the limit relative to it, and the call depth: shared by all generated code. */
const R = {
  cyc: 0,
  lim: 0,
  /** `lim`, or 0 while the running domain may have events pending: the next check point then looks. */
  bud: 0,
  depth: 0,
  /** Non-zero while the vCPU is suspending: the generated frames record themselves and return. */
  sus: 0,
  /** Stepping: ask the hook at every boundary, or at the armed ones. */
  hall: false,
  harm: null as Uint8Array | null,
  /** 1 in the run that resumes from a hook stop: the resumed frame skips the hook once. */
  skip: 0,
  /** The site of the helper that last faulted with costs pending (-1: none): profiling code attributes them. */
  fs: -1,
  /** Profiling: the site of the hypercall in progress (-1: none) and its number; a frame's catch records one that throws. */
  hc: -1,
  hn: 0,
};

/**
 * A helper's guest fault at `site`: first charges what the statement ran
 * before it that the frame had not yet counted (`pending`).
 */
function faulting<T>(pending: number, site: number, action: () => T): T {
  try {
    return action();
  } catch (e) {
    if (e instanceof GuestFault) {
      R.cyc += pending;
      R.fs = site;
    }
    throw e;
  }
}

function divideByZero(site: number, pending: number): never {
  R.cyc += pending;
  R.fs = site;
  const loc = engine().loc(site);
  throw new GuestFault('divide-by-zero', 'division by zero', loc.file, loc.line);
}

/** Profiling: the hypercall number `nr` at site `s` threw (out of line: the usual path stays short). */
function hypercallThrew(e: FastEngine, nr: number, s: number): void {
  (recorder as EngineProfiler).hypercalled(s, nr, e.loc(s), e.vcpu.cycles - e.host.hypercallStart, e.pcpu.clock);
}

/**
 * Profiling: a hypercall at site `s` that heldBack() did not take (out of
 * line: hcallProfiled stays small enough for V8 to inline it, and what it
 * calls, into generated code, as it does the plain hcall).
 */
function hypercallRecorded(e: FastEngine, nr: number, s: number, cycles: number, clock: number): void {
  const rec = recorder as EngineProfiler;
  if (!rec.hypercalledAgain(s, cycles, clock)) rec.hypercalled(s, nr, e.loc(s), cycles, clock);
}

/** The helpers generated code calls; they act on the engine whose run is in progress. */
const RUNTIME = {
  imul: Math.imul,
  R,
  divu: (a: number, b: number, s: number, p: number) => (b === 0 ? divideByZero(s, p) : ((a >>> 0) / (b >>> 0)) | 0),
  divs: (a: number, b: number, s: number, p: number) => (b === 0 ? divideByZero(s, p) : (a / b) | 0),
  remu: (a: number, b: number, s: number, p: number) => (b === 0 ? divideByZero(s, p) : ((a >>> 0) % (b >>> 0)) | 0),
  rems: (a: number, b: number, s: number, p: number) => (b === 0 ? divideByZero(s, p) : (a % b) | 0),
  ld: (w: 8 | 16 | 32, a: number, s: number, p: number) => faulting(p, s, () => engine().vcpu.domain.memory.load(w, a, engine().loc(s))),
  st: (w: 8 | 16 | 32, a: number, v: number, s: number, p: number) => faulting(p, s, () => engine().vcpu.domain.memory.store(w, a, v, engine().loc(s))),
  intr: (name: string, args: number[], s: number) => {
    const e = engine();
    e.sync();
    const before = e.vcpu.cycles;
    const r = runIntrinsic(e.host, e.vcpu, name, args, e.loc(s));
    if (recorder) e.hostCalled(recorder, 'intrinsic', name, s, before);
    e.relimit();
    return r;
  },
  hcall: (nr: number, a0: number, a1: number, a2: number, a3: number, a4: number, s: number, dst: number) => {
    const e = engine();
    e.sync();
    const host = e.host;
    const value = host.hypercall(e.vcpu, nr, a0, a1, a2, a3, a4, e.loc(s));
    e.relimit();
    const end = host.hypercallEnd;
    if (end === HYPERCALL_DONE) return value;
    e.vcpu.resumeDst = dst;
    e.suspend(end === HYPERCALL_BLOCK ? 'blocked' : end === HYPERCALL_YIELD ? 'yield' : end === HYPERCALL_PAUSE ? 'breakpoint' : 'done');
    return 0;
  },
  /** Profiling: a frame's catch found the hypercall noted in `R.hn`/`R.hc` thrown (a pvk handler's panic or cycle limit): it is still recorded. */
  hcallThrew: () => {
    const s = R.hc;
    R.hc = -1;
    hypercallThrew(engine(), R.hn, s);
  },
  /**
   * Profiling: the hypercall number `nr` at site `s` that hcall() just
   * returned from: all its cycles its own. A loop's call like the last is only
   * counted (heldBack(), inlined); any other is recorded out of line.
   */
  hcallRecord: (nr: number, s: number) => {
    R.hc = -1;
    const e = engine();
    const cycles = e.vcpu.cycles - e.host.hypercallStart;
    const clock = e.pcpu.clock;
    if (!(recorder as EngineProfiler).heldBack(s, cycles, clock)) hypercallRecorded(e, nr, s, cycles, clock);
  },
  halt: (s: number) => {
    const e = engine();
    e.sync();
    const before = e.vcpu.cycles;
    const wait = e.host.halt(e.vcpu);
    if (recorder) e.hostCalled(recorder, 'intrinsic', 'hlt', s, before);
    e.relimit();
    if (wait) e.suspend('blocked');
  },
  limitStop: () => engine().suspend('limit'),
  hk: (id: number) => engine().atBoundary(id),
  isFault: (e: unknown) => e instanceof GuestFault,
  check: () => engine().check(),
  overflow: (fnId: number, s: number, pending: number) => {
    R.cyc += pending;
    R.fs = s;
    const e = engine();
    const loc = e.loc(s);
    throw new GuestFault('stack-overflow', `call depth above ${MAX_CALL_DEPTH} frames calling ${e.vcpu.domain.program.functions[fnId]?.name ?? '?'}`, loc.file, loc.line);
  },
  /** A frame records itself (see FastEngine.capture): the array its locals go into (profiling code passes its node). */
  capture: (fn: number, site: number, slots: number, node?: CallTreeNode) => {
    const e = engine();
    return e.capture(e.current.flat, fn, site, slots, node ?? null);
  },
  route: (fn: number, pc: number) => engine().route(engine().current.flat[fn], pc),
  hasChild: () => engine().resumeIndex + 1 < engine().resumeFrames.length,
  /** The depth of the frame being resumed (1 for the outermost). */
  rdepth: () => engine().resumeIndex + 1,
  resumeChild: () => {
    const e = engine();
    const i = ++e.resumeIndex;
    const frame = e.resumeFrames[i];
    return e.current.F[frame.fn](frame);
  },
  upcallDone: () => {
    engine().vcpu.inUpcall = false;
    R.depth--;
  },
  pe: (fn: number, parent: CallTreeNode) => (recorder as EngineProfiler).push(fn, parent),
  pf: (fn: number, parent: CallTreeNode) => (recorder as EngineProfiler).reach(fn, parent),
};
