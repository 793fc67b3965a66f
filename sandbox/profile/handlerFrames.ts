import type * as A from '../lang/ast.js';
import type { HandlerObserver } from '../hv/pvkHandlers.js';

/**
 * A hypervisor function's frame seen while pvk handlers ran (spec 9.1),
 * before the recorder places it in the call tree: one per call path from
 * the handler, as call-tree nodes are. Frames are kept from one hypercall to
 * the next (so that profiling a handler allocates nothing once its paths
 * are known); what they hold is about the hypercalls since the last take().
 */
export interface HandlerFrame {
  readonly fn: A.FnItem;
  /** Calls on this path (for a handler: its runs). */
  readonly count: number;
  /** Own cycles, all statements. */
  readonly self: number;
  /**
   * The source offsets (in `fn.file`) of the statements cycles were charged
   * at, in first-charged order, and those cycles (by the same index): the
   * first `charged` entries (the arrays are reused, never shortened).
   */
  readonly charged: number;
  readonly offsets: readonly number[];
  readonly cycles: readonly number[];
  /** The callees called, in first-called order: the first `called` entries. */
  readonly called: number;
  readonly calls: readonly HandlerFrame[];
}

/** More statements than a function can have: an index and a take's epoch share one number in Frame.indexOf. */
const INDEXES = 2 ** 20;

class Frame implements HandlerFrame {
  count = 0;
  self = 0;
  charged = 0;
  called = 0;
  readonly offsets: number[] = [];
  readonly cycles: number[] = [];
  readonly calls: Frame[] = [];
  /** Callees by function, kept across takes. */
  readonly kids = new Map<A.FnItem, Frame>();
  /** The take it last counted for (its fields above are stale when it is not the current one). */
  epoch = -1;
  /** The offset of the statement the call on this frame is at now, and its index in `offsets` (-1: not looked up yet). */
  cur: number;
  curIndex = -1;
  /** Each offset's index in `offsets` for the take it was last charged in: epoch × INDEXES + index. */
  private readonly indexOf = new Map<number, number>();

  constructor(readonly fn: A.FnItem) {
    this.cur = fn.span.start;
  }

  /** Counts for take `epoch` from now on: forgets what an earlier one held. */
  begin(epoch: number): void {
    this.epoch = epoch;
    this.count = 0;
    this.self = 0;
    this.charged = 0;
    this.called = 0;
    this.cur = this.fn.span.start;
    this.curIndex = -1;
  }

  /** Where cycles charged at the current statement go in `cycles`. */
  index(): number {
    const o = this.cur;
    const known = this.indexOf.get(o);
    let i: number;
    if (known !== undefined && known >= this.epoch * INDEXES) i = known - this.epoch * INDEXES;
    else {
      i = this.charged++;
      this.offsets[i] = o;
      this.cycles[i] = 0;
      this.indexOf.set(o, this.epoch * INDEXES + i);
    }
    this.curIndex = i;
    return i;
  }
}

/**
 * Collects the frames and cycles of the handlers a hypercall ran (one
 * handler, or several in a multicall) until the recorder takes them, when
 * the engine reports the hypercall's cost.
 */
export class HandlerFrames implements HandlerObserver {
  /** The handlers run since the last take(), in first-run order (each once: runs of one handler land in one place). */
  private runs: Frame[] = [];
  private readonly roots = new Map<A.FnItem, Frame>();
  private readonly stack: Frame[] = [];
  private epoch = 0;

  enter(fn: A.FnItem): void {
    const top = this.stack[this.stack.length - 1];
    let f: Frame | undefined;
    if (top === undefined) {
      f = this.roots.get(fn);
      if (f === undefined) this.roots.set(fn, (f = new Frame(fn)));
      if (f.epoch !== this.epoch) {
        f.begin(this.epoch);
        this.runs.push(f);
      }
    } else {
      f = top.kids.get(fn);
      if (f === undefined) top.kids.set(fn, (f = new Frame(fn)));
      if (f.epoch !== this.epoch) {
        f.begin(this.epoch);
        top.calls[top.called++] = f;
      }
    }
    f.count++;
    this.stack.push(f);
  }

  leave(): void {
    this.stack.pop();
  }

  charge(cycles: number, s: A.Stmt | undefined): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || cycles === 0) return;
    if (s !== undefined && s.span.start !== top.cur) {
      top.cur = s.span.start;
      top.curIndex = -1;
    }
    const i = top.curIndex >= 0 ? top.curIndex : top.index();
    top.cycles[i] += cycles;
    top.self += cycles;
  }

  /** Whether handlers ran since the last take(). */
  get pending(): boolean {
    return this.runs.length > 0;
  }

  /**
   * The handlers run since the last call, outermost frames, in first-run
   * order; they are valid until the next handler runs.
   */
  take(): readonly HandlerFrame[] {
    const runs = this.runs;
    this.runs = [];
    this.epoch++;
    return runs;
  }
}
