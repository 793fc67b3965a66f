import type * as A from '../lang/ast.js';
import { HV_INTRINSICS } from '../lang/hvIntrinsics.js';
import { ERRNO } from '../lang/abi.js';
import { COSTS } from '../machine/costs.js';
import { MAX_DEPTH, type HypervisorPanic } from './pvkHandlers.js';

/**
 * Compiles the pvk handlers of hypervisor extensions (spec 9.1) and the
 * helpers they reach to JavaScript source, once per machine, for the fast
 * engine. The generated code does exactly what the evaluator of
 * pvkHandlers.ts does, operation for operation and in the same order:
 * the same cycles charged at the same points (statements, conditions, `for`
 * starts and tests, +5 per helper call, the intrinsics' costs), the same
 * u32 / i32 normalisation, the same faults at the same cycle. The step engine
 * and the reference interpreter keep the evaluator, so the engine-agreement
 * tests compare two implementations.
 *
 * Only mangled names appear in the source (`f3` functions, `l2` locals,
 * `t5` temporaries, `GV[1]` hypervisor globals, `L0` loop labels); user
 * strings enter only through JSON.stringify (print's literals); panic
 * messages and locations stay in a table beside the code (`sites`); the only
 * free name is the parameter `rt`.
 *
 * With `profiling`, the code tells a HandlerObserver `O` every call, return
 * and charge as the evaluator does (statements by index into `stmts`,
 * functions into `fns`), so a profiled run gives the same profile.
 */
export interface GeneratedHandlers {
  source: string;
  /** Where a panic can happen, by site number (`X.panic(site, cycles)`). */
  sites: PanicSite[];
  /** Profiling: the statements charges are made at, by index. */
  stmts: A.Stmt[];
  /** Profiling: the functions, by index (`O.enter(FN[i])`). */
  fns: A.FnItem[];
}

export interface PanicSite {
  kind: HypervisorPanic['kind'];
  message: string;
  file: string;
  /** The source offset of the faulting operator or call. */
  offset: number;
}

/**
 * What generated code agrees on with the machine that runs it, shared by the
 * plain and the profiling variant: each hypercall's handler by entry number,
 * each hypervisor global by slot (in `GV`).
 */
export class HandlerLayout {
  readonly entries = new Map<A.FnItem, number>();
  readonly slots = new Map<A.VarItem, number>();

  constructor(abis: readonly A.AbiItem[]) {
    for (const abi of abis) {
      for (const v of abi.vars) if (!this.slots.has(v)) this.slots.set(v, this.slots.size);
      for (const h of abi.hypercalls) if (h.handler && !this.entries.has(h.handler)) this.entries.set(h.handler, this.entries.size);
    }
  }

  slot(v: A.VarItem): number {
    let s = this.slots.get(v);
    if (s === undefined) this.slots.set(v, (s = this.slots.size));
    return s;
  }
}

/**
 * A generated function keeps its locals and temporaries in JavaScript locals;
 * past this many it is not compiled (the machine keeps the evaluator), so
 * that 256 nested hypervisor frames always fit the host's stack.
 */
const MAX_JS_LOCALS = 200;

/** Thrown instead of source when some function cannot be compiled (too big, or code the checker refuses). */
export class NotCompiled extends Error {}

/** Source for the handlers of `layout` (throws NotCompiled). */
export function generateHandlers(layout: HandlerLayout, profiling: boolean): GeneratedHandlers {
  return new HandlerGenerator(layout, profiling).generate();
}

/** `code` normalised to type `t`, as the evaluator's norm(). */
function norm(code: string, t: A.TypeName | 'void' | undefined): string {
  return t === 'i32' ? `((${code}) | 0)` : t === 'u32' ? `((${code}) >>> 0)` : `(${code})`;
}

/** The value `v` normalised to `t`, computed now, as a JavaScript literal. */
function literal(v: number, t: A.TypeName | 'void' | undefined): string {
  const n = t === 'i32' ? v | 0 : t === 'u32' ? v >>> 0 : v;
  if (Object.is(n, -0)) return '(-0)';
  return n < 0 ? `(${n})` : String(n);
}

/** The index of `item` in `list` (kept with `index`), added at the end the first time. */
function indexIn<T>(list: T[], index: Map<T, number>, item: T): number {
  let i = index.get(item);
  if (i === undefined) {
    i = list.length;
    list.push(item);
    index.set(item, i);
  }
  return i;
}

class HandlerGenerator {
  private readonly sites: PanicSite[] = [];
  private readonly stmts: A.Stmt[] = [];
  private readonly stmtIndex = new Map<A.Stmt, number>();
  private readonly fns: A.FnItem[] = [];
  private readonly fnIndex = new Map<A.FnItem, number>();
  // Per function being generated:
  private fn!: A.FnItem;
  private locals = new Map<object, string>();
  private temps = 0;
  private labels = 0;
  private loops: string[] = [];
  /** Whether some code reads the caller (its ids or its memory): else a run does not look them up. */
  private readsCaller = false;

  constructor(
    private readonly layout: HandlerLayout,
    private readonly profiling: boolean,
  ) {}

  generate(): GeneratedHandlers {
    for (const handler of this.layout.entries.keys()) this.fnId(handler);
    const bodies: string[] = [];
    // Functions are found while generating (calls add their targets).
    for (let i = 0; i < this.fns.length; i++) bodies.push(this.function(this.fns[i], i));
    const entries = [...this.layout.entries].map(([h, k]) => {
      const args = h.params.map((_, i) => `A[${i}] ?? 0`);
      return `      case ${k}: return f${this.fnId(h)}(${['1', ...args].join(', ')}) | 0;`;
    });
    const source = [
      '"use strict";',
      'const imul = rt.imul, trunc = rt.trunc, floor = rt.floor, EF = rt.EF;',
      // Per machine: its context X (faults, notify, print), its globals GV; profiling: statements S, functions FN.
      // `var`, not `let`: the functions below read these on every statement, and a `let` they close over costs a check for its temporal dead zone at each read.
      'var X = null, GV = null, S = null, FN = null;',
      // Per run: cycles c against the budget B, the caller (domain, vCPU, memory), the observer O.
      'var c = 0, B = 0, CD = 0, CV = 0, MV = null, ML = 0, O = null;',
      ...bodies,
      'return {',
      // The plain variant has no observer, statements or functions to set (fewer bytes to run, and V8 inlines it).
      ...(this.profiling
        ? ['  run(x, h, v, A, budget, o) {', '    if (X !== x) { X = x; GV = x.gv; S = x.stmts; FN = x.fns; }', '    c = 0; B = budget; O = o;']
        : ['  run(x, h, v, A, budget) {', '    if (X !== x) { X = x; GV = x.gv; }', '    c = 0; B = budget;']),
      ...(this.readsCaller ? ['    const d = v.domain, m = d.memory;', '    CD = d.id >>> 0; CV = v.id >>> 0; MV = m.view; ML = m.limit;'] : []),
      '    try {',
      '      switch (h) {',
      ...entries,
      '      }',
      '    } catch (e) {',
      `      if (e === EF) return ${ERRNO.EFAULT};`,
      '      throw e;',
      '    }',
      '    return 0;',
      '  },',
      '  cycles() { return c; },',
      '};',
    ].join('\n');
    return { source, sites: this.sites, stmts: this.stmts, fns: this.fns };
  }

  private fnId(fn: A.FnItem): number {
    return indexIn(this.fns, this.fnIndex, fn);
  }

  private stmtId(s: A.Stmt): number {
    return indexIn(this.stmts, this.stmtIndex, s);
  }

  private site(kind: PanicSite['kind'], message: string, at: { start: number }): number {
    this.sites.push({ kind, message, file: this.fn.file, offset: at.start });
    return this.sites.length - 1;
  }

  private temp(): string {
    return `t${this.temps++}`;
  }

  private local(decl: object): string {
    let name = this.locals.get(decl);
    if (name === undefined) this.locals.set(decl, (name = `l${this.locals.size}`));
    return name;
  }

  // ------------------------------------------------------------ functions

  private function(fn: A.FnItem, id: number): string {
    this.fn = fn;
    this.locals = new Map();
    this.temps = 0;
    this.labels = 0;
    this.loops = [];
    const params = fn.params.map((p) => this.local(p));
    const entry = fn.params.map((p, i) => (p.type.name === 'bool' ? '' : `${params[i]} = ${norm(params[i], p.type.name)};`)).join(' ');
    const body = this.block(fn.body, '    ');
    const declared = [...this.locals.values()].slice(params.length);
    for (let i = 0; i < this.temps; i++) declared.push(`t${i}`);
    if (declared.length + params.length > MAX_JS_LOCALS) throw new NotCompiled(`${fn.name.name}: ${declared.length + params.length} locals`);
    const lines = [`function f${id}(${['d', ...params].join(', ')}) {`];
    if (declared.length > 0) lines.push(`  let ${declared.map((n) => `${n} = 0`).join(', ')};`);
    if (entry) lines.push(`  ${entry}`);
    if (this.profiling) lines.push(`  const OF = O.enter(FN[${id}]);`, '  try {', body, '    return 0;', '  } finally { O.leave(); }');
    else lines.push(body, '  return 0;');
    lines.push('}');
    return lines.join('\n');
  }

  // ------------------------------------------------------------ charges

  /** A charge of `n` cycles at statement `s` (or the statement running), as a statement. */
  private chargeStmt(n: number, s: A.Stmt): string {
    const k = this.stmtId(s);
    if (this.profiling) return `c += ${n}; if (c > B) X.out(${n}, ${k}, c); OF.at(${n}, ${s.span.start});`;
    return `if ((c += ${n}) > B) X.out(${n}, -1, c);`;
  }

  /** A charge of `n` cycles at the statement running (a helper call, an intrinsic), as an expression. */
  private chargeExpr(n: number): string {
    if (this.profiling) return `((c += ${n}) > B ? X.out(${n}, -1, c) : OF.here(${n}))`;
    return `((c += ${n}) > B && X.out(${n}, -1, c))`;
  }

  // ------------------------------------------------------------ statements

  private block(b: A.Block, indent: string): string {
    return b.stmts.map((s) => this.stmt(s, indent)).join('\n');
  }

  private stmt(s: A.Stmt, indent: string): string {
    const inner = `${indent}  `;
    switch (s.kind) {
      case 'let':
        return `${indent}${this.chargeStmt(1, s)} ${this.local(s)} = ${norm(this.expr(s.init), s.varType)};`;
      case 'assign':
        return `${indent}${this.chargeStmt(1, s)} ${this.assign(s)}`;
      case 'expr':
        return `${indent}${this.chargeStmt(1, s)} ${this.expr(s.expr)};`;
      case 'return':
        return `${indent}${this.chargeStmt(1, s)} return ${s.value ? norm(this.expr(s.value), this.fn.ret?.name) : '0'};`;
      case 'break':
      case 'continue': {
        const loop = this.loops[this.loops.length - 1];
        // The checker refuses break and continue outside a loop (PVK008).
        if (loop === undefined) throw new NotCompiled(`${s.kind} outside a loop`);
        return `${indent}${this.chargeStmt(1, s)} ${s.kind} ${loop};`;
      }
      case 'block':
        return `${indent}{\n${this.block(s, inner)}\n${indent}}`;
      case 'if': {
        const head = `${indent}${this.chargeStmt(1, s)}\n${indent}if (${this.expr(s.cond)}) {\n${this.block(s.then, inner)}\n${indent}}`;
        if (s.else === undefined) return head;
        const other = s.else.kind === 'block' ? this.block(s.else, inner) : this.stmt(s.else, inner);
        return `${head} else {\n${other}\n${indent}}`;
      }
      case 'while': {
        const label = `L${this.labels++}`;
        const cond = this.expr(s.cond);
        this.loops.push(label);
        const body = this.block(s.body, inner);
        this.loops.pop();
        return `${indent}${label}: for (;;) {\n${inner}${this.chargeStmt(1, s)}\n${inner}if (!(${cond})) break;\n${body}\n${indent}}`;
      }
      case 'for': {
        const label = `L${this.labels++}`;
        const [lo, hi, i] = [this.temp(), this.temp(), this.temp()];
        const head = `${indent}${this.chargeStmt(1, s)} ${lo} = (${this.expr(s.lo)}) >>> 0; ${hi} = (${this.expr(s.hi)}) >>> 0;`;
        const v = this.local(s);
        this.loops.push(label);
        const body = this.block(s.body, inner);
        this.loops.pop();
        return `${head}\n${indent}${label}: for (${i} = ${lo}; ; ${i} = (${i} + 1) >>> 0) {\n${inner}${this.chargeStmt(1, s)}\n${inner}if (!(${i} < ${hi})) break;\n${inner}${v} = ${i};\n${body}\n${indent}}`;
      }
    }
  }

  private assign(s: A.AssignStmt): string {
    const target = s.target;
    if (target.kind !== 'name' || !target.ref) return ''; // the checker refuses memory in hypervisor code
    const t = target.type === 'void' ? undefined : target.type;
    const value = s.op === '=' ? this.expr(s.value) : this.arith(s.op.slice(0, -1) as A.BinaryOp, this.read(target), this.expr(s.value), t, s.opSpan);
    const ref = target.ref;
    if (ref.kind === 'local') return `${this.local(ref.decl)} = ${norm(value, t)};`;
    if (ref.kind === 'global') return `GV[${this.layout.slot(ref.decl)}] = ${norm(value, t)};`;
    return `${value};`; // a constant: evaluated, not stored
  }

  // ------------------------------------------------------------ expressions

  private read(e: A.NameExpr): string {
    const ref = e.ref;
    if (!ref) return '0';
    if (ref.kind === 'local') return this.local(ref.decl);
    if (ref.kind === 'global') return `GV[${this.layout.slot(ref.decl)}]`;
    const v = ref.decl.value;
    return typeof v === 'boolean' ? (v ? '1' : '0') : literal(v ?? 0, e.type);
  }

  private expr(e: A.Expr): string {
    switch (e.kind) {
      case 'int':
        return literal(e.value, e.type);
      case 'bool':
        return e.value ? '1' : '0';
      case 'string':
        return '0';
      case 'name':
        return this.read(e);
      case 'unary': {
        const v = this.expr(e.operand);
        if (e.op === '!') return `((${v}) ? 0 : 1)`;
        return norm(e.op === '-' ? `-(${v})` : `~(${v})`, e.type);
      }
      case 'cast':
        return norm(this.expr(e.operand), e.target.name);
      case 'binary': {
        if (e.op === '&&' || e.op === '||') return `((${this.expr(e.left)}) ${e.op} (${this.expr(e.right)}) ? 1 : 0)`;
        const t = e.left.type === 'void' ? undefined : e.left.type;
        return this.arith(e.op, this.expr(e.left), this.expr(e.right), t, e.opSpan);
      }
      case 'call':
        return this.call(e);
      default:
        return '0'; // mem, pvop and hypercall are refused by the checker in hypervisor code
    }
  }

  /** A binary operator on values of type `t` (the left operand's); `l` is evaluated before `r`. */
  private arith(op: A.BinaryOp, l: string, r: string, t: A.TypeName | undefined, at: { start: number }): string {
    const signed = t === 'i32';
    switch (op) {
      case '+':
        return norm(`(${l}) + (${r})`, t);
      case '-':
        return norm(`(${l}) - (${r})`, t);
      case '*':
        return norm(`imul(${l}, ${r})`, t);
      case '/':
      case '%': {
        const [a, b] = [this.temp(), this.temp()];
        const k = this.site('divide-by-zero', `${op === '/' ? 'division' : 'remainder'} by zero in hypervisor code (${this.fn.name.name})`, at);
        const result = signed ? (op === '/' ? norm(`trunc((${a} | 0) / (${b} | 0))`, t) : norm(`(${a} | 0) % (${b} | 0)`, t)) : op === '/' ? `floor((${a} >>> 0) / (${b} >>> 0))` : `((${a} >>> 0) % (${b} >>> 0))`;
        return `(${a} = ${l}, ${b} = ${r}, ${b} === 0 && X.panic(${k}, c), ${result})`;
      }
      case '&':
        return norm(`(${l}) & (${r})`, t);
      case '|':
        return norm(`(${l}) | (${r})`, t);
      case '^':
        return norm(`(${l}) ^ (${r})`, t);
      case '<<':
        return norm(`(${l}) << ((${r}) & 31)`, t);
      case '>>':
        return signed ? `((${l}) >> ((${r}) & 31))` : `(((${l}) >>> 0) >>> ((${r}) & 31))`;
      case '==':
        return `((${l}) === (${r}) ? 1 : 0)`;
      case '!=':
        return `((${l}) !== (${r}) ? 1 : 0)`;
      case '<':
      case '<=':
      case '>':
      case '>=':
        return signed ? `(((${l}) | 0) ${op} ((${r}) | 0) ? 1 : 0)` : `(((${l}) >>> 0) ${op} ((${r}) >>> 0) ? 1 : 0)`;
      default:
        return `(${l}, ${r}, 0)`;
    }
  }

  /** Evaluates `args` in order into fresh temporaries: the assignments and the temporaries' names. */
  private args(args: readonly A.Expr[]): { code: string[]; names: string[] } {
    const names = args.map(() => this.temp());
    return { code: args.map((a, i) => `${names[i]} = ${this.expr(a)}`), names };
  }

  private call(e: A.CallExpr): string {
    const target = e.target;
    if (!target) return '0';
    if (target.kind === 'fn') {
      const { code, names } = this.args(e.args);
      // As in guests: the call that would go deeper faults at its call site and is not charged.
      const k = this.site('stack-overflow', `hypervisor call depth above ${MAX_DEPTH} frames calling ${target.name.name}`, e.callee.span);
      const passed = target.params.map((_, i) => names[i] ?? '0');
      return `(${[...code, `d >= ${MAX_DEPTH} && X.panic(${k}, c)`, this.chargeExpr(COSTS.call), `f${this.fnId(target)}(${['d + 1', ...passed].join(', ')})`].join(', ')})`;
    }
    const name = target.name;
    if (name === 'print') {
      const parts = e.args.map((a) => (a.kind === 'string' ? JSON.stringify(a.value) : a.type === 'bool' ? `((${this.expr(a)}) ? "true" : "false")` : a.type === 'i32' ? `((${this.expr(a)}) | 0)` : `((${this.expr(a)}) >>> 0)`));
      return `X.print(${['""', ...parts].join(' + ')})`;
    }
    const { code, names } = this.args(e.args);
    const seq = (...tail: string[]) => `(${[...code, ...tail].join(', ')})`;
    const cost = HV_INTRINSICS[name]?.cost ?? 0;
    switch (name) {
      case 'caller':
        this.readsCaller = true;
        return seq('CD');
      case 'caller_vcpu':
        this.readsCaller = true;
        return seq('CV');
      case 'guest_load32':
      case 'guest_store32': {
        this.readsCaller = true;
        const a = this.temp();
        // The caller's own memory only, 4-byte aligned; anything else ends the handler with -EFAULT.
        const checked = [`${a} = ${names[0] ?? 'void 0'} >>> 0`, `((${a} & 3) !== 0 || ${a} + 4 > ML) && X.efault()`, this.chargeExpr(cost)];
        if (name === 'guest_load32') return seq(...checked, `MV.getUint32(${a}, true)`);
        return seq(...checked, `MV.setInt32(${a}, ${names[1] ?? 'void 0'} | 0, true)`, '0');
      }
      case 'notify':
        return seq(this.chargeExpr(cost), `X.notify(${names[0] ?? 'void 0'}, ${names[1] ?? 'void 0'})`);
      default:
        return seq('0');
    }
  }
}
