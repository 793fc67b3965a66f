import type * as A from '../lang/ast.js';
import { HV_INTRINSICS } from '../lang/hvIntrinsics.js';
import { COSTS } from '../machine/costs.js';
import type { Vcpu } from '../machine/state.js';
import { ERRNO } from '../lang/abi.js';
import { setPending, type EventHost } from './events.js';

/**
 * Runs the pvk handlers of hypervisor extensions (spec 9.1) inside the
 * hypervisor, over the checked AST. A handler runs to completion within one
 * hypercall: nothing preempts it and no upcall is delivered inside it, so the
 * hypervisor runs it synchronously, whichever engine runs the guest — the
 * three engines agree on its cycles because none of them runs it. Cycles
 * follow the cost model of section 4 (statements, conditions, `for` tests,
 * +5 per helper call, the hypervisor intrinsics' own costs).
 */

/** A fault in hypervisor code: the whole machine stops (`end: "panic"`). */
export class HypervisorPanic extends Error {
  constructor(
    readonly kind: 'divide-by-zero' | 'stack-overflow',
    message: string,
    readonly file: string,
    readonly line: number,
    /** The handler's cycles up to the fault (the faulting operation is not charged). */
    readonly cycles: number,
  ) {
    super(message);
  }
}

/** The cycle limit was reached inside a handler: the run ends there. */
export class HandlerOutOfCycles extends Error {
  constructor(readonly cycles: number) {
    super('cycle limit reached inside a hypercall handler');
  }
}

/** What a handler can reach of the machine. */
export interface HandlerHost extends EventHost {
  /** Appends a line to the hypervisor console. */
  hvPrint(line: string): void;
  /** The line of an offset in a file (for panic locations). */
  lineOf(file: string, offset: number): number;
}

/**
 * What a profiler sees of a handler run: its calls and where each cycle was
 * charged. Null when not profiling, so that an unprofiled run pays nothing.
 * The evaluator reports calls and charges one by one (enter, leave,
 * charge); the compiled handlers count into the profiler's call-path frames
 * themselves (HandlerPathFrame), starting from handler().
 */
export interface HandlerObserver {
  /** Set before each handler run: 1 when it is an entry of a multicall, else 0 (a number: storing it costs no write barrier). */
  nested: number;
  /** Compiled handlers: the call-path frame of handler `fn` (number `id` in the generated module) about to run. */
  handler(id: number, fn: A.FnItem): HandlerPathFrame;
  /** A call of hypervisor function `fn` starts (first the handler itself). */
  enter(fn: A.FnItem): void;
  /** The innermost call returned, or unwound (a fault, -EFAULT, the cycle limit). */
  leave(): void;
  /** `cycles` were charged in the innermost call: at statement `s` (it, its condition or a loop test), else at the statement running (a helper call, an intrinsic). */
  charge(cycles: number, s: A.Stmt | undefined): void;
}

/**
 * The calls and cycles of one call path of a hypervisor function, as
 * compiled handlers count them: a call finds its own frame among its
 * caller's children by the callee's number in the generated module
 * (`k[id] ?? mk(id, fn)`), counts itself in `n` and adds each charge to
 * `cy` at the charged statement's slot (handlerSlots.ts).
 */
export interface HandlerPathFrame {
  /** Children by the callee's function number in the generated module (null or missing: none yet). */
  readonly k: (HandlerPathFrame | null)[];
  /** The child for function `fn`, number `id` in the generated module: made the first time, then found in `k`. */
  mk(id: number, fn: A.FnItem): HandlerPathFrame;
  /** Calls. */
  n: number;
  /** Cycles by statement slot. */
  readonly cy: Float64Array;
}

/** Hypervisor globals: one copy per machine, by declaration. */
export type HvGlobals = Map<A.VarItem, number>;

export function initialGlobals(extensions: readonly A.AbiItem[]): HvGlobals {
  const out: HvGlobals = new Map();
  for (const abi of extensions) for (const v of abi.vars) out.set(v, norm(v.initialValue ?? 0, v.declared?.name));
  return out;
}

/** Nested hypervisor calls (the handler is frame 1) above which a call panics. */
export const MAX_DEPTH = 256;

/** One frame of a running handler: the handler (depth 1) or a helper it called. */
export interface HandlerFrame {
  fn: A.FnItem;
  /** Its locals so far, by declaration (parameter, `let` or `for`). */
  locals: Map<object, number>;
  /** The statement it is at (in a caller: the one making the call); undefined before its first. */
  at: A.Stmt | undefined;
}

/** A debugger's view of a handler: asked before each of its statements. */
export interface HandlerDebug {
  /**
   * True pauses the handler before `stmt`. `frames`: the handler's frames,
   * innermost last; `cycles`: its own cycles so far; `entry`: the first
   * statement of its innermost frame.
   */
  atStatement(stmt: A.Stmt, frames: readonly HandlerFrame[], cycles: number, entry: boolean): boolean;
}

/**
 * A handler a debugger paused. Resuming runs it again from its start with
 * the globals it started with, silently up to the statement it paused at,
 * taking the results of the intrinsics it already ran (`effects`) instead of
 * running them twice, so the machine goes on exactly as if never paused.
 */
export interface PausedHandler {
  readonly handler: A.FnItem;
  readonly args: readonly number[];
  readonly budget: number;
  /** The statements reached, the one it paused before included. */
  readonly points: number;
  readonly effects: readonly number[];
  readonly globalsAtStart: readonly (readonly [A.VarItem, number])[];
  /** Its frames where it paused, innermost last, and its own cycles there. */
  readonly frames: readonly HandlerFrame[];
  readonly cycles: number;
}

export type HandlerResult = { value: number; cycles: number; paused?: undefined } | { paused: PausedHandler; value?: undefined; cycles?: undefined };

/** Unwinds a handler a debugger paused. */
class Paused {}

/** Ends the handler at once: the hypercall returns `value` (a bad guest address: -EFAULT). */
class HandlerReturn {
  constructor(readonly value: number) {}
}
class Break {}
class Continue {}
class Return {
  constructor(readonly value: number) {}
}

function norm(v: number, t: A.TypeName | 'void' | undefined): number {
  return t === 'i32' ? v | 0 : t === 'u32' ? v >>> 0 : v;
}

/**
 * Runs one handler for `vcpu` with the hypercall's arguments. Returns its
 * result and its own cycles; throws HypervisorPanic on a fault and
 * HandlerOutOfCycles past `budget` cycles.
 */
export function runHandler(host: HandlerHost, globals: HvGlobals, handler: A.FnItem, vcpu: Vcpu, args: readonly number[], budget: number, debug?: HandlerDebug, observer: HandlerObserver | null = null): HandlerResult {
  const globalsAtStart = debug ? [...globals] : [];
  return runToEnd(new HandlerRun(host, globals, vcpu, budget, observer, debug), handler, args.slice(0, handler.params.length), globalsAtStart);
}

/** Goes on with a handler a debugger paused (see PausedHandler). */
export function resumeHandler(host: HandlerHost, globals: HvGlobals, vcpu: Vcpu, paused: PausedHandler, debug: HandlerDebug | undefined): HandlerResult {
  for (const [v, value] of paused.globalsAtStart) globals.set(v, value);
  const run = new HandlerRun(host, globals, vcpu, paused.budget, null, debug, paused);
  return runToEnd(run, paused.handler, paused.args, paused.globalsAtStart);
}

function runToEnd(run: HandlerRun, handler: A.FnItem, args: readonly number[], globalsAtStart: PausedHandler['globalsAtStart']): HandlerResult {
  try {
    const value = run.call(handler, args, 1);
    return { value: value | 0, cycles: run.cycles };
  } catch (e) {
    if (e instanceof HandlerReturn) return { value: e.value, cycles: run.cycles };
    if (e instanceof Paused) return { paused: { handler, args, budget: run.budget, points: run.points, effects: run.effects, globalsAtStart, frames: run.pausedFrames, cycles: run.cycles } };
    throw e;
  }
}

class HandlerRun {
  cycles = 0;
  private locals: Map<object, number> = new Map();
  /** Debugging: the frames, the statements reached, the intrinsics' results (see PausedHandler). */
  private readonly frames: HandlerFrame[] = [];
  points = 0;
  readonly effects: number[];
  private effectsDone = 0;
  pausedFrames: HandlerFrame[] = [];

  constructor(
    private readonly host: HandlerHost,
    private readonly globals: HvGlobals,
    private readonly vcpu: Vcpu,
    readonly budget: number,
    private readonly observer: HandlerObserver | null,
    private readonly debug?: HandlerDebug,
    /** Resuming: run silently up to where it paused, its intrinsics' results replayed. */
    private readonly resumed?: PausedHandler,
  ) {
    this.effects = resumed ? [...resumed.effects] : [];
  }

  /** Before a statement: the debugger's say (past the point a resumed run paused at). */
  private point(s: A.Stmt): void {
    const frame = this.frames[this.frames.length - 1];
    const entry = frame.at === undefined;
    frame.at = s;
    if (++this.points <= (this.resumed?.points ?? 0)) return;
    if (this.debug?.atStatement(s, this.frames, this.cycles, entry)) {
      this.pausedFrames = this.frames.map((f) => ({ ...f }));
      throw new Paused();
    }
  }

  /**
   * Intrinsics with effects run once: resuming, the result of one that ran
   * before the pause (else undefined: run it, then pass its result to `ran`).
   */
  private replayed(): number | undefined {
    return this.resumed !== undefined && this.effectsDone < this.resumed.effects.length ? this.effects[this.effectsDone++] : undefined;
  }

  /** An intrinsic with effects ran: a debugged run keeps its result. */
  private ran(value: number): number {
    if (this.debug) {
      this.effects.push(value);
      this.effectsDone++;
    }
    return value;
  }

  /** Charges `n` cycles (at statement `s`, else at the statement running). */
  private charge(n: number, s?: A.Stmt): void {
    this.cycles += n;
    const over = this.cycles - this.budget;
    // The profiler gets what is charged: past the limit, the part up to it.
    this.observer?.charge(over > 0 ? n - over : n, s);
    if (over > 0) throw new HandlerOutOfCycles(this.budget);
  }

  private panic(kind: HypervisorPanic['kind'], message: string, fn: A.FnItem, at: { start: number }): never {
    throw new HypervisorPanic(kind, message, fn.file, this.host.lineOf(fn.file, at.start), this.cycles);
  }

  call(fn: A.FnItem, args: readonly number[], depth: number): number {
    const saved = this.locals;
    this.locals = new Map();
    fn.params.forEach((p, i) => this.locals.set(p, norm(args[i] ?? 0, p.type.name)));
    this.observer?.enter(fn);
    if (this.debug) this.frames.push({ fn, locals: this.locals, at: undefined });
    try {
      this.block(fn, fn.body, depth);
      return 0;
    } catch (e) {
      if (e instanceof Return) return e.value;
      throw e;
    } finally {
      this.locals = saved;
      this.observer?.leave();
      if (this.debug) this.frames.pop();
    }
  }

  private block(fn: A.FnItem, b: A.Block, depth: number): void {
    for (const s of b.stmts) this.stmt(fn, s, depth);
  }

  private stmt(fn: A.FnItem, s: A.Stmt, depth: number): void {
    if (this.debug && s.kind !== 'block') this.point(s);
    switch (s.kind) {
      case 'let':
        this.charge(1, s);
        this.locals.set(s, norm(this.expr(fn, s.init, depth), s.varType));
        return;
      case 'assign':
        this.charge(1, s);
        return this.assign(fn, s, depth);
      case 'expr':
        this.charge(1, s);
        this.expr(fn, s.expr, depth);
        return;
      case 'return':
        this.charge(1, s);
        throw new Return(s.value ? norm(this.expr(fn, s.value, depth), fn.ret?.name) : 0);
      case 'break':
        this.charge(1, s);
        throw new Break();
      case 'continue':
        this.charge(1, s);
        throw new Continue();
      case 'block':
        return this.block(fn, s, depth);
      case 'if':
        this.charge(1, s);
        if (this.expr(fn, s.cond, depth)) this.block(fn, s.then, depth);
        else if (s.else?.kind === 'block') this.block(fn, s.else, depth);
        else if (s.else) this.stmt(fn, s.else, depth);
        return;
      case 'while':
        for (;;) {
          this.charge(1, s);
          if (!this.expr(fn, s.cond, depth)) return;
          if (this.loopBody(fn, s.body, depth)) return;
        }
      case 'for': {
        this.charge(1, s);
        const lo = this.expr(fn, s.lo, depth) >>> 0;
        const hi = this.expr(fn, s.hi, depth) >>> 0;
        for (let i = lo; ; i = (i + 1) >>> 0) {
          this.charge(1, s);
          if (!(i < hi)) return;
          this.locals.set(s, i);
          if (this.loopBody(fn, s.body, depth)) return;
        }
      }
    }
  }

  /** Runs a loop body; true when it broke out. */
  private loopBody(fn: A.FnItem, body: A.Block, depth: number): boolean {
    try {
      this.block(fn, body, depth);
    } catch (e) {
      if (e instanceof Break) return true;
      if (!(e instanceof Continue)) throw e;
    }
    return false;
  }

  private read(e: A.NameExpr): number {
    const ref = e.ref;
    if (!ref) return 0;
    if (ref.kind === 'local') return this.locals.get(ref.decl) ?? 0;
    if (ref.kind === 'global') return this.globals.get(ref.decl) ?? 0;
    const v = ref.decl.value;
    return typeof v === 'boolean' ? (v ? 1 : 0) : norm(v ?? 0, e.type);
  }

  private assign(fn: A.FnItem, s: A.AssignStmt, depth: number): void {
    const target = s.target;
    if (target.kind !== 'name' || !target.ref) return; // the checker refuses memory in hypervisor code
    const t = target.type === 'void' ? undefined : target.type;
    let v: number;
    if (s.op === '=') v = this.expr(fn, s.value, depth);
    else {
      const old = this.read(target);
      const rhs = this.expr(fn, s.value, depth);
      v = this.arith(fn, s.op.slice(0, -1) as A.BinaryOp, old, rhs, t, s.opSpan);
    }
    v = norm(v, t);
    if (target.ref.kind === 'local') this.locals.set(target.ref.decl, v);
    else if (target.ref.kind === 'global') this.globals.set(target.ref.decl, v);
  }

  private expr(fn: A.FnItem, e: A.Expr, depth: number): number {
    switch (e.kind) {
      case 'int':
        return norm(e.value, e.type);
      case 'bool':
        return e.value ? 1 : 0;
      case 'string':
        return 0;
      case 'name':
        return this.read(e);
      case 'unary': {
        const v = this.expr(fn, e.operand, depth);
        if (e.op === '!') return v ? 0 : 1;
        return norm(e.op === '-' ? -v : ~v, e.type);
      }
      case 'cast':
        return norm(this.expr(fn, e.operand, depth), e.target.name);
      case 'binary': {
        if (e.op === '&&') return this.expr(fn, e.left, depth) && this.expr(fn, e.right, depth) ? 1 : 0;
        if (e.op === '||') return this.expr(fn, e.left, depth) || this.expr(fn, e.right, depth) ? 1 : 0;
        const l = this.expr(fn, e.left, depth);
        const r = this.expr(fn, e.right, depth);
        const t = e.left.type === 'void' ? undefined : e.left.type;
        return this.arith(fn, e.op, l, r, t, e.opSpan);
      }
      case 'call':
        return this.callExpr(fn, e, depth);
      default:
        return 0; // mem, pvop and hypercall are refused by the checker in hypervisor code
    }
  }

  /** A binary operator on values of type `t` (the left operand's). */
  private arith(fn: A.FnItem, op: A.BinaryOp, l: number, r: number, t: A.TypeName | undefined, at: { start: number }): number {
    const signed = t === 'i32';
    switch (op) {
      case '+':
        return norm(l + r, t);
      case '-':
        return norm(l - r, t);
      case '*':
        return norm(Math.imul(l, r), t);
      case '/':
      case '%': {
        if (r === 0) this.panic('divide-by-zero', `${op === '/' ? 'division' : 'remainder'} by zero in hypervisor code (${fn.name.name})`, fn, at);
        if (signed) return op === '/' ? norm(Math.trunc((l | 0) / (r | 0)), t) : norm((l | 0) % (r | 0), t);
        return op === '/' ? Math.floor((l >>> 0) / (r >>> 0)) : (l >>> 0) % (r >>> 0);
      }
      case '&':
        return norm(l & r, t);
      case '|':
        return norm(l | r, t);
      case '^':
        return norm(l ^ r, t);
      case '<<':
        return norm(l << (r & 31), t);
      case '>>':
        return signed ? l >> (r & 31) : (l >>> 0) >>> (r & 31);
      case '==':
        return l === r ? 1 : 0;
      case '!=':
        return l !== r ? 1 : 0;
      case '<':
        return (signed ? (l | 0) < (r | 0) : l >>> 0 < r >>> 0) ? 1 : 0;
      case '<=':
        return (signed ? (l | 0) <= (r | 0) : l >>> 0 <= r >>> 0) ? 1 : 0;
      case '>':
        return (signed ? (l | 0) > (r | 0) : l >>> 0 > r >>> 0) ? 1 : 0;
      case '>=':
        return (signed ? (l | 0) >= (r | 0) : l >>> 0 >= r >>> 0) ? 1 : 0;
      default:
        return 0;
    }
  }

  private callExpr(fn: A.FnItem, e: A.CallExpr, depth: number): number {
    const target = e.target;
    if (!target) return 0;
    if (target.kind === 'fn') {
      const args = e.args.map((a) => this.expr(fn, a, depth));
      // As in guests: the call that would go deeper faults at its call site and is not charged.
      if (depth >= MAX_DEPTH) this.panic('stack-overflow', `hypervisor call depth above ${MAX_DEPTH} frames calling ${target.name.name}`, fn, e.callee.span);
      this.charge(COSTS.call);
      return this.call(target, args, depth + 1);
    }
    const name = target.name;
    if (name === 'print') {
      const parts = e.args.map((a) => (a.kind === 'string' ? a.value : show(this.expr(fn, a, depth), a.type)));
      if (this.replayed() !== undefined) return 0;
      this.host.hvPrint(parts.join(''));
      return this.ran(0);
    }
    const args = e.args.map((a) => this.expr(fn, a, depth));
    const cost = HV_INTRINSICS[name]?.cost ?? 0;
    const domain = this.vcpu.domain;
    switch (name) {
      case 'caller':
        return domain.id >>> 0;
      case 'caller_vcpu':
        return this.vcpu.id >>> 0;
      case 'guest_load32':
      case 'guest_store32': {
        const a = args[0] >>> 0;
        // The caller's own memory only, 4-byte aligned; anything else ends the handler with -EFAULT.
        if ((a & 3) !== 0 || a + 4 > domain.memory.limit) throw new HandlerReturn(ERRNO.EFAULT);
        this.charge(cost);
        if (name === 'guest_load32') return this.replayed() ?? this.ran(domain.memory.view.getUint32(a, true));
        if (this.replayed() !== undefined) return 0;
        domain.memory.view.setInt32(a, args[1] | 0, true);
        return this.ran(0);
      }
      case 'notify': {
        this.charge(cost);
        return this.replayed() ?? this.ran(this.notify(args[0] >>> 0, args[1] >>> 0));
      }
      default:
        return 0;
    }
  }

  /** notify(domid, port): makes the port pending there, as `send` does. */
  private notify(domid: number, port: number): number {
    const target = this.host.domain(domid);
    if (!target || target.state === 'destroyed') return ERRNO.ESRCH;
    if (port < 1 || port >= target.ports.length || target.ports[port].state === 'free') return ERRNO.EINVAL;
    setPending(this.host, target, port);
    return 0;
  }
}

function show(v: number, t: A.Expr['type']): string {
  if (t === 'bool') return v ? 'true' : 'false';
  if (t === 'i32') return String(v | 0);
  return String(v >>> 0);
}
