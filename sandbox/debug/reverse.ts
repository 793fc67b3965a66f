import type { Hypervisor } from '../hv/hypervisor.js';
import type { Program } from '../machine/ir.js';
import type { Vcpu } from '../machine/state.js';
import type { Breakpoints } from './breakpoints.js';
import type { Stop } from './machine.js';

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

/** What going back needs of the debugger's machine (debug/machine.ts): it can boot again and run to a stop. */
export interface Replayable {
  readonly hv: Hypervisor;
  readonly vcpus: Vcpu[];
  readonly breakpoints: Pick<Breakpoints, 'saveHits' | 'restoreHits'>;
  stopped: Stop | undefined;
  indexOf(v: Vcpu): number;
  /** A vCPU's position (its cycles, inside a paused hypercall handler too) and call depth. */
  cyclesOf(v: Vcpu): number;
  depthOf(v: Vcpu): number;
  /** Boots again from the compiled system: the same machine at time 0. */
  boot(): unknown;
  /** Runs up to `maxSteps` scheduling steps until a stop ('stopped'), the end ('ended'), or neither ('running'). */
  run(maxSteps: number): 'stopped' | 'ended' | 'running';
  /** Clears the stop so that the next run goes on. */
  continue(): void;
  /** Re-arms the engine after a change of what the machine stops for. */
  rearm(): void;
}

/**
 * Reverse execution by replay: the machine is deterministic, so going back
 * is booting again and running silently (breakpoints ignored, their hit
 * counts kept) to an earlier stop, re-applying on the way the edits made at
 * earlier stops (setVariable, writeMemory). It keeps the history of stops.
 */
export class ReverseExecution {
  /** Every stop so far, in order: step back replays to them. */
  private history: Visit[] = [];
  private edits: { at: Position; apply: () => void }[] = [];
  /** Positions to stop at whatever else is armed (replays); `replaying` ignores breakpoints meanwhile. */
  private targets: Position[] = [];
  private replaying = false;
  private recordFor: { vcpu: Vcpu; before: Position; seen: Position[]; maxDepth: number } | undefined;

  constructor(private readonly m: Replayable) {}

  /** The machine stopped: one more visit in the history. */
  visited(stop: Stop): void {
    this.history.push({ at: { vcpu: this.m.indexOf(stop.vcpu), cycles: this.m.cyclesOf(stop.vcpu), boundary: stop.boundary ?? -1 }, byStep: stop.kind === 'step' });
  }

  /** Records an edit made at the current stop so that replays (step back) reproduce it. */
  edited(apply: () => void): void {
    if (this.m.stopped) this.edits.push({ at: this.here(), apply });
  }

  /** Whether it needs the hook at every boundary: recording a vCPU's path, or a target at an unknown boundary. */
  get everyBoundary(): boolean {
    return this.targets.some((t) => t.boundary < 0) || this.recordFor !== undefined;
  }

  /** Replay targets at known boundaries are armed like breakpoints (the replay then runs at full speed). */
  arm(armedOf: (program: Program) => Uint8Array | undefined): void {
    for (const t of this.targets) {
      if (t.boundary < 0) continue;
      const program = this.m.vcpus[t.vcpu]?.domain.program;
      const armed = program ? armedOf(program) : undefined;
      if (armed) armed[t.boundary] = 1;
    }
  }

  /**
   * Its say at a boundary (or a statement of a hypercall handler, boundary
   * -1) where `v` is at `cycles`, before breakpoints and steps: 'goto' at a
   * replay target, true back where a recording started (stop), false while
   * recording or replaying (run on), undefined when it has none.
   */
  atBoundary(v: Vcpu, cycles: number, boundary: number, depth: number): 'goto' | boolean | undefined {
    if (this.recordFor) {
      if (v === this.recordFor.vcpu) {
        const here = { vcpu: this.m.indexOf(v), cycles, boundary };
        if (here.cycles === this.recordFor.before.cycles && here.vcpu === this.recordFor.before.vcpu) return true;
        if (depth <= this.recordFor.maxDepth) this.recordFor.seen.push(here);
      }
      return false;
    }
    if (this.targets.length > 0) {
      const i = this.m.indexOf(v);
      if (this.targets.some((t) => t.vcpu === i && t.cycles === cycles)) return 'goto';
    }
    if (this.replaying) return false;
    return undefined;
  }

  /** Re-boots and runs silently (no breakpoints) to a position, re-applying on the way the edits made at earlier stops. */
  private replayTo(target: Position, kind: Stop['kind']): void {
    const m = this.m;
    const hits = m.breakpoints.saveHits();
    m.boot();
    this.replaying = true;
    const pending = [...this.edits];
    for (;;) {
      this.targets = [target, ...pending.map((e) => e.at)];
      m.rearm();
      const r = m.run(Number.MAX_SAFE_INTEGER);
      if (r !== 'stopped' || !m.stopped) break;
      const here = this.here();
      const due = pending.filter((e) => same(e.at, here));
      for (const e of due) {
        e.apply();
        pending.splice(pending.indexOf(e), 1);
      }
      if (same(here, target)) break;
      this.history.pop();
      m.continue();
    }
    this.targets = [];
    this.replaying = false;
    m.breakpoints.restoreHits(hits);
    m.stopped = { kind, vcpu: m.vcpus[target.vcpu], breakpointIds: [] };
    m.rearm();
  }

  private here(): Position {
    const s = this.m.stopped as Stop;
    return { vcpu: this.m.indexOf(s.vcpu), cycles: this.m.cyclesOf(s.vcpu), boundary: s.boundary ?? -1 };
  }

  /**
   * Steps back. After a step, it undoes that step exactly (back to where the
   * step started); otherwise it goes to the vCPU's previous statement at the
   * same call depth or shallower (the reverse of `next`).
   */
  stepBack(v: Vcpu): void {
    const m = this.m;
    if (!m.stopped) return;
    const last = this.history[this.history.length - 1];
    const previous = this.history[this.history.length - 2];
    if (last?.byStep && previous && previous.at.vcpu === m.indexOf(v)) {
      const history = this.history.slice(0, -1);
      this.replayTo(previous.at, 'step');
      this.history = history;
      return;
    }
    const current = this.here();
    const history = this.history.slice(0, -1);
    const index = m.indexOf(v);
    const maxDepth = m.depthOf(v);
    m.boot();
    this.recordFor = { vcpu: m.vcpus[index], before: current, seen: [], maxDepth };
    m.rearm();
    while (m.hv.end === undefined) if (m.hv.step() === 'breakpoint') break;
    const seen = this.recordFor.seen;
    this.recordFor = undefined;
    const target = seen.length > 0 ? seen[seen.length - 1] : current;
    this.replayTo(target, 'step');
    this.history = [...history, { at: target, byStep: false }];
  }

  /** Runs backwards to the most recent breakpoint hit before the current position, or to the start. */
  reverseContinue(): void {
    const m = this.m;
    if (!m.stopped) return;
    const current = this.here();
    const history = this.history.slice(0, -1);
    const hits = m.breakpoints.saveHits();
    m.boot();
    const found: Position[] = [];
    this.targets = [current];
    m.continue();
    for (;;) {
      const r = m.run(Number.MAX_SAFE_INTEGER);
      if (r !== 'stopped' || !m.stopped || m.stopped.kind === 'goto') break;
      if (m.stopped.kind === 'breakpoint' || m.stopped.kind === 'function breakpoint') found.push(this.here());
      m.continue();
    }
    this.targets = [];
    m.breakpoints.restoreHits(hits);
    const target = found.length > 0 ? found[found.length - 1] : { vcpu: 0, cycles: 0, boundary: -1 };
    this.replayTo(target, found.length > 0 ? 'breakpoint' : 'entry');
    this.history = [...history, { at: target, byStep: false }];
  }
}

function same(a: Position, b: Position): boolean {
  return a.vcpu === b.vcpu && a.cycles === b.cycles;
}
