import type { Analysis } from '../lang/analysis.js';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { compileSystem, startHypervisor, type BootRequest, type BootResult, type CompileResult } from '../run/boot.js';
import { FastEngine } from '../vm/fastEngine.js';
import type { Program } from '../machine/ir.js';
import { evaluate, EvalError, formatValue, type EvalScope } from './evaluate.js';
import { allVcpus, boundariesByLine, entryBoundaries } from './positions.js';

export type StopKind = 'entry' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'step' | 'pause' | 'exception' | 'goto';

export interface Stop {
  kind: StopKind;
  vcpu: Vcpu;
  /** The boundary the vCPU stopped before (-1 for a fault). */
  boundary?: number;
  description?: string;
  breakpointIds: number[];
}

export interface LineBreakpointRequest {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface LineBreakpoint extends LineBreakpointRequest {
  id: number;
  file: string;
  verified: boolean;
  /** The line of the statement it binds to (moved down to the next statement when needed). */
  actualLine: number;
  hits: number;
  message?: string;
}

/** A stop position: a vCPU and its own cycle count there (unique per statement it executes). */
interface Position {
  vcpu: number;
  cycles: number;
  /** The statement boundary it is at (-1: unknown), so a replay can arm just that boundary. */
  boundary: number;
}

/** A stop in the history, and whether a step (in, over, out) led to it. */
interface Visit {
  at: Position;
  byStep: boolean;
}

interface DataWatch {
  id: number;
  domain: number;
  kind: 'global' | 'mem';
  /** Global index, or memory address. */
  index: number;
  last: number;
  label: string;
}

type Step = { vcpu: Vcpu; how: 'in' | 'over' | 'out'; depth: number; startCycles: number };

/**
 * The debugger's machine, independent of DAP: boots a system on the stepping
 * engine, maps breakpoints to statement boundaries, steps one vCPU, and
 * steps back by replaying the deterministic machine from boot.
 */
export class DebugMachine {
  hv!: Hypervisor;
  private engine!: FastEngine;
  private nextId = 1;
  private readonly lineBps = new Map<string, LineBreakpoint[]>();
  private functionBps: { id: number; name: string; verified: boolean }[] = [];
  private watches: DataWatch[] = [];
  readonly filters = new Set<string>();
  /** What the running machine should stop for. */
  private step: Step | undefined;
  private pauseRequested = false;
  /** Positions to stop at whatever else is armed (replays); `replaying` ignores breakpoints meanwhile. */
  private targets: Position[] = [];
  private replaying = false;
  private recordFor: { vcpu: Vcpu; before: Position; seen: Position[]; maxDepth: number } | undefined;
  private pendingException: { vcpu: Vcpu; text: string } | undefined;
  private faultSeen: unknown;
  private candidate: { kind: StopKind; ids: number[]; description?: string; boundary: number } | undefined;
  private hookBoundary = -1;
  /** Every stop so far, in order: step back replays to them. */
  private history: Visit[] = [];
  private edits: { at: Position; apply: () => void }[] = [];
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
    const list: LineBreakpoint[] = requests.map((r) => {
      let actual = -1;
      for (const program of this.programs()) {
        const lines = boundariesByLine(program).get(file);
        if (!lines) continue;
        const candidates = [...lines.keys()].filter((l) => l >= r.line).sort((a, b) => a - b);
        if (candidates.length > 0 && (actual < 0 || candidates[0] < actual)) actual = candidates[0];
      }
      const verified = actual > 0;
      return { ...r, id: this.nextId++, file, verified, actualLine: verified ? actual : r.line, hits: 0, ...(verified ? {} : { message: 'no statement at or after this line runs in the booted system' }) };
    });
    this.lineBps.set(file, list);
    this.rearm();
    return list;
  }

  setFunctionBreakpoints(names: readonly string[]): { id: number; name: string; verified: boolean }[] {
    this.functionBps = names.map((name) => ({ id: this.nextId++, name, verified: this.programs().some((p) => entryBoundaries(p).has(name)) }));
    this.rearm();
    return this.functionBps;
  }

  /** Data breakpoints: `global:<domid>:<name>` or `mem:<domid>:<address>` (32-bit word), break on write. */
  setDataBreakpoints(ids: readonly string[]): { id: number; verified: boolean; message?: string }[] {
    this.watches = [];
    return ids.map((dataId) => {
      const [kind, dom, what] = dataId.split(':');
      const d = this.hv.domains[Number(dom)];
      const id = this.nextId++;
      if (!d) return { id, verified: false, message: `no domain ${dom}` };
      if (kind === 'global') {
        const index = d.program.globals.findIndex((g) => g.name === what);
        if (index < 0) return { id, verified: false, message: `no global ${what}` };
        this.watches.push({ id, domain: d.id, kind: 'global', index, last: d.globals[index], label: `${d.name}.${what}` });
      } else {
        const addr = Number(what) >>> 0;
        let last = 0;
        try {
          last = d.memory.load(32, addr, { file: 0, line: 0, column: 0 });
        } catch {
          return { id, verified: false, message: `${d.name}: address 0x${addr.toString(16)} is not readable` };
        }
        this.watches.push({ id, domain: d.id, kind: 'mem', index: addr, last, label: `${d.name} mem32[0x${addr.toString(16)}]` });
      }
      this.rearm();
      return { id, verified: true };
    });
  }

  private watchValue(w: DataWatch): number {
    const d = this.hv.domains[w.domain];
    if (w.kind === 'global') return d.globals[w.index];
    try {
      return d.memory.load(32, w.index, { file: 0, line: 0, column: 0 });
    } catch {
      return w.last;
    }
  }

  /** Arms the boundaries with breakpoints; anything else needs the hook at every boundary. */
  private rearm(): void {
    if (!this.engine) return;
    for (const program of this.programs()) {
      const armed = new Uint8Array(program.boundaryCount);
      const byLine = boundariesByLine(program);
      for (const [file, bps] of this.lineBps) for (const bp of bps) for (const id of byLine.get(file)?.get(bp.actualLine) ?? []) armed[id] = 1;
      const entries = entryBoundaries(program);
      for (const f of this.functionBps) {
        const id = entries.get(f.name);
        if (id !== undefined) armed[id] = 1;
      }
      this.engine.armed.set(program, armed);
    }
    // Replay targets at known boundaries are armed like breakpoints (the replay then runs at full speed).
    for (const t of this.targets) {
      if (t.boundary < 0) continue;
      const program = this.vcpus[t.vcpu]?.domain.program;
      const armed = program ? this.engine.armed.get(program) : undefined;
      if (armed) armed[t.boundary] = 1;
    }
    this.engine.stopEverywhere =
      this.step !== undefined || this.pauseRequested || this.watches.length > 0 || this.targets.some((t) => t.boundary < 0) || this.recordFor !== undefined || this.pendingException !== undefined || this.filters.has('hypercall-errors') || this.filters.has('traps');
  }

  // ------------------------------------------------------------ the hook: runs inside the engine, before a boundary

  private hook(v: Vcpu, boundary: number, depth: number): boolean {
    this.hookBoundary = boundary;
    if (this.recordFor) {
      if (v === this.recordFor.vcpu) {
        const here = { vcpu: this.indexOf(v), cycles: v.cycles, boundary };
        if (here.cycles === this.recordFor.before.cycles && here.vcpu === this.recordFor.before.vcpu) return true;
        if (depth <= this.recordFor.maxDepth) this.recordFor.seen.push(here);
      }
      return false;
    }
    if (this.targets.length > 0) {
      const i = this.indexOf(v);
      if (this.targets.some((t) => t.vcpu === i && t.cycles === v.cycles)) return this.candidateStop('goto');
    }
    if (this.replaying) return false;
    if (this.pauseRequested) return this.candidateStop('pause');
    if (this.pendingException?.vcpu === v) return this.candidateStop('exception', [], this.pendingException.text);
    if (this.step && this.step.vcpu === v && v.cycles !== this.step.startCycles) {
      const s = this.step;
      if (s.how === 'in' || (s.how === 'over' && depth <= s.depth) || (s.how === 'out' && depth < s.depth)) return this.candidateStop('step');
    }
    for (const w of this.watches) {
      const now = this.watchValue(w);
      if (now !== w.last) {
        const before = w.last;
        w.last = now;
        return this.candidateStop('data breakpoint', [w.id], `${w.label} changed from ${before >>> 0} to ${now >>> 0}`);
      }
    }
    const program = v.domain.program;
    const ids: number[] = [];
    for (const [file, bps] of this.lineBps) {
      const here = boundariesByLine(program).get(file);
      for (const bp of bps) if (here?.get(bp.actualLine)?.includes(boundary)) ids.push(bp.id);
    }
    if (ids.length > 0) return this.candidateStop('breakpoint', ids);
    const entries = entryBoundaries(program);
    const fnIds = this.functionBps.filter((f) => entries.get(f.name) === boundary).map((f) => f.id);
    if (fnIds.length > 0) return this.candidateStop('function breakpoint', fnIds);
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
      if (c.kind === 'breakpoint' && !this.breakpointSaysStop(v, c.ids)) continue;
      if (c.kind === 'exception') this.pendingException = undefined;
      if (c.kind === 'pause') this.pauseRequested = false;
      this.step = undefined;
      return this.stopAt({ kind: c.kind, vcpu: v, description: c.description, breakpointIds: c.ids, boundary: c.boundary });
    }
    return this.hv.end !== undefined ? 'ended' : 'running';
  }

  private stopAt(stop: Stop): 'stopped' {
    this.stopped = stop;
    this.history.push({ at: { vcpu: this.indexOf(stop.vcpu), cycles: stop.vcpu.cycles, boundary: stop.boundary ?? -1 }, byStep: stop.kind === 'step' });
    this.rearm();
    return 'stopped';
  }

  /** Hit counts, conditions and logpoints decide whether a breakpoint candidate stops. */
  private breakpointSaysStop(v: Vcpu, ids: readonly number[]): boolean {
    let stop = false;
    for (const bps of this.lineBps.values()) {
      for (const bp of bps) {
        if (!ids.includes(bp.id)) continue;
        const scope = this.scope(v, 0);
        if (bp.condition) {
          try {
            if (evaluate(bp.condition, scope).v === 0) continue;
          } catch (e) {
            if (!(e instanceof EvalError)) throw e;
            this.logs.push(`breakpoint condition '${bp.condition}' at line ${bp.actualLine}: ${e.message}`);
          }
        }
        bp.hits++;
        if (bp.hitCondition && !hitMatches(bp.hitCondition, bp.hits)) continue;
        if (bp.logMessage) {
          this.logs.push(`[${v.domain.name}] ${interpolate(bp.logMessage, scope)}`);
          continue;
        }
        stop = true;
      }
    }
    return stop;
  }

  // ------------------------------------------------------------ going back



  /** Re-boots and runs silently (no breakpoints) to a position, re-applying on the way the edits made at earlier stops. */
  private replayTo(target: Position, kind: StopKind): void {
    const hits = this.saveHits();
    this.boot();
    this.replaying = true;
    const pending = [...this.edits];
    for (;;) {
      this.targets = [target, ...pending.map((e) => e.at)];
      this.rearm();
      const r = this.run(Number.MAX_SAFE_INTEGER);
      if (r !== 'stopped' || !this.stopped) break;
      const here = this.here();
      const due = pending.filter((e) => same(e.at, here));
      for (const e of due) {
        e.apply();
        pending.splice(pending.indexOf(e), 1);
      }
      if (same(here, target)) break;
      this.history.pop();
      this.continue();
    }
    this.targets = [];
    this.replaying = false;
    this.restoreHits(hits);
    this.stopped = { kind, vcpu: this.vcpus[target.vcpu], breakpointIds: [] };
    this.rearm();
  }

  private here(): Position {
    const s = this.stopped as Stop;
    return { vcpu: this.indexOf(s.vcpu), cycles: s.vcpu.cycles, boundary: s.boundary ?? -1 };
  }

  private saveHits(): Map<LineBreakpoint, number> {
    const out = new Map<LineBreakpoint, number>();
    for (const bps of this.lineBps.values()) for (const bp of bps) out.set(bp, bp.hits);
    return out;
  }

  private restoreHits(hits: Map<LineBreakpoint, number>): void {
    for (const [bp, n] of hits) bp.hits = n;
  }

  /**
   * Steps back. After a step, it undoes that step exactly (back to where the
   * step started); otherwise it goes to the vCPU's previous statement at the
   * same call depth or shallower (the reverse of `next`).
   */
  stepBack(v: Vcpu): void {
    if (!this.stopped) return;
    const last = this.history[this.history.length - 1];
    const previous = this.history[this.history.length - 2];
    if (last?.byStep && previous && previous.at.vcpu === this.indexOf(v)) {
      const history = this.history.slice(0, -1);
      this.replayTo(previous.at, 'step');
      this.history = history;
      return;
    }
    const current = this.here();
    const history = this.history.slice(0, -1);
    const index = this.indexOf(v);
    const maxDepth = Math.max(1, v.frames.length);
    this.boot();
    this.recordFor = { vcpu: this.vcpus[index], before: current, seen: [], maxDepth };
    this.rearm();
    while (this.hv.end === undefined) if (this.hv.step() === 'breakpoint') break;
    const seen = this.recordFor.seen;
    this.recordFor = undefined;
    const target = seen.length > 0 ? seen[seen.length - 1] : current;
    this.replayTo(target, 'step');
    this.history = [...history, { at: target, byStep: false }];
  }

  /** Runs backwards to the most recent breakpoint hit before the current position, or to the start. */
  reverseContinue(): void {
    if (!this.stopped) return;
    const current = this.here();
    const history = this.history.slice(0, -1);
    const hits = this.saveHits();
    this.boot();
    const found: Position[] = [];
    this.targets = [current];
    this.continue();
    for (;;) {
      const r = this.run(Number.MAX_SAFE_INTEGER);
      if (r !== 'stopped' || !this.stopped || this.stopped.kind === 'goto') break;
      if (this.stopped.kind === 'breakpoint' || this.stopped.kind === 'function breakpoint') found.push(this.here());
      this.continue();
    }
    this.targets = [];
    this.restoreHits(hits);
    const target = found.length > 0 ? found[found.length - 1] : { vcpu: 0, cycles: 0, boundary: -1 };
    this.replayTo(target, found.length > 0 ? 'breakpoint' : 'entry');
    this.history = [...history, { at: target, byStep: false }];
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
    if (this.stopped) this.edits.push({ at: this.here(), apply });
  }
}

function same(a: Position, b: Position): boolean {
  return a.vcpu === b.vcpu && a.cycles === b.cycles;
}

function hitMatches(condition: string, hits: number): boolean {
  const m = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (!m) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return hits >= n;
    case '<=': return hits <= n;
    case '>': return hits > n;
    case '<': return hits < n;
    case '%': return n > 0 && hits % n === 0;
    default: return hits === n;
  }
}

/** `{expr}` in a logpoint message, evaluated in the stopped frame. */
function interpolate(message: string, scope: EvalScope): string {
  return message.replace(/\{([^{}]+)\}/g, (_m, expr: string) => {
    try {
      return formatValue(evaluate(expr, scope));
    } catch (e) {
      return `<${e instanceof Error ? e.message : String(e)}>`;
    }
  });
}
