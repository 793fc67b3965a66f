import type * as A from '../lang/ast.js';
import { statementSlots } from '../hv/handlerSlots.js';
import type { HandlerObserver, HandlerPathFrame } from '../hv/pvkHandlers.js';
import type { ProfileCursor } from '../vm/profiling.js';

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
/** The handler frame HandlerFrames.handler() gave last for one nesting, and where: its caller's node, its function, its caller's frame. */
class LastRun {
  top: object | null = null;
  fn: A.FnItem | null = null;
  run: HandlerPath | null = null;
  caller: HandlerPath | null = null;
}

export class HandlerFrames implements HandlerObserver {
  nested = 0;
  /** A call path appeared since the recorder last placed the counts: it places them at the end of this hypercall. */
  fresh = false;
  /** The callers' frames with counts not yet placed, in first-run order. */
  readonly pending: HandlerPath[] = [];
  /** Callers' frames by guest call-tree node: [direct, in a multicall]. */
  private readonly callers = new Map<object, (HandlerPath | undefined)[]>();
  /** The last caller's frame looked up, its node and nesting (most hypercalls repeat the one before). */
  private lastTop: object | null = null;
  private lastNested = 0;
  private lastCaller: HandlerPath | null = null;
  /** What handler() gave last for a direct call and for a multicall's entry (each comes in runs, as hypercalls do). */
  private readonly lastDirect = new LastRun();
  private readonly lastNestedRun = new LastRun();
  /** The evaluator's frames entered now, innermost last (the array is reused, never shortened). */
  private readonly stack: HandlerPath[] = [];
  private depth = 0;

  constructor(
    /** The profiler's cursor: the guest frame making the hypercall now (vm/profiling.ts). */
    private readonly cursor: ProfileCursor,
  ) {}

  /** The frame of handler `fn` (function `id` of the compiled handlers) run now, below its caller's: most calls repeat the one before. */
  handler(id: number, fn: A.FnItem): HandlerPath {
    const last = this.nested === 0 ? this.lastDirect : this.lastNestedRun;
    const run = last.run;
    if (run === null || this.cursor.top !== last.top || fn !== last.fn) return this.newRun(last, id, fn);
    const caller = last.caller as HandlerPath;
    // Compared, not tested: V8 then checks no other kinds of value.
    if (caller.pending === false) this.markPending(caller);
    return run;
  }

  private newRun(last: LastRun, id: number, fn: A.FnItem): HandlerPath {
    const caller = this.root();
    const run = caller.k[id] ?? caller.mk(id, fn);
    last.top = this.cursor.top;
    last.fn = fn;
    last.run = run;
    last.caller = caller;
    return run;
  }

  private markPending(caller: HandlerPath): void {
    caller.pending = true;
    this.pending.push(caller);
  }

  /** The frame of the guest code making the hypercall now: its children are the handlers' frames. */
  private root(): HandlerPath {
    const top: object = this.cursor.top;
    const nested = this.nested;
    let caller = this.lastCaller;
    if (caller === null || top !== this.lastTop || nested !== this.lastNested) {
      let both = this.callers.get(top);
      if (both === undefined) this.callers.set(top, (both = [undefined, undefined]));
      caller = both[nested] ??= new HandlerPath(null, this);
      this.lastTop = top;
      this.lastNested = nested;
      this.lastCaller = caller;
    }
    if (caller.pending === false) this.markPending(caller);
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
