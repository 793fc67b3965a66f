import type { Hypervisor } from '../hv/hypervisor.js';
import type { Frame, Vcpu } from '../machine/state.js';
import { flatOf } from '../vm/flat.js';
import type { Loc, Program } from '../machine/ir.js';

/**
 * The source location a frame is at: its boundary when it is the top frame or
 * waits under an event upcall (delivered at that boundary), else the call it waits in.
 */
export function frameLoc(program: Program, frame: Frame, top: boolean, underUpcall = false): Loc {
  const code = flatOf(program)[frame.fn];
  const here = code[frame.pc];
  if ((top || underUpcall) && here?.k === 'boundary') return here.loc;
  for (let pc = Math.min(frame.pc - (top ? 0 : 1), code.length - 1); pc >= 0; pc--) {
    const op = code[pc];
    if (op.k === 'call' || op.k === 'hypercall' || op.k === 'hlt' || op.k === 'store') return op.loc;
    if (op.k === 'boundary') return op.loc;
  }
  const fn = program.functions[frame.fn];
  return { file: fn.file, line: fn.line, column: 1 };
}

/** All vCPUs of a machine in a stable order: the debugger's threads. */
export function allVcpus(hv: Hypervisor): Vcpu[] {
  return hv.domains.flatMap((d) => d.vcpus);
}

const byLineCache = new WeakMap<Program, Map<string, Map<number, number[]>>>();
const entryCache = new WeakMap<Program, Map<string, number>>();

/** Boundaries per (file, line) of a program, for placing breakpoints. */
export function boundariesByLine(program: Program): Map<string, Map<number, number[]>> {
  const cached = byLineCache.get(program);
  if (cached) return cached;
  const out = new Map<string, Map<number, number[]>>();
  byLineCache.set(program, out);
  for (const code of flatOf(program)) {
    for (const op of code) {
      if (op.k !== 'boundary') continue;
      const file = program.files[op.loc.file];
      const lines = out.get(file) ?? new Map<number, number[]>();
      const ids = lines.get(op.loc.line) ?? [];
      ids.push(op.id);
      lines.set(op.loc.line, ids);
      out.set(file, lines);
    }
  }
  return out;
}

/** The first boundary of each function by name (function breakpoints). */
export function entryBoundaries(program: Program): Map<string, number> {
  const cached = entryCache.get(program);
  if (cached) return cached;
  const out = new Map<string, number>();
  entryCache.set(program, out);
  flatOf(program).forEach((code, fn) => {
    const first = code.find((op) => op.k === 'boundary');
    if (first && first.k === 'boundary') out.set(program.functions[fn].name, first.id);
  });
  return out;
}
