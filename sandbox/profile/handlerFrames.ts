import type * as A from '../lang/ast.js';
import type { HandlerCharges, HandlerObserver } from '../hv/pvkHandlers.js';

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
  /**
   * The recorder's, kept here to spare it a lookup per hypercall: the
   * call-tree node it last placed this frame below, and the one it placed
   * it in (its own types; null before the first).
   */
  placedBelow: object | null;
  placedIn: object | null;
  /** The recorder's: where it put the cycles at each of `offsets` the last time (an index of its own, checked before use). */
  readonly placedAt: number[];
}

/** More statements than a function can have: an index and a take's epoch share one number in Frame.indexOf. */
const INDEXES = 2 ** 20;
/** Up to this many charged statements a frame finds one by a scan of `offsets`. */
const SCANNED = 16;

class Frame implements HandlerFrame, HandlerCharges {
  count = 0;
  self = 0;
  charged = 0;
  called = 0;
  readonly offsets: number[] = [];
  readonly cycles: number[] = [];
  readonly calls: Frame[] = [];
  placedBelow: object | null = null;
  placedIn: object | null = null;
  readonly placedAt: number[] = [];
  /** Callees by function, kept across takes. */
  readonly kids = new Map<A.FnItem, Frame>();
  /** The callee entered last from this frame. */
  lastKid: Frame | null = null;
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

  at(cycles: number, offset: number): void {
    if (cycles === 0) return;
    if (offset !== this.cur) {
      this.cur = offset;
      this.curIndex = -1;
    }
    const i = this.curIndex >= 0 ? this.curIndex : this.index();
    this.cycles[i] += cycles;
    this.self += cycles;
  }

  here(cycles: number): void {
    if (cycles === 0) return;
    const i = this.curIndex >= 0 ? this.curIndex : this.index();
    this.cycles[i] += cycles;
    this.self += cycles;
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

  /**
   * Where cycles charged at the current statement go in `cycles`. A frame
   * of a few statements is searched in `offsets` (cheaper than the map, and
   * nothing to write per take); past SCANNED entries `indexOf` holds them all.
   */
  index(): number {
    const o = this.cur;
    const n = this.charged;
    let i = -1;
    if (n <= SCANNED) {
      const offsets = this.offsets;
      for (let j = 0; j < n; j++) {
        if (offsets[j] === o) {
          i = j;
          break;
        }
      }
    } else {
      const known = this.indexOf.get(o);
      if (known !== undefined && known >= this.epoch * INDEXES) i = known - this.epoch * INDEXES;
    }
    if (i < 0) {
      i = this.charged++;
      this.offsets[i] = o;
      this.cycles[i] = 0;
      if (i === SCANNED) for (let j = 0; j < i; j++) this.indexOf.set(this.offsets[j], this.epoch * INDEXES + j);
      if (i >= SCANNED) this.indexOf.set(o, this.epoch * INDEXES + i);
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
  private readonly runs: Frame[] = [];
  /** How many of `runs` are this take's (the array is reused, never shortened). */
  private runCount = 0;
  private readonly roots = new Map<A.FnItem, Frame>();
  private readonly stack: Frame[] = [];
  /** How many of `stack` are entered now (the array is reused, never shortened). */
  private depth = 0;
  /** The root frame entered last (most hypercalls run the handler the one before ran). */
  private lastRoot: Frame | null = null;
  private epoch = 0;

  enter(fn: A.FnItem): HandlerCharges {
    const top = this.depth > 0 ? this.stack[this.depth - 1] : undefined;
    let f: Frame | undefined;
    if (top === undefined) {
      if (fn === this.lastRoot?.fn) f = this.lastRoot;
      else {
        f = this.roots.get(fn);
        if (f === undefined) this.roots.set(fn, (f = new Frame(fn)));
        this.lastRoot = f;
      }
      if (f.epoch !== this.epoch) {
        f.begin(this.epoch);
        this.runs[this.runCount++] = f;
      }
    } else {
      if (fn === top.lastKid?.fn) f = top.lastKid;
      else {
        f = top.kids.get(fn);
        if (f === undefined) top.kids.set(fn, (f = new Frame(fn)));
        top.lastKid = f;
      }
      if (f.epoch !== this.epoch) {
        f.begin(this.epoch);
        top.calls[top.called++] = f;
      }
    }
    f.count++;
    this.stack[this.depth++] = f;
    return f;
  }

  leave(): void {
    if (this.depth > 0) this.depth--;
  }

  charge(cycles: number, s: A.Stmt | undefined): void {
    if (this.depth === 0 || cycles === 0) return;
    const top = this.stack[this.depth - 1];
    if (s === undefined) top.here(cycles);
    else top.at(cycles, s.span.start);
  }

  /** Whether handlers ran since the last take(). */
  get pending(): boolean {
    return this.runCount > 0;
  }

  /**
   * Ends the take: how many handlers ran since the last one, outermost
   * frames, which run(i) gives in first-run order; they are valid until the
   * next handler runs.
   */
  take(): number {
    const n = this.runCount;
    this.runCount = 0;
    this.epoch++;
    return n;
  }

  /** The i-th handler frame of the last take(). */
  run(i: number): HandlerFrame {
    return this.runs[i];
  }
}
