import type * as A from '../lang/ast.js';
import type { BootedExtensions } from '../hv/extensions.js';
import { abiFunctionsOf } from '../lang/walk.js';
import type { HandlerFrame, HvGlobals } from '../hv/pvkHandlers.js';
import type { Value } from './evaluate.js';

/**
 * What the debugger shows of hypervisor code (pvk hypercall handlers and the
 * helpers of `abi` blocks, spec 9.1): where breakpoints bind, a handler
 * frame's name and locals, and the hypervisor globals of its block.
 */

/** The hypervisor functions of the booted extensions: helpers, then handlers. */
function hypervisorFns(ext: BootedExtensions): A.FnItem[] {
  return ext.booted.flatMap(({ abi }) => abiFunctionsOf(abi));
}

/** The lines of the booted extensions' hypervisor code that hold a statement, by file: where breakpoints bind. */
export function hypervisorLines(ext: BootedExtensions): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const visit = (file: string, s: A.Stmt): void => {
    if (s.kind === 'block') {
      for (const inner of s.stmts) visit(file, inner);
      return;
    }
    const lines = out.get(file) ?? new Set<number>();
    lines.add(ext.positionOf(file, s.span.start).line);
    out.set(file, lines);
    if (s.kind === 'if') {
      visit(file, s.then);
      if (s.else) visit(file, s.else);
    } else if (s.kind === 'while' || s.kind === 'for') visit(file, s.body);
  };
  for (const fn of hypervisorFns(ext)) visit(fn.file, fn.body);
  return out;
}

/** The names of the booted extensions' hypervisor functions (a handler by its hypercall's name): function breakpoints. */
export function hypervisorFunctionNames(ext: BootedExtensions): Set<string> {
  return new Set(hypervisorFns(ext).map((fn) => fn.name.name));
}

/** A handler frame as the call stack shows it. */
export function hypervisorFrameLabel(fn: A.FnItem): string {
  return fn.handlerOf ? `${fn.name.name} [hypercall handler]` : `${fn.name.name} [hypervisor]`;
}

/** Where a handler frame is: the statement it is at (in a caller, the one making the call). */
export function hypervisorFrameAt(ext: BootedExtensions, frame: HandlerFrame): { file: string; line: number; column: number } {
  return { file: frame.fn.file, ...ext.positionOf(frame.fn.file, (frame.at ?? frame.fn.body).span.start) };
}

type Local = A.Param | A.LetStmt | A.ForStmt;

/** A handler frame's locals so far, in declaration order; of two with one name, the later. */
export function hypervisorLocals(frame: HandlerFrame): { name: string; value: Value }[] {
  const byName = new Map<string, Value>();
  for (const [decl, v] of frame.locals as Map<Local, number>) {
    const t = decl.kind === 'param' ? decl.type.name : decl.kind === 'let' ? (decl.varType ?? 'u32') : 'u32';
    byName.delete(decl.name.name);
    byName.set(decl.name.name, { v, t });
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

/** The hypervisor globals of the `abi` block a function belongs to. */
export function hypervisorGlobals(fn: A.FnItem, globals: HvGlobals): { name: string; value: Value }[] {
  return (fn.abi?.vars ?? []).map((g) => ({ name: g.name.name, value: { v: globals.get(g) ?? 0, t: g.declared?.name ?? 'u32' } }));
}

/** A name in a handler frame, as its code sees it: a local, else a global of its block. */
export function hypervisorName(frame: HandlerFrame, globals: HvGlobals, name: string): Value | undefined {
  return hypervisorLocals(frame).find((l) => l.name === name)?.value ?? hypervisorGlobals(frame.fn, globals).find((g) => g.name === name)?.value;
}
