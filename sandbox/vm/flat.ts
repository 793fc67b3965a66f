import type { IExpr, IrFunction, IStmt, Program } from '../machine/ir.js';

/** Straight-line code for the interpreter: the IR's simple statements plus jumps. */
export type FlatOp =
  | Exclude<IStmt, { k: 'if' } | { k: 'loop' } | { k: 'break' } | { k: 'continue' }>
  | { k: 'jump'; to: number }
  /** Jumps when `cond` is 0. */
  | { k: 'jump-false'; cond: IExpr; to: number }
  /** Falling off the end of a function: returns 0 (or nothing). */
  | { k: 'end' };

const flatCache = new WeakMap<Program, FlatOp[][]>();

/**
 * Every function of a program flattened, by function id: made once per
 * program and shared by the engines, the profiler and the debugger (read only).
 */
export function flatOf(program: Program): FlatOp[][] {
  let flat = flatCache.get(program);
  if (!flat) {
    flat = program.functions.map(flatten);
    flatCache.set(program, flat);
  }
  return flat;
}

/** Flattens one function's structured IR; jump targets are indices into the result. */
function flatten(fn: IrFunction): FlatOp[] {
  const code: FlatOp[] = [];
  const loops: { breaks: { k: 'jump'; to: number }[]; continues: { k: 'jump'; to: number }[] }[] = [];

  const emit = (stmts: readonly IStmt[]): void => {
    for (const s of stmts) {
      switch (s.k) {
        case 'if': {
          const skipThen: FlatOp & { k: 'jump-false' } = { k: 'jump-false', cond: s.cond, to: -1 };
          code.push(skipThen);
          emit(s.then);
          if (s.else.length > 0) {
            const skipElse: FlatOp & { k: 'jump' } = { k: 'jump', to: -1 };
            code.push(skipElse);
            skipThen.to = code.length;
            emit(s.else);
            skipElse.to = code.length;
          } else skipThen.to = code.length;
          break;
        }
        case 'loop': {
          const top = code.length;
          const frame = { breaks: [] as { k: 'jump'; to: number }[], continues: [] as { k: 'jump'; to: number }[] };
          loops.push(frame);
          emit(s.body);
          const stepAt = code.length;
          loops.pop();
          emit(s.step);
          code.push({ k: 'jump', to: top });
          for (const c of frame.continues) c.to = stepAt;
          for (const b of frame.breaks) b.to = code.length;
          break;
        }
        case 'break':
        case 'continue': {
          const j: { k: 'jump'; to: number } = { k: 'jump', to: -1 };
          const loop = loops[loops.length - 1];
          if (loop) (s.k === 'break' ? loop.breaks : loop.continues).push(j);
          code.push(j);
          break;
        }
        default:
          code.push(s);
      }
    }
  };
  emit(fn.body);
  code.push({ k: 'end' });
  return code;
}

/**
 * A function's statement boundaries in code order: `index` maps a boundary id
 * to its position (1-based: 0 stands for the function's entry) and `lines`
 * holds the source line of each position (`lines[0]` is the `fn` line).
 * Profiles count cycles per position.
 */
export function boundaryTable(code: readonly FlatOp[], fnLine: number): { index: Map<number, number>; lines: number[] } {
  const index = new Map<number, number>();
  const lines = [fnLine];
  for (const op of code) {
    if (op.k !== 'boundary') continue;
    index.set(op.id, lines.length);
    lines.push(op.loc.line);
  }
  return { index, lines };
}
