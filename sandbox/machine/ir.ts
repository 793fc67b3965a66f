/**
 * The executable form of a checked kernel, shared by every engine. Costs and
 * statement boundaries are explicit here, so engines cannot disagree on them.
 *
 * Values are 32-bit bit patterns held as int32 JS numbers (`x | 0`); `bool` is 0/1.
 * Calls, pvop calls, hypercalls and hlt (everything that can suspend a vCPU)
 * appear only as statements: the lowering hoists them out of expressions into
 * temporaries, keeping left-to-right evaluation order.
 */

/** Where a node came from: file index into Program.files, 1-based line and column. */
export interface Loc {
  file: number;
  line: number;
  column: number;
}

export type BinOp =
  | 'add' | 'sub' | 'mul' | 'divu' | 'divs' | 'remu' | 'rems' | 'and' | 'or' | 'xor'
  | 'shl' | 'shru' | 'shrs' | 'eq' | 'ne' | 'ltu' | 'lts' | 'leu' | 'les' | 'gtu' | 'gts' | 'geu' | 'ges';

export type IExpr =
  | { k: 'const'; v: number }
  | { k: 'local'; slot: number }
  | { k: 'global'; index: number }
  | { k: 'bin'; op: BinOp; a: IExpr; b: IExpr; loc: Loc }
  /** Short-circuit logic on pure operands. */
  | { k: 'andand' | 'oror'; a: IExpr; b: IExpr }
  | { k: 'neg' | 'not' | 'bnot'; a: IExpr }
  /** +COSTS.memoryAccess; may fault. */
  | { k: 'load'; width: 8 | 16 | 32; addr: IExpr; loc: Loc }
  /** A non-suspending intrinsic (everything but hlt and print); charges its cost by domain mode. */
  | { k: 'intr'; name: string; args: IExpr[]; loc: Loc };

export type BoundaryKind = 'stmt' | 'cond' | 'for-start' | 'for-test';

/** Where a call goes: a pvk function, or a pvop resolved through the domain's ops table. */
export type CallTarget = { k: 'fn'; fn: number } | { k: 'pvop'; op: number };

export type PrintPart = { k: 'str'; s: string } | { k: 'val'; e: IExpr; t: 'u32' | 'i32' | 'bool' };

export type IStmt =
  /**
   * A statement boundary: +COSTS.statement, a place the debugger can stop.
   * `check` marks the boundaries where the scheduler may preempt and events are
   * delivered: loop tests, a function's first boundary, and the first boundary
   * after a statement with a call, hypercall, hlt or intrinsic (so what those
   * made pending or deliverable is delivered at the next statement boundary,
   * and expensive straight-line code cannot run far past a limit).
   */
  | { k: 'boundary'; kind: BoundaryKind; check: boolean; loc: Loc; id: number }
  | { k: 'set-local'; slot: number; e: IExpr }
  | { k: 'set-global'; index: number; e: IExpr }
  /** +COSTS.memoryAccess; may fault. */
  | { k: 'store'; width: 8 | 16 | 32; addr: IExpr; value: IExpr; loc: Loc }
  /** A call; the result (if any) goes to local `dst` (-1: discarded). */
  | { k: 'call'; target: CallTarget; args: IExpr[]; dst: number; loc: Loc; site: number }
  /** A hypercall by number; the i32 result goes to `dst` (-1: discarded). Suspends on block/yield. */
  | { k: 'hypercall'; nr: number; args: IExpr[]; dst: number; loc: Loc; site: number }
  | { k: 'hlt'; loc: Loc; site: number }
  | { k: 'print'; parts: PrintPart[] }
  /** An expression evaluated for its effects (an intrinsic call). */
  | { k: 'eval'; e: IExpr }
  | { k: 'if'; cond: IExpr; then: IStmt[]; else: IStmt[] }
  /** Loops until `break`; `continue` runs `step` then loops. */
  | { k: 'loop'; body: IStmt[]; step: IStmt[] }
  | { k: 'break' }
  | { k: 'continue' }
  | { k: 'return'; e: IExpr | null };

export interface IrFunction {
  id: number;
  /** e.g. `main`, `cpu.irq_disable [xen]` */
  name: string;
  file: number;
  /** 1-based line of the `fn`. */
  line: number;
  params: number;
  /** Locals: params first, then lets, for variables and temporaries. */
  slots: number;
  /** Names of user-visible slots (temporaries are ''), for the debugger. */
  slotNames: string[];
  slotTypes: ('u32' | 'i32' | 'bool')[];
  returns: boolean;
  body: IStmt[];
  impl?: { group: string; op: string; platform: 'native' | 'xen' };
}

export interface IrGlobal {
  name: string;
  type: 'u32' | 'i32' | 'bool';
  init: number;
}

export interface IrPvop {
  group: string;
  op: string;
  native: number;
  xen: number;
}

export interface Program {
  files: string[];
  functions: IrFunction[];
  globals: IrGlobal[];
  pvops: IrPvop[];
  main: number;
  /** -1 when the kernel has no `on_event`. */
  onEvent: number;
  /** Number of boundaries and call sites, for per-site tables (breakpoints, profiles). */
  boundaryCount: number;
  siteCount: number;
}
