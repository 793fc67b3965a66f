import type * as A from '../lang/ast.js';
import { statementSlots } from '../hv/handlerSlots.js';
import type { HandlerObserver, HandlerPathFrame } from '../hv/pvkHandlers.js';
import { cursor } from '../vm/profiling.js';

/**
 * A hypervisor function's frame seen while pvk handlers ran (spec 9.1),
 * before the recorder places it in the call tree: one per call path, as
 * call-tree nodes are, from the guest frame that made the hypercall (and
 * whether the handler ran in a multicall) down. Frames live as long as the
 * profile; their counts are the ones not yet placed: the recorder adds them
 * to its call-tree nodes when a path appears (the nodes are then made at the
 * same moment as if every hypercall were placed at once) and at the end,
 * then zeroes them.
 */
export class HandlerPath implements HandlerPathFrame {
  /** Calls (for a handler: its runs). */
  n = 0;
  /**
   * Own cycles by statement slot (handlerSlots.ts; none for a caller's
   * frame), but for the entry statements' first charges, 1 cycle each per
   * call: the cycles at slot `i` are `cy[i]` plus `n` for each of
   * `entrySlots` that is `i` (see cycles()).
   */
  readonly cy: Float64Array;
  readonly entrySlots: readonly number[];
  readonly k: (HandlerPath | null)[] = [];
  /** The callees (a caller's frame: the handlers), in first-called order. */
  readonly calls: HandlerPath[] = [];
  private readonly byFn = new Map<A.FnItem, HandlerPath>();
  /** The evaluator's: the slot of the statement the call is at now. */
  at = 0;
  /** A caller's frame: whether its handlers have counts not yet placed (it is in HandlerFrames.pending). */
  pending = false;
  /**
   * The recorder's, set when it first places the frame: the call-tree node
   * it goes to, and for a handler, the hypercall's node (whose own cycles
   * exclude the handler's) and the node it goes below.
   */
  placedIn: object | null = null;
  hypercallNode: object | null = null;
  placedBelow: object | null = null;

  constructor(
    /** The function; null for a caller's frame. */
    readonly fn: A.FnItem | null,
    private readonly owner: HandlerFrames,
  ) {
    const slots = fn === null ? null : statementSlots(fn);
    this.cy = new Float64Array(slots === null ? 0 : slots.offsets.length);
    this.entrySlots = slots === null ? [] : slots.entrySlots;
  }

  /** Adds the entry statements' charges to `cy`: then it holds the cycles of each slot. */
  settle(): void {
    for (const k of this.entrySlots) this.cy[k] += this.n;
  }

  mk(id: number, fn: A.FnItem): HandlerPath {
    const f = this.kid(fn);
    while (this.k.length <= id) this.k.push(null);
    this.k[id] = f;
    return f;
  }

  /** The callee frame for `fn` (made on its first call). */
  kid(fn: A.FnItem): HandlerPath {
    let f = this.byFn.get(fn);
    if (f === undefined) {
      f = new HandlerPath(fn, this.owner);
      this.byFn.set(fn, f);
      this.calls.push(f);
      this.owner.fresh = true;
    }
    return f;
  }
}

/**
 * The call-path frames of the handlers extension hypercalls run, below the
 * frame of their caller (one per guest call-tree node that made hypercalls,
 * and per whether in a multicall), with the counts the recorder has not yet
 * placed. Compiled handlers count into the frames themselves from root();
 * the evaluator's calls and charges come through enter, leave and charge.
 */
export class HandlerFrames implements HandlerObserver {
  nested = false;
  /** A call path appeared since the recorder last placed the counts: it places them at the end of this hypercall. */
  fresh = false;
  /** The callers' frames with counts not yet placed, in first-run order. */
  readonly pending: HandlerPath[] = [];
  /** Callers' frames by guest call-tree node: [direct, in a multicall]. */
  private readonly callers = new Map<object, (HandlerPath | undefined)[]>();
  /** The last caller's frame looked up, its node and nesting (most hypercalls repeat the one before). */
  private lastTop: object | null = null;
  private lastNested = false;
  private lastCaller: HandlerPath | null = null;
  /** The last handler frame handler() gave, and where: its caller's node, nesting and function. */
  private runTop: object | null = null;
  private runNested = false;
  private runFn: A.FnItem | null = null;
  private run: HandlerPath | null = null;
  private runCaller: HandlerPath | null = null;
  /** The evaluator's frames entered now, innermost last (the array is reused, never shortened). */
  private readonly stack: HandlerPath[] = [];
  private depth = 0;

  handler(id: number, fn: A.FnItem): HandlerPath {
    const top: object = cursor.top;
    let run = this.run;
    if (run === null || top !== this.runTop || this.nested !== this.runNested || fn !== this.runFn) {
      const caller = this.root();
      run = caller.k[id] ?? caller.mk(id, fn);
      this.runTop = top;
      this.runNested = this.nested;
      this.runFn = fn;
      this.run = run;
      this.runCaller = caller;
      return run;
    }
    const caller = this.runCaller as HandlerPath;
    if (!caller.pending) {
      caller.pending = true;
      this.pending.push(caller);
    }
    return run;
  }

  /** The frame of the guest code making the hypercall now: its children are the handlers' frames. */
  private root(): HandlerPath {
    const top: object = cursor.top;
    const nested = this.nested;
    let caller = this.lastCaller;
    if (caller === null || top !== this.lastTop || nested !== this.lastNested) {
      let both = this.callers.get(top);
      if (both === undefined) this.callers.set(top, (both = [undefined, undefined]));
      const i = nested ? 1 : 0;
      caller = both[i] ??= new HandlerPath(null, this);
      this.lastTop = top;
      this.lastNested = nested;
      this.lastCaller = caller;
    }
    if (!caller.pending) {
      caller.pending = true;
      this.pending.push(caller);
    }
    return caller;
  }

  enter(fn: A.FnItem): void {
    const f = (this.depth > 0 ? this.stack[this.depth - 1] : this.root()).kid(fn);
    f.n++;
    // The call counts its entry statements' charges: they come through charge() too.
    for (const k of f.entrySlots) f.cy[k] -= 1;
    this.stack[this.depth++] = f;
  }

  leave(): void {
    if (this.depth > 0) this.depth--;
  }

  charge(cycles: number, s: A.Stmt | undefined): void {
    if (this.depth === 0 || cycles === 0) return;
    const top = this.stack[this.depth - 1];
    if (s !== undefined) top.at = statementSlots(top.fn as A.FnItem).slotOf.get(s) ?? 0;
    top.cy[top.at] += cycles;
  }
}
