import type { Analysis } from '../lang/analysis.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { compileSystem, startHypervisor, type BootRequest, type BootResult, type CompileResult } from '../run/boot.js';
import { FastEngine } from '../vm/fastEngine.js';
import type { Program } from '../machine/ir.js';
import { Breakpoints, type FunctionBreakpoint, type LineBreakpoint, type LineBreakpointRequest } from './breakpoints.js';
import { evaluate, formatValue, type EvalScope } from './evaluate.js';
import { allVcpus } from './positions.js';
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
    const list = this.breakpoints.setLines(file, requests, this.programs());
    this.rearm();
    return list;
  }

  setFunctionBreakpoints(names: readonly string[]): FunctionBreakpoint[] {
    const list = this.breakpoints.setFunctions(names, this.programs());
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
    const back = this.reverse.atBoundary(v, boundary, depth);
    if (back === 'goto') return this.candidateStop('goto');
    if (back !== undefined) return back;
    if (this.pauseRequested) return this.candidateStop('pause');
    if (this.pendingException?.vcpu === v) return this.candidateStop('exception', [], this.pendingException.text);
    if (this.step && this.step.vcpu === v && v.cycles !== this.step.startCycles) {
      const s = this.step;
      if (s.how === 'in' || (s.how === 'over' && depth <= s.depth) || (s.how === 'out' && depth < s.depth)) return this.candidateStop('step');
    }
    const changed = this.breakpoints.changedWatch(this.hv);
    if (changed) return this.candidateStop('data breakpoint', [changed.id], changed.description);
    const hit = this.breakpoints.hitAt(v.domain.program, boundary);
    if (hit) return this.candidateStop(hit.kind, hit.ids);
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
    const depth = this.stopped?.vcpu === v || v.frames.length > 0 ? Math.max(1, v.frames.length) : 1;
    this.step = { vcpu: v, how, depth, startCycles: v.cycles };
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
      if (c.kind === 'breakpoint' && !this.breakpoints.saysStop(v, c.ids, () => this.scope(v, 0), this.logs)) continue;
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

  consts(v: Vcpu): Map<string, number | boolean> {
    const out = new Map<string, number | boolean>();
    const table = this.analysis.snapshot.items(v.domain.config.kernel);
    for (const item of table.values.values()) if (item.kind === 'const' && item.value !== undefined) out.set(item.name.name, item.value);
    return out;
  }

  /** The frames a vCPU shows: its own, or those it had when its domain faulted. */
  framesOf(v: Vcpu): Frame[] {
    if (v.frames.length > 0) return v.frames;
    return this.hv.lastFault?.vcpu === v ? this.hv.lastFault.frames : [];
  }

  scope(v: Vcpu, frameIndexFromTop: number): EvalScope {
    const frames = this.framesOf(v);
    return { vcpu: v, domain: v.domain, frame: frames[frames.length - 1 - frameIndexFromTop], consts: this.consts(v) };
  }

  evaluate(v: Vcpu, frameIndexFromTop: number, text: string): string {
    return formatValue(evaluate(text, this.scope(v, frameIndexFromTop)));
  }

  /** Records an edit made at the current stop so that replays (step back) reproduce it. */
  edited(apply: () => void): void {
    this.reverse.edited(apply);
  }
}

