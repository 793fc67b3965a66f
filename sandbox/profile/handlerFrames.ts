import type * as A from '../lang/ast.js';
import type { HandlerObserver } from '../hv/pvkHandlers.js';

/**
 * A hypervisor function's frame seen while a pvk handler ran (spec 9.1),
 * before the recorder places it in the call tree: one per call path from
 * the handler, as call-tree nodes are.
 */
export interface HandlerFrame {
  readonly fn: A.FnItem;
  count: number;
  /** Own cycles by the source offset (in `fn.file`) of the statement they were charged at. */
  readonly at: Map<number, number>;
  /** Own cycles, all statements. */
  self: number;
  /** Callees by function, in first-called order. */
  readonly kids: Map<A.FnItem, HandlerFrame>;
  /** The offset of the statement the call on this frame is at now. */
  cur: number;
}

function frame(fn: A.FnItem): HandlerFrame {
  return { fn, count: 0, at: new Map(), self: 0, kids: new Map(), cur: fn.span.start };
}

/**
 * Collects the frames and cycles of the handlers a hypercall ran (one
 * handler, or several in a multicall) until the recorder takes them, when
 * the engine reports the hypercall's cost.
 */
export class HandlerFrames implements HandlerObserver {
  /** The handler runs since the last take(), in order. */
  private runs: HandlerFrame[] = [];
  private readonly stack: HandlerFrame[] = [];

  enter(fn: A.FnItem): void {
    const top = this.stack[this.stack.length - 1];
    let f: HandlerFrame | undefined;
    if (top === undefined) {
      f = frame(fn);
      this.runs.push(f);
    } else {
      f = top.kids.get(fn);
      if (f === undefined) top.kids.set(fn, (f = frame(fn)));
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
    if (s !== undefined) top.cur = s.span.start;
    top.at.set(top.cur, (top.at.get(top.cur) ?? 0) + cycles);
    top.self += cycles;
  }

  /** Whether handlers ran since the last take(). */
  get pending(): boolean {
    return this.runs.length > 0;
  }

  /** The handler runs since the last call, outermost frames, in order; forgets them. */
  take(): HandlerFrame[] {
    const runs = this.runs;
    this.runs = [];
    return runs;
  }
}
