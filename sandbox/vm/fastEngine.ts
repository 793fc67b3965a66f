import { COSTS } from '../hv/costs.js';
import { lowestPending } from '../hv/events.js';
import type { Frame, Vcpu } from '../hv/state.js';
import { generate } from './codegen.js';
import { MAX_CALL_DEPTH, type Engine, type EngineHost, type Pcpu, type StopReason } from './engine.js';
import { GuestFault } from './fault.js';
import type { FlatOp } from './flat.js';
import { runIntrinsic } from './intrinsics.js';
import type { Loc, Program } from './ir.js';
import { beginUpcall } from './upcall.js';
import type { GuestMemory } from './memory.js';

/** A compiled function: fresh when `rf` is undefined (then the params follow), resumed from `rf` otherwise. */
type CompiledFn = (rf: Frame | undefined, ...params: number[]) => number;

interface DomainContext {
  M: GuestMemory;
  G: Int32Array;
  D: Vcpu['domain'];
  DISP: Int32Array;
  PVC: number;
}

interface Compiled {
  F: CompiledFn[];
  setContext(ctx: DomainContext): void;
  flat: FlatOp[][];
  locs: Loc[];
}

/** Thrown through generated frames to suspend a vCPU; never escapes the engine. */
const SUSPEND = { suspend: true } as const;

/**
 * The fast engine: each program is compiled once to JavaScript (codegen.ts)
 * and run natively. A vCPU suspends by unwinding with SUSPEND, its frames
 * captured in the interpreter's format, so either engine can resume it.
 */
export class FastEngine implements Engine {
  private readonly compiled = new WeakMap<Program, Compiled>();
  /** Cycles since the last sync, the limit relative to it, and the call depth. */
  private readonly R = { cyc: 0, lim: 0, depth: 0 };
  private vcpu!: Vcpu;
  private pcpu!: Pcpu;
  private current!: Compiled;
  private resumeFrames: Frame[] = [];
  private resumeIndex = 0;
  private captured: Frame[] = [];
  private reason: StopReason = 'limit';

  constructor(private readonly host: EngineHost) {}

  /** The generated JavaScript of a program (for tests and inspection). */
  sourceOf(program: Program): string {
    return generate(program).source;
  }

  private compile(program: Program): Compiled {
    const cached = this.compiled.get(program);
    if (cached) return cached;
    const gen = generate(program);
    const factory = new Function('rt', gen.source) as (rt: unknown) => Pick<Compiled, 'F' | 'setContext'>;
    const made = factory(this.runtime(gen.locs, gen.flat, program));
    const compiled: Compiled = { F: made.F, setContext: made.setContext, flat: gen.flat, locs: gen.locs };
    this.compiled.set(program, compiled);
    return compiled;
  }

  private sync(): void {
    const used = this.R.cyc;
    this.R.cyc = 0;
    const v = this.vcpu;
    this.pcpu.clock += used;
    v.domain.cycles += used;
    v.cycles += used;
  }

  private relimit(): void {
    this.R.lim = this.pcpu.limit - this.pcpu.clock;
  }

  private suspend(reason: StopReason): never {
    this.reason = reason;
    throw SUSPEND;
  }

  /** The helpers generated code calls, bound to this engine and one program's fault locations. */
  private runtime(locs: Loc[], flat: FlatOp[][], program: Program): Record<string, unknown> {
    const fault = (kind: 'divide-by-zero', site: number): never => {
      const loc = locs[site];
      throw new GuestFault(kind, 'division by zero', loc.file, loc.line);
    };
    return {
      imul: Math.imul,
      SUSPEND,
      R: this.R,
      divu: (a: number, b: number, s: number) => (b === 0 ? fault('divide-by-zero', s) : ((a >>> 0) / (b >>> 0)) | 0),
      divs: (a: number, b: number, s: number) => (b === 0 ? fault('divide-by-zero', s) : (a / b) | 0),
      remu: (a: number, b: number, s: number) => (b === 0 ? fault('divide-by-zero', s) : ((a >>> 0) % (b >>> 0)) | 0),
      rems: (a: number, b: number, s: number) => (b === 0 ? fault('divide-by-zero', s) : (a % b) | 0),
      ld: (w: 8 | 16 | 32, a: number, s: number) => this.vcpu.domain.memory.load(w, a, locs[s]),
      st: (w: 8 | 16 | 32, a: number, v: number, s: number) => this.vcpu.domain.memory.store(w, a, v, locs[s]),
      intr: (name: string, args: number[], s: number) => {
        this.sync();
        const r = runIntrinsic(this.host, this.vcpu, name, args, locs[s]);
        this.relimit();
        return r;
      },
      hcall: (nr: number, args: number[], s: number, dst: number) => {
        this.sync();
        const outcome = this.host.hypercall(this.vcpu, nr, args, locs[s]);
        this.relimit();
        if (outcome.k === 'done') return outcome.value;
        this.vcpu.resumeDst = dst;
        return this.suspend(outcome.k === 'block' ? 'blocked' : outcome.k === 'yield' ? 'yield' : 'done');
      },
      halt: () => {
        this.sync();
        const wait = this.host.halt(this.vcpu);
        this.relimit();
        if (wait) this.suspend('blocked');
      },
      limitStop: () => this.suspend('limit'),
      check: (c: number) => this.check(c),
      overflow: (fnId: number, s: number) => {
        const loc = locs[s];
        throw new GuestFault('stack-overflow', `call depth above ${MAX_CALL_DEPTH} frames calling ${program.functions[fnId]?.name ?? '?'}`, loc.file, loc.line);
      },
      capture: (fn: number, site: number, locals: number[]) => this.capture(flat, fn, site, locals),
      route: (fn: number, pc: number) => this.route(flat[fn], pc),
      hasChild: () => this.resumeIndex + 1 < this.resumeFrames.length,
      resumeChild: () => {
        const i = ++this.resumeIndex;
        const frame = this.resumeFrames[i];
        return this.current.F[frame.fn](frame);
      },
      upcallDone: () => {
        this.vcpu.inUpcall = false;
        this.R.depth--;
      },
    };
  }

  /** A check point found the budget spent or events possibly pending. Returns the new local count (0). */
  private check(c: number): number {
    const R = this.R;
    R.cyc += c;
    const vcpu = this.vcpu;
    for (;;) {
      if (R.cyc >= R.lim) this.suspend('limit');
      this.sync();
      const port = this.host.deliverablePort(vcpu);
      if (port < 0) {
        if (lowestPending(vcpu.domain) < 0) vcpu.domain.pendingHint = false;
        this.relimit();
        return 0;
      }
      beginUpcall(this.host, vcpu, port, R.depth);
      this.sync();
      this.relimit();
      R.depth++;
      this.current.F[vcpu.domain.program.onEvent](undefined, port);
      R.depth--;
      vcpu.inUpcall = false;
    }
  }

  /**
   * Where a frame at `pc` resumes: `-pc` re-enters the check boundary at pc
   * (with or after an upcall child), `+pc` the call, hypercall or hlt before it.
   */
  private route(code: FlatOp[], pc: number): number {
    const childIsCallee = this.resumeIndex + 1 < this.resumeFrames.length && !this.resumeFrames[this.resumeIndex + 1].upcall;
    const op = code[pc];
    if (!childIsCallee && op.k === 'boundary' && op.check) return -pc;
    return pc;
  }

  private capture(flat: FlatOp[][], fn: number, site: number, locals: number[]): void {
    const pc = site <= 0 ? -site : site;
    const frame: Frame = { fn, pc, locals: Int32Array.from(locals), dst: -1, upcall: false, pvop: false };
    const child = this.captured[this.captured.length - 1];
    if (child) {
      if (site <= 0) child.upcall = true;
      else {
        const call = flat[fn][pc - 1];
        if (call.k === 'call') {
          child.dst = call.dst;
          child.pvop = call.target.k === 'pvop';
        }
      }
    }
    this.captured.push(frame);
  }

  run(vcpu: Vcpu): StopReason {
    const dom = vcpu.domain;
    const compiled = this.compile(dom.program);
    this.vcpu = vcpu;
    this.pcpu = this.host.pcpuOf(vcpu);
    this.current = compiled;
    compiled.setContext({ M: dom.memory, G: dom.globals, D: dom, DISP: dom.dispatch, PVC: dom.patched ? COSTS.pvopPatched : COSTS.pvopIndirect });
    const frames = vcpu.frames;
    if (vcpu.resumeResult !== undefined) {
      if (vcpu.resumeDst >= 0) frames[frames.length - 1].locals[vcpu.resumeDst] = vcpu.resumeResult;
      vcpu.resumeResult = undefined;
      vcpu.resumeDst = -1;
    }
    const R = this.R;
    R.cyc = 0;
    R.depth = frames.length;
    this.relimit();
    this.resumeFrames = frames;
    this.resumeIndex = 0;
    this.captured = [];
    try {
      const value = compiled.F[frames[0].fn](frames[0]);
      this.sync();
      vcpu.frames = [];
      this.host.mainReturned(vcpu, value);
      return 'done';
    } catch (e) {
      this.sync();
      if (e !== SUSPEND) throw e;
      if (this.reason !== 'done') vcpu.frames = this.captured.reverse();
      return this.reason;
    } finally {
      this.resumeFrames = [];
      this.captured = [];
    }
  }
}
