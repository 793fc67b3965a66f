import type { FlatOp } from './flat.js';
import type { BinOp, IExpr, Loc, PrintPart } from '../machine/ir.js';

/** Expression opcodes of the interpreter's compact form. */
export const X = {
  CONST: 0, LOCAL: 1, GLOBAL: 2, ADD: 3, SUB: 4, MUL: 5, DIVU: 6, DIVS: 7, REMU: 8, REMS: 9, AND: 10, OR: 11,
  XOR: 12, SHL: 13, SHRU: 14, SHRS: 15, EQ: 16, NE: 17, LTU: 18, LTS: 19, LEU: 20, LES: 21, GTU: 22, GTS: 23,
  GEU: 24, GES: 25, ANDAND: 26, OROR: 27, NEG: 28, NOT: 29, BNOT: 30, LOAD8: 31, LOAD16: 32, LOAD32: 33, INTR: 34,
} as const;

/** Statement opcodes of the interpreter's compact form, one per flat op. */
export const S = {
  BOUNDARY: 0, SETL: 1, SETG: 2, STORE: 3, CALL: 4, PVCALL: 5, HCALL: 6, HLT: 7, PRINT: 8, EVAL: 9, JUMP: 10,
  JUMPF: 11, RETURN: 12, END: 13,
} as const;

const BIN: Record<BinOp, number> = {
  add: X.ADD, sub: X.SUB, mul: X.MUL, divu: X.DIVU, divs: X.DIVS, remu: X.REMU, rems: X.REMS, and: X.AND, or: X.OR,
  xor: X.XOR, shl: X.SHL, shru: X.SHRU, shrs: X.SHRS, eq: X.EQ, ne: X.NE, ltu: X.LTU, lts: X.LTS, leu: X.LEU,
  les: X.LES, gtu: X.GTU, gts: X.GTS, geu: X.GEU, ges: X.GES,
};

/** One expression node; every node has the same shape so the evaluator's accesses stay monomorphic. */
export class XNode {
  constructor(
    readonly op: number,
    /** Constant value, local slot or global index. */
    readonly v: number,
    readonly a: XNode | null,
    readonly b: XNode | null,
    readonly args: XNode[] | null,
    readonly loc: Loc | null,
    /** Intrinsic name. */
    readonly name: string,
  ) {}
}

/** One statement (a flat op); `src` is the op it came from. */
export class SNode {
  constructor(
    readonly op: number,
    /** Slot, global index, width, function id, pvop index, hypercall number or jump target. */
    readonly v: number,
    /** Call or hypercall destination, or 1 for a check-point boundary. */
    readonly w: number,
    readonly e: XNode | null,
    readonly e2: XNode | null,
    readonly args: XNode[] | null,
    readonly loc: Loc | null,
    readonly parts: PrintPart[] | null,
    readonly src: FlatOp,
  ) {}
}

export function compactExpr(e: IExpr): XNode {
  switch (e.k) {
    case 'const':
      return new XNode(X.CONST, e.v, null, null, null, null, '');
    case 'local':
      return new XNode(X.LOCAL, e.slot, null, null, null, null, '');
    case 'global':
      return new XNode(X.GLOBAL, e.index, null, null, null, null, '');
    case 'bin':
      return new XNode(BIN[e.op], 0, compactExpr(e.a), compactExpr(e.b), null, e.loc, '');
    case 'andand':
    case 'oror':
      return new XNode(e.k === 'andand' ? X.ANDAND : X.OROR, 0, compactExpr(e.a), compactExpr(e.b), null, null, '');
    case 'neg':
    case 'not':
    case 'bnot':
      return new XNode(e.k === 'neg' ? X.NEG : e.k === 'not' ? X.NOT : X.BNOT, 0, compactExpr(e.a), null, null, null, '');
    case 'load':
      return new XNode(e.width === 8 ? X.LOAD8 : e.width === 16 ? X.LOAD16 : X.LOAD32, e.width, compactExpr(e.addr), null, null, e.loc, '');
    case 'intr':
      return new XNode(X.INTR, 0, null, null, e.args.map(compactExpr), e.loc, e.name);
  }
}

export function compactOp(op: FlatOp): SNode {
  const n = (code: number, v: number, w: number, e: XNode | null, e2: XNode | null, args: XNode[] | null, loc: Loc | null, parts: PrintPart[] | null = null) =>
    new SNode(code, v, w, e, e2, args, loc, parts, op);
  switch (op.k) {
    case 'boundary':
      return n(S.BOUNDARY, op.id, op.check ? 1 : 0, null, null, null, op.loc);
    case 'set-local':
      return n(S.SETL, op.slot, 0, compactExpr(op.e), null, null, null);
    case 'set-global':
      return n(S.SETG, op.index, 0, compactExpr(op.e), null, null, null);
    case 'store':
      return n(S.STORE, op.width, 0, compactExpr(op.addr), compactExpr(op.value), null, op.loc);
    case 'call':
      return op.target.k === 'fn'
        ? n(S.CALL, op.target.fn, op.dst, null, null, op.args.map(compactExpr), op.loc)
        : n(S.PVCALL, op.target.op, op.dst, null, null, op.args.map(compactExpr), op.loc);
    case 'hypercall':
      return n(S.HCALL, op.nr, op.dst, null, null, op.args.map(compactExpr), op.loc);
    case 'hlt':
      return n(S.HLT, 0, 0, null, null, null, op.loc);
    case 'print':
      return n(S.PRINT, 0, 0, null, null, op.parts.map((p) => (p.k === 'val' ? compactExpr(p.e) : new XNode(X.CONST, 0, null, null, null, null, ''))), null, op.parts);
    case 'eval':
      return n(S.EVAL, 0, 0, compactExpr(op.e), null, null, null);
    case 'jump':
      return n(S.JUMP, op.to, 0, null, null, null, null);
    case 'jump-false':
      return n(S.JUMPF, op.to, 0, compactExpr(op.cond), null, null, null);
    case 'return':
      return n(S.RETURN, 0, 0, op.e ? compactExpr(op.e) : null, null, null, null);
    case 'end':
      return n(S.END, 0, 0, null, null, null, null);
  }
}
