import type * as A from '../lang/ast.js';
import type { ItemTable } from '../lang/items.js';
import type { ParsedFile } from '../lang/program.js';
import type { BinOp, CallTarget, IExpr, IrFunction, IrGlobal, IrPvop, IStmt, Loc, PrintPart, Program } from '../machine/ir.js';

type ValueType = 'u32' | 'i32' | 'bool';

/**
 * Lowers a checked kernel (its import closure, already checked without
 * errors, and the closure's name table) into the IR both engines run.
 */
export function lowerKernel(closure: readonly ParsedFile[], table: ItemTable): Program {
  return new Lowering(closure, table).run();
}

const SIGNED_OPS: Partial<Record<A.BinaryOp, [BinOp, BinOp]>> = {
  '/': ['divu', 'divs'],
  '%': ['remu', 'rems'],
  '>>': ['shru', 'shrs'],
  '<': ['ltu', 'lts'],
  '<=': ['leu', 'les'],
  '>': ['gtu', 'gts'],
  '>=': ['geu', 'ges'],
};
const PLAIN_OPS: Partial<Record<A.BinaryOp, BinOp>> = {
  '+': 'add', '-': 'sub', '*': 'mul', '&': 'and', '|': 'or', '^': 'xor', '<<': 'shl', '==': 'eq', '!=': 'ne',
};
const COMPOUND: Record<string, A.BinaryOp> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '&=': '&', '|=': '|', '^=': '^', '<<=': '<<', '>>=': '>>',
};

/**
 * A chain of binary expressions down the left operands (`a + b + c …`) is
 * lowered in a loop, and every CHAIN_TEMP_EVERY links the value so far goes
 * to a temporary: the IR (and the JavaScript generated from it) nests no
 * deeper for a sum of 10,000 terms than for one of 64.
 */
const CHAIN_TEMP_EVERY = 64;
/**
 * An `if … else if …` chain of more branches than this is lowered flat (one
 * `if` per branch, guarded by a "taken" flag) instead of nesting each `else if`
 * in the previous `else`; shorter chains nest as they always did.
 */
const FLAT_IF_CHAIN_AFTER = 32;

/**
 * Whether lowering `e` emits statements before the expression that reads
 * it: a call, pvop call, hypercall or hlt (hoisted, they may suspend), or a
 * chain long enough to be split into temporaries. Whatever a statement
 * evaluates before such an expression is first saved in a temporary, so
 * that evaluation stays left to right.
 */
function emitsStatements(e: A.Expr): boolean {
  switch (e.kind) {
    case 'call':
      return e.target?.kind === 'fn' || e.target?.name === 'hlt' || e.args.some(emitsStatements);
    case 'pvop':
    case 'hypercall':
      return true;
    case 'unary':
      return emitsStatements(e.operand);
    case 'cast':
      return emitsStatements(e.operand);
    case 'binary': {
      let node: A.Expr = e;
      let links = 0;
      while (node.kind === 'binary') {
        if (emitsStatements(node.right)) return true;
        links++;
        node = node.left;
      }
      return links > CHAIN_TEMP_EVERY || emitsStatements(node);
    }
    case 'mem':
      return emitsStatements(e.address);
    default:
      return false;
  }
}

class Lowering {
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private readonly fnIds = new Map<A.FnItem, number>();
  private readonly globalIds = new Map<A.VarItem, number>();
  private readonly pvopIds = new Map<string, number>();
  private readonly functions: IrFunction[] = [];
  private readonly globals: IrGlobal[] = [];
  private readonly pvops: IrPvop[] = [];
  private boundaryCount = 0;
  private siteCount = 0;
  // per function
  private slots = new Map<object, number>();
  private slotNames: string[] = [];
  private slotTypes: ValueType[] = [];
  private file = 0;
  private source: ParsedFile | undefined;
  private firstBoundary = true;
  /** A call, hypercall or hlt was just emitted: the next boundary delivers what it made pending. */
  private checkNext = false;

  constructor(
    private readonly closure: readonly ParsedFile[],
    private readonly table: ItemTable,
  ) {}

  run(): Program {
    const table = this.table;
    const plain: A.FnItem[] = [];
    for (const f of this.closure) {
      this.fileIndex.set(f.source.path, this.files.length);
      this.files.push(f.source.path);
      for (const item of f.ast.items) {
        if (item.kind === 'fn' && table.values.get(item.name.name) === item) plain.push(item);
        if (item.kind === 'var' && table.values.get(item.name.name) === item) {
          this.globalIds.set(item, this.globals.length);
          const type = item.declared?.name ?? 'u32';
          this.globals.push({ name: item.name.name, type, init: (item.initialValue ?? 0) | 0 });
        }
      }
    }
    const implFns: { fn: A.FnItem; group: string; platform: 'native' | 'xen' }[] = [];
    for (const item of table.values.values()) {
      if (item.kind !== 'pvops') continue;
      const pair = table.impls.get(item.name.name) ?? {};
      for (const op of item.ops) {
        const find = (impl: A.ImplItem | undefined) => impl?.fns.find((f) => f.name.name === op.name.name);
        const native = find(pair.native);
        const xen = find(pair.xen);
        if (native) implFns.push({ fn: native, group: item.name.name, platform: 'native' });
        if (xen) implFns.push({ fn: xen, group: item.name.name, platform: 'xen' });
        this.pvopIds.set(`${item.name.name}.${op.name.name}`, this.pvops.length);
        this.pvops.push({ group: item.name.name, op: op.name.name, native: -1, xen: -1 });
      }
    }
    for (const fn of plain) this.fnIds.set(fn, this.fnIds.size);
    for (const { fn } of implFns) this.fnIds.set(fn, this.fnIds.size);
    for (const fn of plain) this.functions.push(this.lowerFn(fn));
    for (const { fn, group, platform } of implFns) {
      const ir = this.lowerFn(fn);
      ir.name = `${group}.${fn.name.name} [${platform}]`;
      ir.impl = { group, op: fn.name.name, platform };
      this.functions.push(ir);
      const pvop = this.pvops[this.pvopIds.get(`${group}.${fn.name.name}`) as number];
      pvop[platform] = ir.id;
    }
    const mainItem = table.values.get('main');
    const onEvent = table.values.get('on_event');
    return {
      files: this.files,
      functions: this.functions,
      globals: this.globals,
      pvops: this.pvops,
      main: mainItem?.kind === 'fn' ? (this.fnIds.get(mainItem) ?? -1) : -1,
      onEvent: onEvent?.kind === 'fn' ? (this.fnIds.get(onEvent) ?? -1) : -1,
      boundaryCount: this.boundaryCount,
      siteCount: this.siteCount,
    };
  }

  // ------------------------------------------------------------ functions

  private lowerFn(fn: A.FnItem): IrFunction {
    this.file = this.fileIndex.get(fn.file) ?? 0;
    this.source = this.closure.find((f) => f.source.path === fn.file);
    this.slots = new Map();
    this.slotNames = [];
    this.slotTypes = [];
    this.firstBoundary = true;
    this.checkNext = false;
    for (const p of fn.params) this.newSlot(p, p.name.name, p.type.name);
    const body: IStmt[] = [];
    this.block(fn.body, body);
    return {
      id: this.fnIds.get(fn) as number,
      name: fn.name.name,
      file: this.file,
      line: this.loc(fn.name.span.start).line,
      params: fn.params.length,
      slots: this.slotNames.length,
      slotNames: this.slotNames,
      slotTypes: this.slotTypes,
      returns: fn.ret !== undefined,
      body,
    };
  }

  private newSlot(key: object | null, name: string, type: ValueType): number {
    const slot = this.slotNames.length;
    if (key) this.slots.set(key, slot);
    this.slotNames.push(name);
    this.slotTypes.push(type);
    return slot;
  }
  private temp(type: ValueType = 'u32'): number {
    return this.newSlot(null, '', type);
  }

  private loc(offset: number): Loc {
    const p = this.source?.source.position(offset) ?? { line: 1, column: 1 };
    return { file: this.file, line: p.line, column: p.column };
  }

  private boundary(out: IStmt[], kind: IStmt & { k: 'boundary' } extends infer B ? (B extends { kind: infer K } ? K : never) : never, offset: number, check = false): void {
    out.push({ k: 'boundary', kind, check: check || this.firstBoundary || this.checkNext, loc: this.loc(offset), id: this.boundaryCount++ });
    this.firstBoundary = false;
    this.checkNext = false;
  }

  // ------------------------------------------------------------ statements

  private block(b: A.Block, out: IStmt[]): void {
    for (const s of b.stmts) this.stmt(s, out);
  }

  private stmt(s: A.Stmt, out: IStmt[]): void {
    switch (s.kind) {
      case 'let': {
        this.boundary(out, 'stmt', s.span.start);
        const e = this.expr(s.init, out);
        const slot = this.newSlot(s, s.name.name, s.varType ?? 'u32');
        out.push({ k: 'set-local', slot, e });
        break;
      }
      case 'assign':
        this.boundary(out, 'stmt', s.span.start);
        this.assign(s, out);
        break;
      case 'expr':
        this.boundary(out, 'stmt', s.span.start);
        this.exprStmt(s.expr, out);
        break;
      case 'return':
        this.boundary(out, 'stmt', s.span.start);
        out.push({ k: 'return', e: s.value ? this.expr(s.value, out) : null });
        break;
      case 'break':
      case 'continue':
        this.boundary(out, 'stmt', s.span.start);
        out.push({ k: s.kind });
        break;
      case 'block':
        this.block(s, out);
        break;
      case 'if': {
        if (ifChainLength(s) > FLAT_IF_CHAIN_AFTER) {
          this.flatIfChain(s, out);
          break;
        }
        this.boundary(out, 'cond', s.cond.span.start);
        const cond = this.expr(s.cond, out);
        const then: IStmt[] = [];
        this.block(s.then, then);
        const otherwise: IStmt[] = [];
        if (s.else?.kind === 'block') this.block(s.else, otherwise);
        else if (s.else) this.stmt(s.else, otherwise);
        out.push({ k: 'if', cond, then, else: otherwise });
        break;
      }
      case 'while': {
        const body: IStmt[] = [];
        this.boundary(body, 'cond', s.cond.span.start, true);
        const cond = this.expr(s.cond, body);
        body.push({ k: 'if', cond: { k: 'not', a: cond }, then: [{ k: 'break' }], else: [] });
        this.block(s.body, body);
        out.push({ k: 'loop', body, step: [] });
        break;
      }
      case 'for': {
        this.boundary(out, 'for-start', s.span.start);
        const lo = this.expr(s.lo, out, emitsStatements(s.hi));
        const i = this.newSlot(s, s.name.name, 'u32');
        out.push({ k: 'set-local', slot: i, e: lo });
        const hiValue = this.expr(s.hi, out);
        const hi = this.temp();
        out.push({ k: 'set-local', slot: hi, e: hiValue });
        const body: IStmt[] = [];
        this.boundary(body, 'for-test', s.name.span.start, true);
        const loc = this.loc(s.name.span.start);
        body.push({ k: 'if', cond: { k: 'bin', op: 'geu', a: { k: 'local', slot: i }, b: { k: 'local', slot: hi }, loc }, then: [{ k: 'break' }], else: [] });
        this.block(s.body, body);
        const step: IStmt[] = [{ k: 'set-local', slot: i, e: { k: 'bin', op: 'add', a: { k: 'local', slot: i }, b: { k: 'const', v: 1 }, loc } }];
        out.push({ k: 'loop', body, step });
        break;
      }
    }
  }

  /**
   * A long `if … else if … else …` chain, flat: a "taken" flag, cleared once
   * the first condition is evaluated and set on entering a branch; each
   * further condition, and the final else, runs only while it is clear. The
   * same boundaries, evaluations and costs, in the same order, as the nested
   * form; only the IR's shape differs.
   */
  private flatIfChain(s: A.IfStmt, out: IStmt[]): void {
    const taken = this.temp('bool');
    const notTaken: IExpr = { k: 'not', a: { k: 'local', slot: taken } };
    let link: A.IfStmt = s;
    for (let first = true; ; first = false) {
      const here: IStmt[] = first ? out : [];
      this.boundary(here, 'cond', link.cond.span.start);
      const cond = this.expr(link.cond, here);
      if (first) here.push({ k: 'set-local', slot: taken, e: { k: 'const', v: 0 } });
      const then: IStmt[] = [{ k: 'set-local', slot: taken, e: { k: 'const', v: 1 } }];
      this.block(link.then, then);
      here.push({ k: 'if', cond, then, else: [] });
      if (!first) out.push({ k: 'if', cond: notTaken, then: here, else: [] });
      if (link.else?.kind !== 'if') break;
      link = link.else;
    }
    if (link.else) {
      const last: IStmt[] = [];
      this.block(link.else, last);
      out.push({ k: 'if', cond: notTaken, then: last, else: [] });
    }
  }

  private assign(s: A.AssignStmt, out: IStmt[]): void {
    const t = s.target;
    const later = emitsStatements(s.value);
    if (t.kind === 'mem') {
      const loc = this.loc(t.span.start);
      let addr = this.expr(t.address, out, later || s.op !== '=');
      if (s.op === '=') {
        out.push({ k: 'store', width: t.width, addr, value: this.expr(s.value, out), loc });
        return;
      }
      // Compound: the address once, then the current value, then the operand.
      if (addr.k !== 'const' && addr.k !== 'local') addr = this.toTemp(addr, out);
      let current: IExpr = { k: 'load', width: t.width, addr, loc };
      if (later) current = this.toTemp(current, out);
      const value = this.expr(s.value, out);
      out.push({ k: 'store', width: t.width, addr, value: this.binop(COMPOUND[s.op], 'u32', current, value, loc), loc });
      return;
    }
    const ref = t.ref;
    if (!ref) return;
    const loc = this.loc(t.span.start);
    let value: IExpr;
    if (s.op === '=') value = this.expr(s.value, out);
    else {
      let current: IExpr = this.readRef(ref, t);
      if (later && current.k === 'global') current = this.toTemp(current, out);
      value = this.binop(COMPOUND[s.op], (t.type === 'i32' ? 'i32' : 'u32'), current, this.expr(s.value, out), loc);
    }
    if (ref.kind === 'global') out.push({ k: 'set-global', index: this.globalIds.get(ref.decl) as number, e: value });
    else if (ref.kind === 'local') out.push({ k: 'set-local', slot: this.slots.get(ref.decl) as number, e: value });
  }

  private exprStmt(e: A.Expr, out: IStmt[]): void {
    if (e.kind === 'call' && e.target?.kind === 'intrinsic' && e.target.name === 'print') {
      const parts: PrintPart[] = [];
      const anyLater = e.args.map(emitsStatements);
      e.args.forEach((a, i) => {
        if (a.kind === 'string') parts.push({ k: 'str', s: a.value });
        else {
          const keep = anyLater.slice(i + 1).some(Boolean);
          parts.push({ k: 'val', e: this.expr(a, out, keep), t: (a.type === 'i32' || a.type === 'bool' ? a.type : 'u32') });
        }
      });
      out.push({ k: 'print', parts });
      return;
    }
    if (e.kind === 'call' || e.kind === 'pvop' || e.kind === 'hypercall') {
      const lowered = this.callLike(e, out, -1);
      if (lowered) out.push({ k: 'eval', e: lowered });
      return;
    }
    out.push({ k: 'eval', e: this.expr(e, out) });
  }

  // ------------------------------------------------------------ expressions

  private toTemp(e: IExpr, out: IStmt[]): IExpr {
    const slot = this.temp();
    out.push({ k: 'set-local', slot, e });
    return { k: 'local', slot };
  }

  /**
   * Lowers an expression, appending hoisted calls to `out`. With `keep`, a
   * result that a later hoisted call could change is first saved in a temporary.
   */
  private expr(e: A.Expr, out: IStmt[], keep = false): IExpr {
    const r = this.exprInner(e, out);
    if (keep && r.k !== 'const' && r.k !== 'local') return this.toTemp(r, out);
    return r;
  }

  private readRef(ref: A.NameRef, e: A.NameExpr): IExpr {
    switch (ref.kind) {
      case 'const': {
        const v = ref.decl.value;
        return { k: 'const', v: typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? 0) | 0 };
      }
      case 'global':
        return { k: 'global', index: this.globalIds.get(ref.decl) as number };
      case 'local':
        return { k: 'local', slot: this.slots.get(ref.decl) as number };
    }
    void e;
  }

  private binop(op: A.BinaryOp, type: 'u32' | 'i32', a: IExpr, b: IExpr, loc: Loc): IExpr {
    const signed = SIGNED_OPS[op];
    const code = signed ? signed[type === 'i32' ? 1 : 0] : (PLAIN_OPS[op] as BinOp);
    return { k: 'bin', op: code, a, b, loc };
  }

  private exprInner(e: A.Expr, out: IStmt[]): IExpr {
    switch (e.kind) {
      case 'int':
        return { k: 'const', v: e.value | 0 };
      case 'bool':
        return { k: 'const', v: e.value ? 1 : 0 };
      case 'string':
        return { k: 'const', v: 0 };
      case 'name':
        return e.ref ? this.readRef(e.ref, e) : { k: 'const', v: 0 };
      case 'cast':
        return this.exprInner(e.operand, out);
      case 'unary': {
        const a = this.exprInner(e.operand, out);
        return { k: e.op === '-' ? 'neg' : e.op === '!' ? 'not' : 'bnot', a };
      }
      case 'mem':
        return { k: 'load', width: e.width, addr: this.exprInner(e.address, out), loc: this.loc(e.span.start) };
      case 'binary':
        return this.binaryChain(e, out);
      case 'call':
      case 'pvop':
      case 'hypercall': {
        const r = this.callLike(e, out, e.type === 'void' || e.type === undefined ? -1 : this.temp());
        return r ?? { k: 'const', v: 0 };
      }
    }
  }

  /**
   * A binary expression and the chain down its left operands, in a loop from
   * the leftmost operand up: the same IR, in the same order, as lowering each
   * left operand recursively, except that every CHAIN_TEMP_EVERY links the
   * value so far goes to a temporary (emitsStatements says so to the callers).
   */
  private binaryChain(e: A.BinaryExpr, out: IStmt[]): IExpr {
    const links: A.BinaryExpr[] = [];
    let node: A.Expr = e;
    while (node.kind === 'binary') {
      links.push(node);
      node = node.left;
    }
    let acc = this.exprInner(node, out);
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i];
      if (link.op === '&&' || link.op === '||') acc = this.logic(link, acc, out);
      else {
        const loc = this.loc(link.opSpan.start);
        // As this.expr(link.left, out, keep) would: a left side a later hoisted statement could change is saved first.
        if (emitsStatements(link.right) && acc.k !== 'const' && acc.k !== 'local') acc = this.toTemp(acc, out);
        const b = this.exprInner(link.right, out);
        acc = this.binop(link.op, link.left.type === 'i32' ? 'i32' : 'u32', acc, b, loc);
      }
      const done = links.length - i;
      if (i > 0 && done % CHAIN_TEMP_EVERY === 0 && acc.k !== 'local') acc = this.toTemp(acc, out);
    }
    return acc;
  }

  /** `a && b` / `a || b` (`a` already lowered): pure operands stay an expression; a hoisted call on the right needs a branch. */
  private logic(e: A.BinaryExpr, a: IExpr, out: IStmt[]): IExpr {
    if (!emitsStatements(e.right)) return { k: e.op === '&&' ? 'andand' : 'oror', a, b: this.exprInner(e.right, out) };
    const slot = this.temp('bool');
    out.push({ k: 'set-local', slot, e: a });
    const rightOut: IStmt[] = [];
    const b = this.exprInner(e.right, rightOut);
    rightOut.push({ k: 'set-local', slot, e: b });
    const test: IExpr = { k: 'local', slot };
    out.push(e.op === '&&' ? { k: 'if', cond: test, then: rightOut, else: [] } : { k: 'if', cond: test, then: [], else: rightOut });
    return { k: 'local', slot };
  }

  /**
   * A call, pvop call, hypercall or intrinsic. Suspending ones become
   * statements writing `dst` and the result is read from there; intrinsics stay expressions.
   */
  private callLike(e: A.CallExpr | A.PvopCallExpr | A.HypercallExpr, out: IStmt[], dst: number): IExpr | undefined {
    const loc = this.loc(e.span.start);
    const later = e.args.map((a, i) => e.args.slice(i + 1).some(emitsStatements));
    const args = e.args.map((a, i) => this.expr(a, out, later[i]));
    const result: IExpr | undefined = dst >= 0 ? { k: 'local', slot: dst } : undefined;
    if (e.kind === 'hypercall') {
      out.push({ k: 'hypercall', nr: e.decl?.number ?? -1, args, dst, loc, site: this.siteCount++ });
      this.checkNext = true;
      return result;
    }
    let target: CallTarget;
    if (e.kind === 'pvop') {
      target = { k: 'pvop', op: this.pvopIds.get(`${e.group.name}.${e.op.name}`) as number };
    } else if (e.target?.kind === 'fn') {
      target = { k: 'fn', fn: this.fnIds.get(e.target) as number };
    } else {
      const name = e.target?.name ?? '';
      if (name === 'hlt') {
        out.push({ k: 'hlt', loc, site: this.siteCount++ });
        this.checkNext = true;
        return undefined;
      }
      // What an intrinsic does (a trap, a VM exit, unmasking events with sti() or a
      // store to vcpu_info()) takes effect at the next statement boundary.
      this.checkNext = true;
      return { k: 'intr', name, args, loc };
    }
    out.push({ k: 'call', target, args, dst, loc, site: this.siteCount++ });
    this.checkNext = true;
    return result;
  }
}

/** The number of conditions of an `if … else if …` chain. */
function ifChainLength(s: A.IfStmt): number {
  let n = 1;
  for (let link = s.else; link?.kind === 'if'; link = link.else) n++;
  return n;
}
