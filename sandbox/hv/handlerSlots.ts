import type * as A from '../lang/ast.js';

/**
 * The statements of a hypervisor function (a pvk handler or helper) that
 * cycles are charged at, numbered: a profiler counts a call path's cycles
 * in an array by these slots (handlerFrames.ts), the compiled handlers
 * index it with numbers fixed when they are generated (handlerCompile.ts),
 * and the profile maps the slots back to source lines. Statements starting
 * at the same source offset share a slot, as profiles key them by offset.
 */
export interface StatementSlots {
  /** Each slot's source offset in the function's file. */
  readonly offsets: readonly number[];
  /** Each charged statement's slot. */
  readonly slotOf: ReadonlyMap<A.Stmt, number>;
}

const slotsByFn = new WeakMap<A.FnItem, StatementSlots>();

/** The statement slots of `fn` (made once per function). */
export function statementSlots(fn: A.FnItem): StatementSlots {
  let slots = slotsByFn.get(fn);
  if (slots === undefined) {
    const offsets: number[] = [];
    const slotOf = new Map<A.Stmt, number>();
    const byOffset = new Map<number, number>();
    const visit = (s: A.Stmt): void => {
      if (s.kind === 'block') {
        for (const inner of s.stmts) visit(inner);
        return;
      }
      let slot = byOffset.get(s.span.start);
      if (slot === undefined) {
        slot = offsets.length;
        offsets.push(s.span.start);
        byOffset.set(s.span.start, slot);
      }
      slotOf.set(s, slot);
      if (s.kind === 'if') {
        visit(s.then);
        if (s.else) visit(s.else);
      } else if (s.kind === 'while' || s.kind === 'for') visit(s.body);
    };
    visit(fn.body);
    slots = { offsets, slotOf };
    slotsByFn.set(fn, slots);
  }
  return slots;
}
