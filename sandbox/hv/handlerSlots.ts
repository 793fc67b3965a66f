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
  /**
   * The statements charged first in every call, in order, and their slots:
   * the leading statements of the body up to the first that is not a plain
   * `let`, assignment or expression statement or whose expressions may end
   * the call (a call, a division), that one included (its charge comes
   * before its expressions), a `while` excluded (its charge is the loop's).
   * A call ends before one of them only at its charge, past the cycle limit:
   * a profiler can count their charges (1 cycle each) by the calls.
   */
  readonly entry: readonly A.Stmt[];
  readonly entrySlots: readonly number[];
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
    const entry: A.Stmt[] = [];
    for (const s of fn.body.stmts) {
      if (s.kind === 'block' || s.kind === 'while' || s.kind === 'break' || s.kind === 'continue') break;
      entry.push(s);
      const plain = (s.kind === 'let' && !mayEnd(s.init)) || (s.kind === 'assign' && s.op !== '/=' && s.op !== '%=' && !mayEnd(s.value)) || (s.kind === 'expr' && !mayEnd(s.expr));
      if (!plain) break;
    }
    slots = { offsets, slotOf, entry, entrySlots: entry.map((s) => slotOf.get(s) ?? 0) };
    slotsByFn.set(fn, slots);
  }
  return slots;
}

/** Whether evaluating `e` may end the call (a fault, -EFAULT, the cycle limit): it calls, divides or reaches memory. */
function mayEnd(e: A.Expr): boolean {
  switch (e.kind) {
    case 'int':
    case 'bool':
    case 'string':
    case 'name':
      return false;
    case 'unary':
    case 'cast':
      return mayEnd(e.operand);
    case 'binary':
      return e.op === '/' || e.op === '%' || mayEnd(e.left) || mayEnd(e.right);
    default:
      return true;
  }
}
