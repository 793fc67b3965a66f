import type * as A from '../lang/ast.js';
import { HV_INTRINSICS } from '../lang/hvIntrinsics.js';
import { ERRNO } from '../lang/abi.js';
import { COSTS } from '../machine/costs.js';
import { statementSlots } from './handlerSlots.js';
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
 * With `profiling`, the code counts its calls and cycles into a profiler's
 * call-path frames (HandlerPathFrame): each function gets its own frame `F`
 * from its caller, which finds it among its own frame's children (the
 * handler's: the observer's handler()), counts the call there and adds each
 * charge to its cycles at the charged statement's slot (handlerSlots.ts: an expression's charge, a helper call's
 * or an intrinsic's, is at its statement, the one charged last) — the same
 * counts the evaluator reports to the observer call by call, so a profiled
 * run gives the same profile.
 */
export interface GeneratedHandlers {
  source: string;
  /** Where a panic can happen, by site number (`X.panic(site, cycles)`). */
  sites: PanicSite[];
  /** The functions, by number (profiling: `P.mk(i, FN[i])`). */
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

/**
 * Profiling: where a charge at slot `k` is counted, as a placeholder the
 * function's code gets once it is known which slots count in locals (U+0001
 * and U+0002, the callee frames' placeholder, never appear in the generated
 * code otherwise: JSON.stringify escapes them).
 */
function slotRef(k: number): string {
  return `\u0001${k}\u0001`;
}

/** Profiling: where a return writes back the slots counted in locals (U+0003, as the placeholders above). */
const WRITE_BACK = '\u0003';

/** Profiling: at most this many statement slots of a function count in JavaScript locals (see loopedSlots). */
const MAX_SLOT_LOCALS = 16;

/** The statement slots of `fn` that are in a loop (or a loop's own), ascending: charged many times a call. */
function loopedSlots(fn: A.FnItem): number[] {
  const { slotOf } = statementSlots(fn);
  const looped = new Set<number>();
  const visit = (s: A.Stmt, inLoop: boolean): void => {
    if (s.kind === 'block') {
      for (const inner of s.stmts) visit(inner, inLoop);
      return;
    }
    const loop = inLoop || s.kind === 'while' || s.kind === 'for';
    if (loop) looped.add(slotOf.get(s) ?? 0);
    if (s.kind === 'if') {
      visit(s.then, loop);
      if (s.else) visit(s.else, loop);
    } else if (s.kind === 'while' || s.kind === 'for') visit(s.body, true);
  };
  visit(fn.body, false);
  return [...looped].sort((a, b) => a - b);
}

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
  private readonly fns: A.FnItem[] = [];
  private readonly fnIndex = new Map<A.FnItem, number>();
  // Per function being generated:
  private fn!: A.FnItem;
  private locals = new Map<object, string>();
  private temps = 0;
  private labels = 0;
  private loops: string[] = [];
  /** Profiling: the slot of the statement being generated (its expressions' charges go there). */
  private slot = 0;
  /** Profiling: the functions the function being generated calls, by number. */
  private callees = new Set<number>();
  /** Profiling: its entry statements (handlerSlots.ts), each until its first charge is generated. */
  private entries: (A.Stmt | undefined)[] = [];
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
      const id = this.fnId(h);
      // Profiling: the handler's frame, below the frame of the guest code that made the hypercall.
      if (this.profiling) return `      case ${k}: return f${id}(${['1', `o.handler(${id}, FN[${id}])`, ...args].join(', ')}) | 0;`;
      return `      case ${k}: return f${id}(${['1', ...args].join(', ')}) | 0;`;
    });
    const source = [
      '"use strict";',
      'const imul = rt.imul, trunc = rt.trunc, floor = rt.floor, EF = rt.EF;',
      // Per machine: its context X (faults, notify, print), its globals GV; profiling: functions FN.
      // `var`, not `let`: the functions below read these on every statement, and a `let` they close over costs a check for its temporal dead zone at each read.
      'var X = null, GV = null, FN = null;',
      // Per run: cycles c against the budget B, the caller (domain, vCPU, memory).
      'var c = 0, B = 0, CD = 0, CV = 0, MV = null, ML = 0;',
      ...bodies,
      'return {',
      // The plain variant has no observer or functions to set (fewer bytes to run, and V8 inlines it).
      ...(this.profiling
        ? ['  run(x, h, v, A, budget, o) {', '    if (X !== x) { X = x; GV = x.gv; FN = x.fns; }', '    c = 0; B = budget;']
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
    return { source, sites: this.sites, fns: this.fns };
  }

  private fnId(fn: A.FnItem): number {
    return indexIn(this.fns, this.fnIndex, fn);
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
    this.callees = new Set();
    this.entries = [...statementSlots(fn).entry];
    const params = fn.params.map((p) => this.local(p));
    const entry = fn.params.map((p, i) => (p.type.name === 'bool' ? '' : `${params[i]} = ${norm(params[i], p.type.name)};`)).join(' ');
    let body = this.block(fn.body, '    ');
    const declared = [...this.locals.values()].slice(params.length);
    for (let i = 0; i < this.temps; i++) declared.push(`t${i}`);
    if (declared.length + params.length > MAX_JS_LOCALS) throw new NotCompiled(`${fn.name.name}: ${declared.length + params.length} locals`);
    const lines = [`function f${id}(${['d', ...(this.profiling ? ['F'] : []), ...params].join(', ')}) {`];
    if (declared.length > 0) lines.push(`  let ${declared.map((n) => `${n} = 0`).join(', ')};`);
    if (entry) lines.push(`  ${entry}`);
    if (!this.profiling) {
      lines.push(body, '  return 0;', '}');
      return lines.join('\n');
    }
    // Profiling: this call's frame F (its caller found it), counted, and its cycles by statement slot CY. Within
    // the JavaScript locals' bound, a callee's frame is kept in a local `k3` once looked up, and the slots of
    // statements in loops count in locals `y2`, added to CY once the call ends (returned or unwound).
    let room = MAX_JS_LOCALS - declared.length - params.length;
    const callees = [...this.callees].slice(0, Math.max(0, room));
    room -= callees.length;
    const counted = loopedSlots(fn).slice(0, Math.max(0, Math.min(MAX_SLOT_LOCALS, room)));
    body = body.replace(/\u0001(\d+)\u0001/g, (_, k: string) => (counted.includes(Number(k)) ? `y${k}` : `CY[${k}]`));
    // Written back at each return, and on the way out of a throw (a try/finally would keep them out of registers).
    // They start at -0, not 0, as the guest code's loop counters do (vm/attribution.ts declarations()): V8 keeps
    // them as untagged doubles, not tagged small integers it must check and retag on each count.
    const writeBack = counted.map((k) => `CY[${k}] += y${k};`).join(' ');
    body = body.split(WRITE_BACK).join(writeBack);
    const version = (frames: string, prologue: readonly string[]): string => {
      const code = [...lines, ...prologue, '  F.n++; const CY = F.cy;'];
      const framed = body.replace(/\u0002(\d+)\u0002/g, (_, k: string) => (callees.includes(Number(k)) ? frames.replaceAll('#', k) : `F.k[${k}] ?? F.mk(${k}, FN[${k}])`));
      if (counted.length === 0) code.push(framed, '  return 0;', '}');
      else code.push(`  let ${counted.map((k) => `y${k} = -0`).join(', ')};`, '  try {', framed, `    ${writeBack} return 0;`, `  } catch (e) { ${writeBack} throw e; }`, '}');
      return code.join('\n');
    };
    if (callees.length === 0) return version('', []);
    // A callee's frame is made on its first call (HandlerPath.mk()). Once every callee kept in a local has its frame,
    // calls go to a version that looks them up as it starts: no call to mk() is left in its loops, which would make V8
    // keep the loop's values in memory around it (the version that makes them, f3s, is the other).
    const lazy = version('k# ?? (k# = F.k[#] ?? F.mk(#, FN[#]))', [`  let ${callees.map((k) => `k${k} = null`).join(', ')};`]);
    const made = version('k#', [`  const ${callees.map((k) => `k${k} = F.k[${k}] ?? null`).join(', ')};`, `  if (${callees.map((k) => `k${k} === null`).join(' || ')}) return f${id}s(${['d', 'F', ...params].join(', ')});`]);
    return `${lazy.replace(`function f${id}(`, `function f${id}s(`)}\n${made}`;
  }

  // ------------------------------------------------------------ charges

  /** Profiling: the frame of a call of function `id` from this one, as a placeholder (see function()). */
  private calleeFrame(id: number): string {
    this.callees.add(id);
    return `\u0002${id}\u0002`;
  }

  /** A charge of `n` cycles at statement `s`, as a statement; profiling: `s` is the statement running from now on. */
  private chargeStmt(n: number, s: A.Stmt): string {
    if (this.profiling) {
      const slots = statementSlots(this.fn);
      this.slot = slots.slotOf.get(s) ?? 0;
      // The first charge of an entry statement is counted by the call (handlerSlots.ts): past the
      // cycle limit there, it and the entry charges after it are taken back (1 cycle each).
      const j = this.entries.indexOf(s);
      if (j >= 0) {
        this.entries[j] = undefined;
        return `if ((c += ${n}) > B) { ${slots.entrySlots.slice(j).map((k) => `CY[${k}] -= 1;`).join(' ')} X.out(${n}, ${this.slot}, c, CY); }`;
      }
      return `if ((c += ${n}) > B) X.out(${n}, ${this.slot}, c, CY); ${slotRef(this.slot)} += ${n};`;
    }
    return `if ((c += ${n}) > B) X.out(${n}, -1, c);`;
  }

  /** A charge of `n` cycles at the statement running (a helper call, an intrinsic), as an expression. */
  private chargeExpr(n: number): string {
    if (this.profiling) return `((c += ${n}) > B ? X.out(${n}, ${this.slot}, c, CY) : (${slotRef(this.slot)} += ${n}))`;
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
        if (this.profiling) return `${indent}${this.chargeStmt(1, s)} { const r = ${s.value ? norm(this.expr(s.value), this.fn.ret?.name) : '0'}; ${WRITE_BACK} return r; }`;
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
        // The charge first: the condition's charges are at this statement.
        const charge = this.chargeStmt(1, s);
        const cond = this.expr(s.cond);
        this.loops.push(label);
        const body = this.block(s.body, inner);
        this.loops.pop();
        return `${indent}${label}: for (;;) {\n${inner}${charge}\n${inner}if (!(${cond})) break;\n${body}\n${indent}}`;
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
      return `(${[...code, `d >= ${MAX_DEPTH} && X.panic(${k}, c)`, this.chargeExpr(COSTS.call), `f${this.fnId(target)}(${['d + 1', ...(this.profiling ? [this.calleeFrame(this.fnId(target))] : []), ...passed].join(', ')})`].join(', ')})`;
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
