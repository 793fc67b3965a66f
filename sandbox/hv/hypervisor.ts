import type { SystemConfig } from '../lang/systems.js';
import { HYPERCALL_DONE, HYPERCALL_PAUSE, type Engine, type EngineHost, type Pcpu, type StopReason } from '../vm/engine.js';
import { GuestFault } from '../machine/fault.js';
import { intrinsicCost, countExit } from '../vm/intrinsics.js';
import type { Loc, Program } from '../machine/ir.js';
import { GuestMemory } from '../machine/memory.js';
import { COSTS } from '../machine/costs.js';
import { raiseTimer } from './events.js';
import { revokeGrants } from './grants.js';
import { chargeFailedHandler, entryOf, hypercallCost, hypercallEnd, invoke, systemDispatchTable, versionCode, type DispatchTable, type HypercallHost } from './hypercalls.js';
import { BootedExtensions, type PanicInfo } from './extensions.js';
import { HandlerOutOfCycles, HypervisorPanic, type HandlerDebug, type HandlerFrame, type HandlerResult, type PausedHandler, type HandlerObserver } from './pvkHandlers.js';
import type { HypercallDecl, Stmt } from '../lang/ast.js';
import { IndexedHeap } from './heap.js';
import { RunQueue } from './runQueue.js';
import { age, capAllows, capResumesAt, CAP_PERIOD_SLICES, chargeCap, firesBefore, SYNC_QUANTUM } from './scheduler.js';
import { Domain, lowestPending, type FaultInfo, type Frame, type Vcpu } from '../machine/state.js';

export type RunEnd = 'exited' | 'deadlock' | 'max-cycles' | 'panic';

/** What a profiler hears from the scheduler (machine times are pcpu clocks). */
export interface SchedulingObserver {
  /** A run of `v` from `start` to `end` ended; `v.status` says what it does next. */
  ran(v: Vcpu, start: number, end: number): void;
  woke(v: Vcpu, at: number): void;
  unpaused(d: Domain, at: number): void;
  restarted(v: Vcpu): void;
  stopped(v: Vcpu, at: number): void;
  eventSent(to: Domain, port: number, at: number): void;
}

/** Where a hypercall handler is, for a debugger: before `stmt`, in `frames` (innermost last). */
export interface HandlerPosition {
  decl: HypercallDecl;
  stmt: Stmt;
  frames: readonly HandlerFrame[];
  /** The handler's own cycles so far. */
  cycles: number;
  /** The first statement of the innermost frame. */
  entry: boolean;
  /** The calling vCPU's call depth (1 in main). */
  guestDepth: number;
}

/** A handler a debugger paused, on the vCPU that made the hypercall. */
export interface PausedHypercall {
  vcpu: Vcpu;
  decl: HypercallDecl;
  guestDepth: number;
  state: PausedHandler;
}

export interface BootOptions {
  maxCycles: number;
  /** Overrides the system's `patch_pvops` (the CLI's --patch-pvops). */
  patchPvops?: boolean;
}

/**
 * The pvlab hypervisor: boots a system's domains, schedules their vCPUs over
 * the pcpus deterministically, serves hypercalls, delivers events and keeps
 * every counter. Guest faults become domain state, never exceptions out of run().
 */
export class Hypervisor implements EngineHost, HypercallHost {
  readonly domains: Domain[] = [];
  readonly pcpus: Pcpu[] = [];
  readonly hypervisorVersion: string | null;
  readonly versionCode: number;
  readonly hypercallTable: DispatchTable;
  /** How the last hypercall ended (HYPERCALL_…). */
  hypercallEnd = HYPERCALL_DONE;
  /** The arguments of the hypercall being made (one array, refilled per call). */
  private readonly args = [0, 0, 0, 0, 0];
  engine!: Engine;
  /** Cycles charged to the hypervisor (context switches) and idle time, per pcpu. */
  readonly hypervisorCycles: number[];
  readonly idleCycles: number[];
  /** Where the current timeslice of each pcpu ends. */
  private readonly sliceEnd: number[];
  end: RunEnd | undefined;
  private runSeq = 0;
  private readonly capPeriod: number;
  /** The pcpu running a vCPU right now (for wake-up times), or undefined between runs. */
  private current: Pcpu | undefined;
  private yielded: Vcpu | undefined;
  /** A debugger listening for hypercall errors and traps / VM exits. */
  observer: { hypercallError?(vcpu: Vcpu, nr: number, value: number): void; exit?(vcpu: Vcpu, name: string, kind: 'trap' | 'vmexit'): void } | undefined;
  /** The most recent fault, with the faulting vCPU's frames (for the debugger). */
  lastFault: { vcpu: Vcpu; frames: Frame[]; fault: FaultInfo } | undefined;
  /** A profiler listening to scheduling and events. */
  scheduling: SchedulingObserver | undefined;
  /** A profiler listening to the pvk handlers of extension hypercalls (null: none, the handlers pay nothing). */
  handlerObserver: HandlerObserver | null = null;
  /** A debugger's say before each statement of a hypercall handler (not in multicalls): true pauses it there. */
  handlerHook: ((v: Vcpu, at: HandlerPosition) => boolean) | undefined;
  /** The handler the debugger paused: the next step (on its vCPU) finishes it before the guest goes on. */
  pausedHandler: PausedHypercall | undefined;
  /** A vCPU a debugger hook stopped mid-slice: the next step resumes it. */
  interrupted: { v: Vcpu; p: Pcpu; start: number } | undefined;
  /** The extensions booted with the built-in table, their state and the hypervisor console. */
  readonly extensions: BootedExtensions;
  /** Set when hypervisor code faulted: the run ended `panic`. */
  panic: PanicInfo | undefined;
  /** Each domain's first slot (by domid): a vCPU's slot is that plus its id, in boot order. */
  private readonly slotBase: number[] = [];
  private readonly slotOf = (v: Vcpu): number => this.slotBase[v.domain.id] + v.id;
  /** The runnable vCPUs of running domains, in the order the scheduler picks them. */
  private readonly runQueue: RunQueue;
  /** The vCPUs whose timer is set, earliest deadline first. */
  private readonly timers: IndexedHeap<Vcpu>;
  /** Timers due now, reused by fireTimers. */
  private readonly due: Vcpu[] = [];
  /** The pcpu a decision is being made for (read by the predicates below, made once). */
  private deciding!: Pcpu;
  private readonly canRunNow = (v: Vcpu): boolean => v !== this.yielded && this.eligible(this.deciding, v);
  private readonly blockedInRunning = (v: Vcpu): boolean => v.status === 'blocked' && v.domain.state === 'running';
  private readonly dueAfter = (v: Vcpu): boolean => v.timerDeadline > this.deciding.clock;

  constructor(
    readonly system: SystemConfig,
    programs: ReadonlyMap<string, Program>,
    readonly options: BootOptions,
  ) {
    this.hypervisorVersion = system.hypervisor;
    this.extensions = new BootedExtensions(system.extensions);
    this.versionCode = system.hypervisor === null ? 0 : versionCode(system.hypervisor);
    this.hypercallTable = systemDispatchTable(system.hypervisor, this.extensions);
    for (let i = 0; i < system.pcpus; i++) this.pcpus.push({ index: i, clock: 0, limit: 0, last: null });
    this.hypervisorCycles = this.pcpus.map(() => 0);
    this.idleCycles = this.pcpus.map(() => 0);
    this.sliceEnd = this.pcpus.map(() => 0);
    this.capPeriod = system.timeslice * CAP_PERIOD_SLICES;
    const patched = options.patchPvops ?? system.patchPvops;
    let slots = 0;
    for (const config of system.domains) {
      this.slotBase[config.domid] = slots;
      slots += config.vcpus;
    }
    this.timers = new IndexedHeap(slots, this.slotOf, (v, w) => firesBefore(v, w, this.slotOf));
    for (const config of system.domains) {
      const program = programs.get(config.kernel);
      if (!program) throw new Error(`no program compiled for ${config.kernel}`);
      const dispatch = new Int32Array(program.pvops.map((p) => (config.mode === 'pv' ? p.xen : p.native)));
      const globals = new Int32Array(program.globals.map((g) => g.init));
      const d = new Domain(config.domid, config, program, new GuestMemory(config.memory), dispatch, globals);
      d.patched = patched;
      this.domains.push(d);
    }
    this.runQueue = new RunQueue(this.domains);
    for (const d of this.domains) for (const v of d.vcpus) this.startAtMain(v);
  }

  get pcpuCount(): number {
    return this.pcpus.length;
  }

  domain(id: number): Domain | undefined {
    return this.domains[id];
  }

  /** Machine time: the largest pcpu clock. */
  get elapsed(): number {
    let max = -Infinity;
    for (const p of this.pcpus) if (p.clock > max) max = p.clock;
    return max;
  }

  private startAtMain(v: Vcpu): void {
    const program = v.domain.program;
    const main = program.functions[program.main];
    v.frames = [{ fn: main.id, pc: 0, locals: new Array<number>(main.slots).fill(0), dst: -1, upcall: false, pvop: false, node: null }];
    v.status = 'runnable';
    v.inUpcall = false;
    v.resumeResult = undefined;
    v.resumeDst = -1;
    this.requeue(v);
    this.scheduling?.restarted(v);
  }

  // ------------------------------------------------------------ the run loop

  /** Runs until every vCPU is done or stuck, or the cycle limit. Returns how it ended. */
  run(): RunEnd {
    while (this.end === undefined) this.step();
    return this.end;
  }

  /**
   * One scheduling decision: runs one vCPU for up to a timeslice, or idles a
   * pcpu. Returns 'breakpoint' when a debugger hook stopped the vCPU; the next
   * call then resumes it exactly there, in the same slice, as if never stopped.
   */
  step(): StopReason | 'idle' {
    if (this.interrupted) return this.runVcpu(this.interrupted.v, this.interrupted.p, this.interrupted.start);
    const p = this.lowestPcpu();
    if (p.clock >= this.options.maxCycles) {
      this.end = 'max-cycles';
      return 'idle';
    }
    this.fireTimers(p.clock);
    const v = this.choose(p);
    if (!v) {
      this.idle(p);
      return 'idle';
    }
    // A pcpu's first vCPU is a dispatch, not a switch: only a change from another vCPU costs.
    if (p.last !== v) {
      if (p.last !== null) {
        p.clock += COSTS.contextSwitch;
        this.hypervisorCycles[p.index] += COSTS.contextSwitch;
      }
      p.last = v;
    }
    v.pcpu = p.index;
    this.sliceEnd[p.index] = p.clock + this.system.timeslice;
    // A sole runnable vCPU runs on until something can change: a timer, its cap, the
    // cycle limit, or a wake-up / unpause during its run (which lowers p.limit).
    let limit = Math.min(this.nextTimer(p), this.options.maxCycles, this.capLimit(v.domain, p.clock));
    if (this.othersRunnable(v)) limit = Math.min(limit, this.sliceEnd[p.index], this.syncLimit(p));
    p.limit = limit;
    return this.runVcpu(v, p, p.clock);
  }

  private runVcpu(v: Vcpu, p: Pcpu, start: number): StopReason {
    const paused = this.pausedHandler?.vcpu === v ? this.pausedHandler : undefined;
    if (this.interrupted && !paused) this.engine.resumeAfterStop?.(v);
    this.interrupted = undefined;
    this.current = p;
    let stop: StopReason;
    try {
      stop = paused ? this.finishHandler(paused, p) : this.engine.run(v);
    } catch (e) {
      stop = 'done';
      if (e instanceof HypervisorPanic) {
        // Hypervisor code has no isolation: the whole machine stops, every domain as it was.
        this.panic = { kind: e.kind, message: e.message, file: e.file, line: e.line };
        this.end = 'panic';
      } else if (e instanceof HandlerOutOfCycles) this.end = 'max-cycles';
      else if (e instanceof GuestFault) this.crash(v.domain, e, v);
      else throw e;
    } finally {
      this.current = undefined;
    }
    if (stop === 'breakpoint') {
      this.interrupted = { v, p, start };
      return stop;
    }
    const used = p.clock - start;
    age(v.domain, used);
    chargeCap(v.domain, start, this.capPeriod, used);
    v.readyAt = p.clock;
    v.lastRan = this.runSeq++;
    if (stop === 'blocked' && v.status === 'runnable') v.status = 'blocked';
    // Its domain's vtime and its last run changed: both back in order, then in or out by its status.
    this.runQueue.ran(v);
    this.requeue(v);
    this.scheduling?.ran(v, start, p.clock);
    this.yielded = stop === 'yield' ? v : undefined;
    if (stop === 'yield') v.resumeResult = 0;
    return stop;
  }

  /**
   * Goes on with the handler a debugger paused, then with its vCPU, exactly
   * as if the hypercall had never paused: the call's whole cost is charged
   * when the handler returns, and the guest checks its limit right after.
   */
  private finishHandler(h: PausedHypercall, p: Pcpu): StopReason {
    const v = h.vcpu;
    this.pausedHandler = undefined;
    let r: HandlerResult;
    try {
      r = this.extensions.resume(this, v, h.state, this.handlerDebug(v, h.decl, h.guestDepth));
    } catch (e) {
      chargeFailedHandler(this, v, h.decl, false, e);
      throw e;
    }
    if (r.paused) {
      this.pausedHandler = { ...h, state: r.paused };
      return 'breakpoint';
    }
    this.charge(v, COSTS.hypercallBase + h.decl.cost + r.cycles);
    v.resumeResult = r.value;
    if (r.value < 0) this.observer?.hypercallError?.(v, h.decl.number, r.value);
    if (p.clock >= p.limit) return 'limit';
    return this.engine.run(v);
  }

  private handlerDebug(v: Vcpu, decl: HypercallDecl, guestDepth: number): HandlerDebug | undefined {
    const hook = this.handlerHook;
    return hook && { atStatement: (stmt, frames, cycles, entry) => hook(v, { decl, stmt, frames, cycles, entry, guestDepth }) };
  }

  private othersRunnable(v: Vcpu): boolean {
    return this.runQueue.size - (this.runQueue.has(v) ? 1 : 0) > 0;
  }

  /** The pcpu with the lowest clock (ties: the lowest index). */
  private lowestPcpu(): Pcpu {
    const pcpus = this.pcpus;
    let best = pcpus[0];
    for (let i = 1; i < pcpus.length; i++) if (pcpus[i].clock < best.clock) best = pcpus[i];
    return best;
  }

  /** Keeps v's place in the run queue in step with its status and its domain's state. */
  private requeue(v: Vcpu): void {
    if (v.status === 'runnable' && v.domain.state === 'running') this.runQueue.add(v);
    else this.runQueue.remove(v);
  }

  /** Keeps v's place among the timers in step with its deadline. */
  private retime(v: Vcpu): void {
    if (v.timerDeadline < 0) this.timers.remove(v);
    else if (this.timers.has(v)) this.timers.update(v);
    else this.timers.push(v);
  }

  /** The time at which a capped domain has used its share of the current period. */
  private capLimit(d: Domain, now: number): number {
    if (d.config.cap === null) return Infinity;
    const index = Math.floor(now / this.capPeriod);
    const used = index === d.capPeriod ? d.capUsed : 0;
    return now + Math.max(1, (d.config.cap / 100) * this.capPeriod - used);
  }

  /** Something became runnable while a vCPU runs: end its run at its slice end at the latest. */
  private somethingWoke(): void {
    const p = this.current;
    if (p) p.limit = Math.min(p.limit, Math.max(p.clock, Math.min(this.sliceEnd[p.index], this.syncLimit(p))));
  }

  private eligible(p: Pcpu, v: Vcpu): boolean {
    return v.status === 'runnable' && v.domain.state === 'running' && v.readyAt <= p.clock && capAllows(v.domain, p.clock, this.capPeriod);
  }

  /**
   * The first vCPU in run-queue order that can run on p now, passing over
   * the one that just yielded if another can run.
   */
  private choose(p: Pcpu): Vcpu | undefined {
    this.deciding = p;
    const v = this.runQueue.first(this.canRunNow);
    if (v !== undefined) return v;
    const y = this.yielded;
    return y !== undefined && this.eligible(p, y) ? y : undefined;
  }

  /** Nothing can run on p now: jump its clock to the next thing that can happen, or end the run. */
  private idle(p: Pcpu): void {
    let next = Infinity;
    // Runnable vCPUs that cannot run yet (they ran elsewhere until later, or their cap is used up).
    this.runQueue.forEach((v) => {
      next = Math.min(next, v.readyAt > p.clock ? v.readyAt : capResumesAt(p.clock, this.capPeriod));
    });
    // The earliest timer of a blocked vCPU of a running domain.
    const t = this.timers.first(this.blockedInRunning);
    if (t !== undefined) next = Math.min(next, Math.max(t.timerDeadline, p.clock + 1));
    for (const other of this.pcpus) if (other !== p && other.clock > p.clock) next = Math.min(next, other.clock);
    if (next === Infinity) {
      this.end = this.stuck() ? 'deadlock' : 'exited';
      return;
    }
    const to = Math.min(next, this.options.maxCycles);
    this.idleCycles[p.index] += to - p.clock;
    p.clock = to;
  }

  /** True when some vCPU of a running domain is blocked with nothing pending and no timer. */
  private stuck(): boolean {
    return this.domains.some((d) => d.state === 'running' && d.vcpus.some((v) => v.status === 'blocked' && v.timerDeadline < 0 && lowestPending(d) < 0));
  }

  private syncLimit(p: Pcpu): number {
    let min = Infinity;
    for (const other of this.pcpus) if (other !== p) min = Math.min(min, other.clock);
    return min === Infinity ? Infinity : Math.max(p.clock, min) + SYNC_QUANTUM;
  }

  // ------------------------------------------------------------ time

  hypercallName(nr: number): string | undefined {
    return entryOf(this.hypercallTable, nr)?.name;
  }

  get plainHandlers(): boolean {
    return this.handlerHook === undefined && this.handlerObserver === null && this.engine.compiledHandlers === true;
  }

  runPlainExtension(entry: number, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[]): number {
    return this.extensions.runPlain(this, entry, vcpu, args, this.handlerBudget(vcpu, decl));
  }

  /** The cycles a compiled handler of `decl` may run before the machine's limit (after the hypercall's own cost). */
  private handlerBudget(vcpu: Vcpu, decl: HypercallDecl): number {
    return Math.max(0, this.options.maxCycles - this.pcpus[Math.max(0, vcpu.pcpu)].clock - COSTS.hypercallBase - decl.cost);
  }

  get profiledHandlers(): boolean {
    return this.handlerHook === undefined && this.handlerObserver !== null && this.engine.compiledHandlers === true;
  }

  runProfiledExtension(entry: number, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): number {
    // A profiler places a multicall's entries apart from direct calls of the same hypercall.
    const observer = this.handlerObserver as HandlerObserver;
    observer.nested = nested ? 1 : 0;
    return this.extensions.runProfiled(this, entry, vcpu, args, this.handlerBudget(vcpu, decl), observer);
  }

  runExtension(decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): HandlerResult {
    // A profiler places a multicall's entries apart from direct calls of the same hypercall.
    if (this.handlerObserver !== null) this.handlerObserver.nested = nested ? 1 : 0;
    // The plain path (no debugger): nothing computed for one.
    if (this.handlerHook === undefined) return this.extensions.run(this, decl, vcpu, args, this.now(vcpu), this.options.maxCycles, undefined, this.handlerObserver, this.engine.compiledHandlers === true);
    const guestDepth = this.engine.depth ?? Math.max(1, vcpu.frames.length);
    const r = this.extensions.run(this, decl, vcpu, args, this.now(vcpu), this.options.maxCycles, nested ? undefined : this.handlerDebug(vcpu, decl, guestDepth), this.handlerObserver, this.engine.compiledHandlers === true);
    if (r.paused) this.pausedHandler = { vcpu, decl, guestDepth, state: r.paused };
    return r;
  }

  now(vcpu: Vcpu): number {
    return this.pcpus[Math.max(0, vcpu.pcpu)].clock;
  }

  charge(vcpu: Vcpu, cycles: number): void {
    this.pcpus[Math.max(0, vcpu.pcpu)].clock += cycles;
    vcpu.domain.cycles += cycles;
    vcpu.cycles += cycles;
  }

  pcpuOf(vcpu: Vcpu): Pcpu {
    return this.pcpus[Math.max(0, vcpu.pcpu)];
  }

  setTimer(v: Vcpu, deadline: number): void {
    if (deadline === 0) {
      v.timerDeadline = -1;
      this.retime(v);
      return;
    }
    const now = this.now(v);
    const low = now % 0x1_0000_0000;
    v.timerDeadline = deadline <= low ? now : now + (deadline - low);
    this.retime(v);
    const p = this.pcpuOf(v);
    p.limit = Math.min(p.limit, v.timerDeadline);
  }

  /** The earliest timer deadline after the clock of the pcpu deciding (p), or Infinity. */
  private nextTimer(p: Pcpu): number {
    this.deciding = p;
    const v = this.timers.first(this.dueAfter);
    return v === undefined ? Infinity : v.timerDeadline;
  }

  /** Fires the timers due at `now` in boot order (domain, then vCPU), those of live domains only. */
  private fireTimers(now: number): void {
    const due = this.due;
    for (let v = this.timers.peek(); v !== undefined && v.timerDeadline <= now; v = this.timers.peek()) due.push(this.timers.pop() as Vcpu);
    if (due.length === 0) return;
    if (due.length > 1) due.sort((a, b) => this.slotOf(a) - this.slotOf(b));
    for (const v of due) {
      const d = v.domain;
      if (!d.alive) {
        this.timers.push(v);
        continue;
      }
      v.timerDeadline = -1;
      raiseTimer(this, d);
      if (v.status === 'blocked') this.wake(v, now);
    }
    due.length = 0;
  }

  // ------------------------------------------------------------ events

  private wake(v: Vcpu, at: number): void {
    v.status = 'runnable';
    v.resumeResult = 0;
    v.readyAt = Math.max(v.readyAt, at);
    this.requeue(v);
    this.scheduling?.woke(v, v.readyAt);
    this.somethingWoke();
  }

  notify(d: Domain, port: number): void {
    const at = this.current?.clock ?? this.elapsed;
    this.scheduling?.eventSent(d, port, at);
    for (const v of d.vcpus) if (v.status === 'blocked') this.wake(v, at);
    this.eventsChanged(d.vcpus[0]);
  }

  /** Keeps the pv shared-info upcall-pending byte of vCPU 0 in step with the ports. */
  eventsChanged(vcpu: Vcpu): void {
    const d = vcpu.domain;
    if (d.mode === 'pv' && d.memory.limit > 1) d.memory.bytes[1] = lowestPending(d) >= 0 ? 1 : 0;
  }

  deliverablePort(vcpu: Vcpu): number {
    if (vcpu.id !== 0 || vcpu.inUpcall) return -1;
    const d = vcpu.domain;
    if (d.program.onEvent < 0) return -1;
    const masked = d.mode === 'pv' ? d.memory.limit > 0 && d.memory.bytes[0] !== 0 : !vcpu.interruptsEnabled;
    if (masked) return -1;
    return lowestPending(d);
  }

  // ------------------------------------------------------------ engine services

  /** The calling vCPU's cycles when the last hypercall began (profiling takes what it cost from them). */
  hypercallStart = 0;

  hypercall(vcpu: Vcpu, nr: number, a0: number, a1: number, a2: number, a3: number, a4: number, loc: Loc): number {
    this.hypercallStart = vcpu.cycles;
    if (this.hypervisorVersion === null) {
      throw new GuestFault('no-hypervisor', `hypercall #${nr} on bare metal: there is no hypervisor ('hypervisor none')`, loc.file, loc.line);
    }
    const args = this.args;
    args[0] = a0;
    args[1] = a1;
    args[2] = a2;
    args[3] = a3;
    args[4] = a4;
    const value = invoke(this, vcpu, nr, args, false) | 0;
    const end = hypercallEnd();
    this.hypercallEnd = end;
    // A handler a debugger paused: its cost is charged when it finishes (finishHandler).
    if (end === HYPERCALL_PAUSE) return 0;
    this.charge(vcpu, COSTS.hypercallBase + hypercallCost());
    if (end === HYPERCALL_DONE && value < 0) this.observer?.hypercallError?.(vcpu, nr, value);
    return value;
  }

  exitObserved(vcpu: Vcpu, name: string, kind: 'trap' | 'vmexit'): void {
    this.observer?.exit?.(vcpu, name, kind);
  }

  halt(vcpu: Vcpu): boolean {
    this.charge(vcpu, intrinsicCost('hlt', vcpu.domain.mode));
    countExit(this, vcpu, 'hlt');
    return lowestPending(vcpu.domain) < 0;
  }

  mainReturned(vcpu: Vcpu, value: number): void {
    if (vcpu.id === 0) this.shutdown(vcpu.domain, value >>> 0);
    else this.vcpuDown(vcpu);
  }

  // ------------------------------------------------------------ domain lifecycle

  shutdown(d: Domain, code: number): void {
    d.state = 'exited';
    d.exitCode = code;
    this.stopVcpus(d);
  }

  private crash(d: Domain, fault: GuestFault, at: Vcpu): void {
    d.state = 'crashed';
    d.fault = { kind: fault.kind, message: fault.message, file: d.program.files[fault.file] ?? '', line: fault.line };
    // The debugger shows where it happened: keep the faulting vCPU's frames.
    const frames = at.frames;
    this.stopVcpus(d);
    this.lastFault = { vcpu: at, frames, fault: d.fault };
  }

  destroy(d: Domain): void {
    d.state = 'destroyed';
    revokeGrants(this.domains, d);
    this.stopVcpus(d);
  }

  pause(d: Domain): void {
    if (d.state === 'running') d.state = 'paused';
    for (const v of d.vcpus) this.requeue(v);
  }

  unpause(d: Domain): void {
    if (d.state === 'paused') {
      d.state = 'running';
      for (const v of d.vcpus) this.requeue(v);
      this.scheduling?.unpaused(d, this.current?.clock ?? this.elapsed);
    }
    this.somethingWoke();
  }

  vcpuUp(v: Vcpu): void {
    this.startAtMain(v);
    v.readyAt = Math.max(v.readyAt, this.current?.clock ?? 0);
    this.somethingWoke();
  }

  vcpuDown(v: Vcpu): void {
    if (v.status !== 'down') this.scheduling?.stopped(v, this.current?.clock ?? this.elapsed);
    v.status = 'down';
    v.frames = [];
    v.timerDeadline = -1;
    this.requeue(v);
    this.retime(v);
    // As Xen does: a domain whose last vCPU goes down (vcpu_op down, or main returning on a
    // vCPU other than 0 after vCPU 0 went down) has nothing left to run: it powers off, code 0.
    const d = v.domain;
    if (d.state === 'running' && d.vcpus.every((w) => w.status === 'down')) this.shutdown(d, 0);
  }

  private stopVcpus(d: Domain): void {
    for (const v of d.vcpus) this.vcpuDown(v);
  }

  stateCode(d: Domain): number {
    switch (this.stateName(d)) {
      case 'running':
        return 0;
      case 'blocked':
        return 1;
      case 'paused':
        return 2;
      case 'exited':
        return 3;
      default:
        return 4;
    }
  }

  /** The state the CLI reports: running domains whose live vCPUs all block are `blocked`. */
  stateName(d: Domain): Domain['state'] {
    if (d.state !== 'running') return d.state;
    const live = d.vcpus.filter((v) => v.status !== 'down');
    return live.length > 0 && live.every((v) => v.status === 'blocked') ? 'blocked' : 'running';
  }
}
