import type { Analysis } from '../lang/analysis.js';
import type { HandlerPosition, Hypervisor } from '../hv/hypervisor.js';
import type { HandlerFrame } from '../hv/pvkHandlers.js';
import { COSTS } from '../machine/costs.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { compileSystem, startHypervisor, type BootRequest, type BootResult, type CompileResult } from '../run/boot.js';
import { FastEngine } from '../vm/fastEngine.js';
import type { Program } from '../machine/ir.js';
import { Breakpoints, type FunctionBreakpoint, type LineBreakpoint, type LineBreakpointRequest } from './breakpoints.js';
import { evaluate, formatValue, type EvalScope } from './evaluate.js';
import { allVcpus } from './positions.js';
import { hypervisorFrameAt, hypervisorFunctionNames, hypervisorLines, hypervisorName } from './handlerFrames.js';
import { ReverseExecution } from './reverse.js';

export type StopKind = 'entry' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'step' | 'pause' | 'exception' | 'goto';

export interface Stop {
  kind: StopKind;
  vcpu: Vcpu;
  /** The boundary the vCPU stopped before (-1 for a fault). */
  boundary?: number;
  description?: string;
  breakpointIds: number[];
}

type Step = { vcpu: Vcpu; how: 'in' | 'over' | 'out'; depth: number; startCycles: number };

/**
 * The debugger's machine, independent of DAP: boots a system on the stepping
 * engine, stops where its breakpoints (breakpoints.ts), a step, a pause or
 * an exception filter say, steps one vCPU, and goes back by replaying the
 * deterministic machine from boot (reverse.ts).
 */
export class DebugMachine {
  hv!: Hypervisor;
  private engine!: FastEngine;
  readonly breakpoints = new Breakpoints();
  private readonly reverse = new ReverseExecution(this);
  readonly filters = new Set<string>();
  /** What the running machine should stop for. */
  private step: Step | undefined;
  private pauseRequested = false;
  private pendingException: { vcpu: Vcpu; text: string } | undefined;
  private faultSeen: unknown;
  private candidate: { kind: StopKind; ids: number[]; description?: string; boundary: number } | undefined;
  private hookBoundary = -1;
  stopped: Stop | undefined;
  /** Text of logpoints, for the adapter to show. */
  readonly logs: string[] = [];

  /** The system compiled once from the analysis; every (re-)boot starts from it. */
  private compiled: CompileResult | undefined;

  constructor(
    private readonly analysis: Analysis,
    private readonly request: BootRequest,
  ) {}

  /** Boots (or re-boots, for replay). */
  boot(): BootResult {
    this.compiled ??= compileSystem(this.analysis, this.request);
    const compiled = this.compiled;
    if (!compiled.ok) return compiled;
    this.hv = startHypervisor(compiled, { ...this.request, engine: 'step' });
    this.engine = this.hv.engine as FastEngine;
    this.engine.boundaryHook = (v, b, depth) => this.hook(v, b.id, depth);
    this.hv.handlerHook = (v, at) => this.handlerHook(v, at);
    this.hv.observer = {
      hypercallError: (v, nr, value) => {
        if (this.filters.has('hypercall-errors')) this.pendingException = { vcpu: v, text: `hypercall ${this.hv.hypercallName(nr) ?? nr} returned ${value}` };
      },
      exit: (v, name, kind) => {
        if (this.filters.has('traps')) this.pendingException = { vcpu: v, text: `${kind === 'trap' ? 'trap' : 'VM exit'}: ${name}()` };
      },
    };
    this.vcpuList = allVcpus(this.hv);
    this.vcpuIndex = new Map(this.vcpuList.map((v, i) => [v, i]));
    this.faultSeen = undefined;
    this.stopped = undefined;
    this.rearm();
    return { ok: true, hv: this.hv, system: compiled.system, analysis: compiled.analysis };
  }

  private vcpuList: Vcpu[] = [];
  private vcpuIndex = new Map<Vcpu, number>();

  get vcpus(): Vcpu[] {
    return this.vcpuList;
  }

  indexOf(v: Vcpu): number {
    return this.vcpuIndex.get(v) ?? -1;
  }

  /** Exception filters ('faults', 'hypercall-errors', 'traps'). */
  setFilters(filters: readonly string[]): void {
    this.filters.clear();
    for (const f of filters) this.filters.add(f);
    this.rearm();
  }

  private programs(): Program[] {
    return [...new Set(this.hv.domains.map((d) => d.program))];
  }

  // ------------------------------------------------------------ breakpoints

  setLineBreakpoints(file: string, requests: readonly LineBreakpointRequest[]): LineBreakpoint[] {
    const list = this.breakpoints.setLines(file, requests, this.programs(), hypervisorLines(this.hv.extensions).get(file));
    this.rearm();
    return list;
  }

  setFunctionBreakpoints(names: readonly string[]): FunctionBreakpoint[] {
    const list = this.breakpoints.setFunctions(names, this.programs(), hypervisorFunctionNames(this.hv.extensions));
    this.rearm();
    return list;
  }

  /** Data breakpoints: `global:<domid>:<name>` or `mem:<domid>:<address>` (32-bit word), break on write. */
  setDataBreakpoints(ids: readonly string[]): { id: number; verified: boolean; message?: string }[] {
    const results = this.breakpoints.setData(ids, this.hv);
    if (results.some((r) => r.verified)) this.rearm();
    return results;
  }

  /** Arms the boundaries with breakpoints; anything else needs the hook at every boundary. */
  rearm(): void {
    if (!this.engine) return;
    for (const program of this.programs()) {
      const armed = new Uint8Array(program.boundaryCount);
      this.breakpoints.arm(program, armed);
      this.engine.armed.set(program, armed);
    }
    const engine = this.engine;
    this.reverse.arm((program) => engine.armed.get(program));
    this.engine.stopEverywhere =
      this.step !== undefined || this.pauseRequested || this.breakpoints.watching || this.reverse.everyBoundary || this.pendingException !== undefined || this.filters.has('hypercall-errors') || this.filters.has('traps');
  }

  // ------------------------------------------------------------ the hook: runs inside the engine, before a boundary

  private hook(v: Vcpu, boundary: number, depth: number): boolean {
    this.hookBoundary = boundary;
    return this.decide(v, v.cycles, boundary, depth, () => this.breakpoints.hitAt(v.domain.program, boundary));
  }

  /**
   * Before a statement of a hypercall handler (or a helper it called), on
   * the calling vCPU: the same decisions as at a guest boundary, the
   * handler's frames above the guest's. Its position is the vCPU's cycles as
   * if the call's fixed part were charged on entry, plus the handler's own so
   * far. Conditions and hit counts are decided here: a paused handler is
   * replayed to go on, so a stop it does not keep would cost a replay.
   */
  private handlerHook(v: Vcpu, at: HandlerPosition): boolean {
    this.hookBoundary = -1;
    const cycles = inHandler(v, at.decl.cost, at.cycles);
    const top = at.frames[at.frames.length - 1];
    return this.decide(v, cycles, -1, at.guestDepth + at.frames.length, () => {
      const hit = this.breakpoints.hitAtLine(top.fn.file, hypervisorFrameAt(this.hv.extensions, top).line, at.entry ? top.fn.name.name : undefined);
      if (hit?.kind === 'breakpoint' && !this.breakpoints.saysStop(v, hit.ids, () => this.hypervisorScope(v, top), this.logs)) return undefined;
      return hit;
    });
  }

  private decide(v: Vcpu, cycles: number, boundary: number, depth: number, hit: () => ReturnType<Breakpoints['hitAt']>): boolean {
    const back = this.reverse.atBoundary(v, cycles, boundary, depth);
    if (back === 'goto') return this.candidateStop('goto');
    if (back !== undefined) return back;
    if (this.pauseRequested) return this.candidateStop('pause');
    if (this.pendingException?.vcpu === v) return this.candidateStop('exception', [], this.pendingException.text);
    if (this.step && this.step.vcpu === v && cycles !== this.step.startCycles) {
      const s = this.step;
      if (s.how === 'in' || (s.how === 'over' && depth <= s.depth) || (s.how === 'out' && depth < s.depth)) return this.candidateStop('step');
    }
    const changed = this.breakpoints.changedWatch(this.hv);
    if (changed) return this.candidateStop('data breakpoint', [changed.id], changed.description);
    const h = hit();
    if (h) return this.candidateStop(h.kind, h.ids);
    return false;
  }

  private takeCandidate(): { kind: StopKind; ids: number[]; description?: string; boundary: number } | undefined {
    const c = this.candidate;
    this.candidate = undefined;
    return c;
  }

  private candidateStop(kind: StopKind, ids: number[] = [], description?: string): boolean {
    this.candidate = { kind, ids, description, boundary: this.hookBoundary };
    return true;
  }

  // ------------------------------------------------------------ running

  /** Resumes all vCPUs until a stop. */
  continue(): void {
    this.step = undefined;
    this.stopped = undefined;
    this.rearm();
  }

  /** Runs the selected vCPU to its next statement (in, over or out); the others run only if the scheduler needs them. */
  stepVcpu(v: Vcpu, how: 'in' | 'over' | 'out'): void {
    const depth = this.stopped?.vcpu === v || v.frames.length > 0 ? this.depthOf(v) : 1;
    this.step = { vcpu: v, how, depth, startCycles: this.cyclesOf(v) };
    this.stopped = undefined;
    this.rearm();
  }

  pause(): void {
    this.pauseRequested = true;
    this.rearm();
  }

  /** Stops before the first statement of the first vCPU to run. */
  stopOnEntry(): void {
    this.step = { vcpu: this.vcpus[0], how: 'in', depth: 1, startCycles: -1 };
    this.rearm();
  }

  /**
   * Runs up to `maxSteps` scheduling steps. Returns 'stopped' (see `stopped`),
   * 'ended' when the machine has nothing left to run, or 'running'.
   */
  run(maxSteps: number): 'stopped' | 'ended' | 'running' {
    for (let i = 0; i < maxSteps; i++) {
      if (this.hv.end !== undefined) return 'ended';
      this.candidate = undefined;
      const reason = this.hv.step();
      if (this.hv.lastFault && this.hv.lastFault !== this.faultSeen) {
        this.faultSeen = this.hv.lastFault;
        if (this.filters.has('faults')) {
          const f = this.hv.lastFault;
          return this.stopAt({ kind: 'exception', vcpu: f.vcpu, boundary: -1, description: `${f.fault.kind}: ${f.fault.message} (${f.fault.file.split('/').pop()}:${f.fault.line})`, breakpointIds: [] });
        }
      }
      // The hook (run inside hv.step) leaves the candidate it stopped for.
      const c = this.takeCandidate();
      if (reason !== 'breakpoint' || !c || !this.hv.interrupted) continue;
      const v = this.hv.interrupted.v;
      // (A handler's breakpoints, boundary -1, were decided in the hook.)
      if (c.kind === 'breakpoint' && c.boundary >= 0 && !this.breakpoints.saysStop(v, c.ids, () => this.scope(v, 0), this.logs)) continue;
      if (c.kind === 'exception') this.pendingException = undefined;
      if (c.kind === 'pause') this.pauseRequested = false;
      this.step = undefined;
      return this.stopAt({ kind: c.kind, vcpu: v, description: c.description, breakpointIds: c.ids, boundary: c.boundary });
    }
    return this.hv.end !== undefined ? 'ended' : 'running';
  }

  private stopAt(stop: Stop): 'stopped' {
    this.stopped = stop;
    this.reverse.visited(stop);
    this.rearm();
    return 'stopped';
  }

  // ------------------------------------------------------------ going back

  /** Steps back: undoes the last step, or goes to the vCPU's previous statement at its depth or shallower. */
  stepBack(v: Vcpu): void {
    this.reverse.stepBack(v);
  }

  /** Runs backwards to the most recent breakpoint hit before the current position, or to the start. */
  reverseContinue(): void {
    this.reverse.reverseContinue();
  }

  // ------------------------------------------------------------ inspection

  /** A vCPU's position: its cycles, inside a paused handler as handlerHook counts them. */
  cyclesOf(v: Vcpu): number {
    const h = this.hv.pausedHandler;
    return h?.vcpu === v ? inHandler(v, h.decl.cost, h.state.cycles) : v.cycles;
  }

  /** A vCPU's call depth (1 in main), the frames of a paused handler included. */
  depthOf(v: Vcpu): number {
    const h = this.hv.pausedHandler;
    return h?.vcpu === v ? h.guestDepth + h.state.frames.length : Math.max(1, v.frames.length);
  }

  /** The frames of the hypercall handler a vCPU is paused in, innermost last (none when it is not). */
  hypervisorFrames(v: Vcpu): readonly HandlerFrame[] {
    const h = this.hv.pausedHandler;
    return h?.vcpu === v ? h.state.frames : [];
  }

  consts(v: Vcpu): Map<string, number | boolean> {
    return this.constsOf(v.domain.config.kernel);
  }

  private constsOf(file: string): Map<string, number | boolean> {
    const out = new Map<string, number | boolean>();
    const table = this.analysis.snapshot.items(file);
    for (const item of table.values.values()) if (item.kind === 'const' && item.value !== undefined) out.set(item.name.name, item.value);
    return out;
  }

  /** The frames a vCPU shows: its own, or those it had when its domain faulted. */
  framesOf(v: Vcpu): Frame[] {
    if (v.frames.length > 0) return v.frames;
    return this.hv.lastFault?.vcpu === v ? this.hv.lastFault.frames : [];
  }

  /** Where names are looked up in a frame (counted from the top: a paused handler's frames first). */
  scope(v: Vcpu, frameIndexFromTop: number): EvalScope {
    const hvFrames = this.hypervisorFrames(v);
    if (frameIndexFromTop < hvFrames.length) return this.hypervisorScope(v, hvFrames[hvFrames.length - 1 - frameIndexFromTop]);
    const frames = this.framesOf(v);
    return { vcpu: v, domain: v.domain, frame: frames[frames.length - 1 - (frameIndexFromTop - hvFrames.length)], consts: this.consts(v) };
  }

  private hypervisorScope(v: Vcpu, frame: HandlerFrame): EvalScope {
    return { vcpu: v, domain: v.domain, frame: undefined, consts: this.constsOf(frame.fn.file), hypervisor: (name) => hypervisorName(frame, this.hv.extensions.globals, name) };
  }

  evaluate(v: Vcpu, frameIndexFromTop: number, text: string): string {
    return formatValue(evaluate(text, this.scope(v, frameIndexFromTop)));
  }

  /** Records an edit made at the current stop so that replays (step back) reproduce it. */
  edited(apply: () => void): void {
    this.reverse.edited(apply);
  }
}

/** A position inside a hypercall handler: the vCPU's cycles as if the call's 300 + `cost` were charged on entry, plus the handler's own so far. */
function inHandler(v: Vcpu, cost: number, handlerCycles: number): number {
  return v.cycles + COSTS.hypercallBase + cost + handlerCycles;
}
