// A deterministic generator of systems heavy on pvk hypercall handlers (spec
// 9.1): an `abi` block with hypervisor globals, helpers (bounded recursion,
// and one that recurses as deep as its caller asks, past the 256-frame
// limit), handlers with loops, if/else chains, break/continue, arithmetic
// on u32/i32/bool including division and remainder by values that may be
// zero, guest_load32/store32 at good, misaligned and out-of-range
// addresses, notify, print, caller and caller_vcpu; kernels that call them
// in loops with varied arguments, and cycle limits that often fall inside a
// handler. The fast engine runs handlers compiled to JavaScript, the step
// engine and the interpreter in the evaluator: they must agree to the cycle
// (test/fuzz/handlers.fuzz.test.ts).

import { FUZZ_ROOT, Rng, type GeneratedSystem } from './generate.js';

type Ty = 'u32' | 'i32' | 'bool';
type IntTy = 'u32' | 'i32';

interface Var {
  name: string;
  type: Ty;
  mutable: boolean;
}
interface Helper {
  name: string;
  params: Ty[];
  ret: Ty;
}

const ARITH = ['+', '-', '*', '&', '|', '^', '<<', '>>', '/', '%'] as const;
const COMPARE = ['==', '!=', '<', '<=', '>', '>='] as const;
const COMPOUND = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', '/=', '%='] as const;

/** The handlers' numbers start here (the first free extension number). */
const FIRST_NUMBER = 64;

class HandlerGen {
  readonly r: Rng;
  private globals: Var[] = [];
  private helpers: Helper[] = [];
  /** In the function being generated: variables in scope (innermost last), loop depth, whether it is a helper (with `depth`). */
  private scope: Var[] = [];
  private loopDepth = 0;
  private inHelper: Helper | null = null;
  /** The helpers the function being generated may call (lower-numbered ones, and itself with depth - 1). */
  private callable: Helper[] = [];
  private names = 0;
  private retType: Ty = 'i32';

  constructor(seed: number) {
    this.r = new Rng(seed);
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.names++}`;
  }

  // ------------------------------------------------------------ expressions

  private intLiteral(t: IntTy): string {
    const r = this.r;
    if (t === 'i32') return String(r.pick([0, 1, -1, 7, -9, 100, -2147483648, 2147483647, r.int(-5000, 5000)]));
    return String(r.pick([0, 1, 3, 31, 32, 255, 0x7fffffff, 0x80000000, 0xffffffff, r.int(0, 100000)]));
  }

  private vars(t: Ty): Var[] {
    return [...this.scope, ...this.globals].filter((v) => v.type === t);
  }

  /** An address for guest_load32/store32: mostly good, sometimes misaligned or out of range. */
  private address(): string {
    const r = this.r;
    const k = r.int(0, 9);
    if (k <= 5) return `(0x400 + ((${this.expr('u32', 1)} & 63) << 2))`;
    if (k === 6) return `(0x401 + ((${this.expr('u32', 1)} & 63) << 2))`;
    if (k === 7) return r.pick(['0xfffffffc', '0x7fff0000', '65536', '4294967295']);
    return this.expr('u32', 1);
  }

  /** An expression that types itself as `t` (no bare literal where context would be missing). */
  expr(t: Ty, depth: number): string {
    const r = this.r;
    if (t === 'bool') {
      if (depth <= 0 || r.chance(0.25)) {
        const vs = this.vars('bool');
        return vs.length > 0 && r.chance(0.6) ? r.pick(vs).name : r.pick(['true', 'false']);
      }
      const k = r.int(0, 5);
      if (k <= 2) {
        const it: IntTy = r.pick(['u32', 'i32']);
        return `(${this.typedInt(it, depth - 1)} ${r.pick(COMPARE)} ${this.expr(it, depth - 1)})`;
      }
      if (k === 3) return `(${this.expr('bool', depth - 1)} ${r.pick(['&&', '||'])} ${this.expr('bool', depth - 1)})`;
      if (k === 4) return `!${this.expr('bool', depth - 1)}`;
      return `(${this.expr('bool', depth - 1)} == ${this.expr('bool', depth - 1)})`;
    }
    if (depth <= 0 || r.chance(0.2)) {
      const vs = this.vars(t);
      if (vs.length > 0 && r.chance(0.7)) return r.pick(vs).name;
      return this.intLiteral(t);
    }
    const k = r.int(0, 13);
    if (k <= 5) {
      const op = r.pick(ARITH);
      if (op === '<<' || op === '>>') return `(${this.typedInt(t, depth - 1)} ${op} ${this.typedInt(r.pick(['u32', 'i32'] as const), depth - 1)})`;
      // Division mostly by a non-zero value; sometimes by whatever comes (a panic when it is 0).
      if ((op === '/' || op === '%') && r.chance(0.85)) return `(${this.typedInt(t, depth - 1)} ${op} (${this.expr(t, depth - 1)} | 1))`;
      return `(${this.typedInt(t, depth - 1)} ${op} ${this.expr(t, depth - 1)})`;
    }
    if (k === 6) return `${r.pick(['-', '~'])}${this.typedInt(t, depth - 1)}`;
    if (k === 7) return `(${this.typedInt(t === 'u32' ? 'i32' : 'u32', depth - 1)} as ${t})`;
    if (k === 8) return t === 'u32' ? r.pick(['caller()', 'caller_vcpu()']) : `(caller() as i32)`;
    if (k === 9) return t === 'u32' ? `guest_load32(${this.address()})` : `(guest_load32(${this.address()}) as i32)`;
    if (k <= 11) {
      const call = this.helperCall(t, depth);
      if (call) return call;
    }
    if (k === 12) return `(notify(${r.pick(['0', '1', '7', 'caller()'])}, ${r.pick(['1', '2', '63', '64', `(${this.expr('u32', 1)} & 7)`])}) as ${t})`;
    return this.intLiteral(t);
  }

  /** An int expression that is surely typed (not an untyped literal) when it stands where its type must come from itself. */
  private typedInt(t: IntTy, depth: number): string {
    const vs = this.vars(t);
    if (vs.length > 0 && this.r.chance(0.5)) return this.r.pick(vs).name;
    const e = this.expr(t, Math.max(depth, 0));
    // A bare literal takes no type from where it stands: write its bit pattern as a u32 literal and convert it.
    return /^-?(\d+|0x[0-9a-f]+)$/.test(e) ? `(${Number(e) >>> 0} as ${t})` : e;
  }

  private helperCall(ret: Ty, depth: number): string | null {
    const options = this.callable.filter((h) => h.ret === ret);
    if (options.length === 0) return null;
    const h = this.r.pick(options);
    const depthArg = h === this.inHelper ? '(depth - 1)' : this.inHelper ? 'depth' : String(this.r.int(0, 3));
    const args = h.params.map((p) => this.expr(p, Math.min(depth - 1, 1)));
    return `${h.name}(${[depthArg, ...args].join(', ')})`;
  }

  // ------------------------------------------------------------ statements

  private block(indent: string, n: number, depth: number): string[] {
    const saved = this.scope.length;
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(...this.stmt(indent, depth));
    this.scope.length = saved;
    return out;
  }

  private stmt(indent: string, depth: number): string[] {
    const r = this.r;
    const inner = `${indent}    `;
    const k = r.int(0, 19);
    if (k <= 3) {
      const t: Ty = r.pick(['u32', 'i32', 'bool']);
      const name = this.fresh('v');
      const line = `${indent}let ${name}: ${t} = ${this.expr(t, 3)};`;
      this.scope.push({ name, type: t, mutable: true });
      return [line];
    }
    if (k <= 7) {
      const targets = [...this.scope, ...this.globals].filter((v) => v.mutable);
      if (targets.length === 0) return [`${indent}let ${this.fresh('v')}: u32 = ${this.expr('u32', 2)};`];
      const v = r.pick(targets);
      if (v.type === 'bool' || r.chance(0.4)) return [`${indent}${v.name} = ${this.expr(v.type, 3)};`];
      const op = r.pick(COMPOUND);
      if ((op === '/=' || op === '%=') && r.chance(0.85)) return [`${indent}${v.name} ${op} (${this.expr(v.type, 2)} | 1);`];
      // A shift count takes no type from its target.
      if (op === '<<=' || op === '>>=') return [`${indent}${v.name} ${op} ${this.typedInt(r.pick(['u32', 'i32'] as const), 2)};`];
      return [`${indent}${v.name} ${op} ${this.expr(v.type, 2)};`];
    }
    if (k <= 9 && depth > 0) {
      const out = [`${indent}if (${this.expr('bool', 2)}) {`, ...this.block(inner, r.int(1, 3), depth - 1)];
      for (let i = r.int(0, 2); i > 0; i--) out.push(`${indent}} else if (${this.expr('bool', 2)}) {`, ...this.block(inner, r.int(1, 2), depth - 1));
      if (r.chance(0.5)) out.push(`${indent}} else {`, ...this.block(inner, r.int(1, 2), depth - 1));
      out.push(`${indent}}`);
      return out;
    }
    if (k === 10 && depth > 0) {
      const i = this.fresh('it');
      const hi = r.chance(0.7) ? String(r.int(0, 12)) : `(${this.expr('u32', 1)} & 15)`;
      const lo = r.pick(['0', '1', '3']);
      this.scope.push({ name: i, type: 'u32', mutable: false });
      this.loopDepth++;
      const body = this.block(inner, r.int(1, 3), depth - 1);
      this.loopDepth--;
      this.scope.pop();
      return [`${indent}for ${i} in ${lo}..${hi} {`, ...body, `${indent}}`];
    }
    if (k === 11 && depth > 0) {
      const w = this.fresh('w');
      const limit = r.int(0, 9);
      this.loopDepth++;
      const body = this.block(inner, r.int(1, 3), depth - 1);
      this.loopDepth--;
      return [`${indent}let ${w}: u32 = 0;`, `${indent}while (${w} < ${limit}) {`, `${inner}${w} += 1;`, ...body, `${indent}}`];
    }
    if (k === 12 && this.loopDepth > 0) return [`${indent}if (${this.expr('bool', 1)}) { ${r.pick(['break', 'continue'])}; }`];
    if (k === 13) return [`${indent}guest_store32(${this.address()}, ${this.expr('u32', 2)});`];
    if (k === 14 && r.chance(0.3)) {
      const t: Ty = r.pick(['u32', 'i32', 'bool']);
      return [`${indent}print("${r.pick(['h', 'x=', 'v \\"', 'a\\\\b', '${c}', '*/'])}", ${t === 'bool' ? this.expr(t, 2) : this.typedInt(t, 2)});`];
    }
    if (k === 15 && r.chance(0.3)) return [`${indent}return ${this.expr(this.retType, 2)};`];
    if (k === 16) return [`${indent}notify(${r.pick(['0', '1', 'caller()', '9'])}, ${r.pick(['1', '2', '3', '63', '0'])});`];
    const call = this.helperCall(r.pick(['u32', 'i32', 'bool']), 2);
    if (call) return [`${indent}${call};`];
    const counter = this.globals.find((g) => g.type !== 'bool');
    return [`${indent}${counter ? `${counter.name} += 1;` : 'caller();'}`];
  }

  // ------------------------------------------------------------ items

  private helper(h: Helper): string[] {
    this.inHelper = h;
    this.retType = h.ret;
    this.scope = [{ name: 'depth', type: 'u32', mutable: false }, ...h.params.map((t, i) => ({ name: `p${i}`, type: t, mutable: true }))];
    const params = ['depth: u32', ...h.params.map((t, i) => `p${i}: ${t}`)];
    const base = `        if (depth == 0) { return ${this.expr(h.ret, 2)}; }`;
    const body = this.block('        ', this.r.int(1, 5), 2);
    return [`    fn ${h.name}(${params.join(', ')}) -> ${h.ret} {`, base, ...body, `        return ${this.expr(h.ret, 2)};`, '    }'];
  }

  private handler(name: string, nr: number, params: Ty[]): string[] {
    this.inHelper = null;
    this.retType = 'i32';
    this.scope = params.map((t, i) => ({ name: `a${i}`, type: t, mutable: true }));
    const cls = this.r.chance(0.15) ? 'dom0' : 'stable';
    const since = this.r.chance(0.1) ? '4.4' : '4.2';
    const body = this.block('        ', this.r.int(2, 7), 3);
    const end = this.r.chance(0.7) ? [`        return ${this.expr('i32', 2)};`] : [];
    return [`    hypercall ${name}(${params.map((t, i) => `a${i}: ${t}`).join(', ')}) -> i32 = ${nr} ${cls} since ${since} cost ${this.r.int(0, 60)} {`, ...body, ...end, '    }'];
  }

  /** The `abi` block and how each handler is called (its name and parameter types). */
  abi(): { text: string; handlers: { name: string; params: Ty[] }[] } {
    const r = this.r;
    const lines = ['abi fz {'];
    for (let i = r.int(1, 4); i > 0; i--) {
      const t: Ty = r.pick(['u32', 'i32', 'bool']);
      const g = { name: this.fresh('g'), type: t, mutable: true };
      lines.push(`    var ${g.name}: ${t} = ${t === 'bool' ? r.pick(['true', 'false']) : this.intLiteral(t)};`);
      this.globals.push(g);
    }
    // Recurses as deep as asked: past 256 frames it panics (stack overflow).
    lines.push('    fn dive(n: u32) -> u32 {', '        if (n == 0) { return 1; }', '        return dive(n - 1) + 1;', '    }');
    for (let i = r.int(1, 3); i > 0; i--) {
      const h: Helper = { name: this.fresh('help'), params: Array.from({ length: r.int(0, 2) }, () => r.pick(['u32', 'i32', 'bool'] as const)), ret: r.pick(['u32', 'i32', 'bool']) };
      this.callable = [...this.helpers, h];
      lines.push(...this.helper(h));
      this.helpers.push(h);
    }
    this.callable = this.helpers;
    const handlers: { name: string; params: Ty[] }[] = [];
    for (let i = r.int(2, 4); i > 0; i--) {
      const name = this.fresh('op');
      const params = Array.from({ length: r.int(0, 3) }, () => r.pick(['u32', 'u32', 'i32'] as const));
      lines.push(...this.handler(name, FIRST_NUMBER + handlers.length, params));
      handlers.push({ name, params });
    }
    // The cycle limit and deep recursion, on the guest's request.
    lines.push(`    hypercall spin(n: u32) -> i32 = ${FIRST_NUMBER + handlers.length} stable since 4.2 cost 3 {`, '        let s: u32 = 0;', '        for i in 0..n { s += i ^ (s >> 3); }', '        return s as i32;', '    }');
    handlers.push({ name: 'spin', params: ['u32'] });
    lines.push(`    hypercall deep(n: u32) -> i32 = ${FIRST_NUMBER + handlers.length} stable since 4.2 cost 1 {`, '        return dive(n) as i32;', '    }');
    handlers.push({ name: 'deep', params: ['u32'] });
    lines.push(`    hypercall ratio(a: u32, b: u32) -> i32 = ${FIRST_NUMBER + handlers.length} stable since 4.2 cost 2 {`, '        let q: u32 = a / b;', '        return (q + a % b) as i32;', '    }');
    handlers.push({ name: 'ratio', params: ['u32', 'u32'] });
    lines.push('}');
    return { text: lines.join('\n'), handlers };
  }

  /** A guest argument of type `t` (the round `r` and the port `p` are in scope). */
  private guestArg(t: Ty): string {
    const r = this.r;
    const u = r.pick(['r', 'p', '0', '1', '64', 'r * 4 + 0x400', '0x401', '0xfffffff0', String(r.int(0, 70000)), '(r & 3)']);
    return t === 'u32' ? `(${u}) as u32` : `(${u}) as i32`;
  }

  kernel(handlers: { name: string; params: Ty[] }[], rounds: number): string {
    const r = this.r;
    const calls: string[] = [];
    for (let i = r.int(2, 5); i > 0; i--) {
      const h = r.pick(handlers.filter((x) => !['spin', 'deep', 'ratio'].includes(x.name)));
      calls.push(`        acc += hypercall ${h.name}(${h.params.map((t) => this.guestArg(t)).join(', ')});`);
    }
    if (r.chance(0.4)) calls.push(`        if (r == ${r.int(0, rounds)}) { acc += hypercall spin(${r.pick([100, 3000, 50000, 400000])}); }`);
    if (r.chance(0.2)) calls.push(`        if (r == ${r.int(0, rounds)}) { acc += hypercall deep(${r.pick([10, 200, 255, 256, 300])}); }`);
    // Division by zero in the hypervisor when r reaches k - 1.
    if (r.chance(0.12)) calls.push(`        acc += hypercall ratio(r, (r + 1) - ${r.int(1, rounds + 5)});`);
    if (r.chance(0.5)) calls.push('        hypercall sched_op(0, 0);');
    return [
      'import "ext.pvk";',
      'var got: u32 = 0;',
      'fn on_event(port: u32) { got += 1; }',
      'fn main() -> u32 {',
      '    let p: u32 = hypercall event_channel_op(6, 0, 0) as u32;',
      '    let acc: i32 = 0;',
      `    for r in 0..${rounds} {`,
      '        mem32[0x400 + ((r & 63) << 2)] = r * 2654435761;',
      ...calls,
      '    }',
      '    print(acc, " ", got);',
      '    return 0;',
      '}',
      '',
    ].join('\n');
  }
}

/** A system of one or two domains calling generated handlers, with its cycle limit. */
export function generateHandlerSystem(seed: number): GeneratedSystem & { maxCycles: number } {
  const g = new HandlerGen(seed >>> 0);
  const { text, handlers } = g.abi();
  const root = `${FUZZ_ROOT}/h${seed}`;
  const two = g.r.chance(0.5);
  const files: Record<string, string> = {
    [`${root}/ext.pvk`]: `${text}\n`,
    [`${root}/k0.pvk`]: g.kernel(handlers, g.r.int(5, 40)),
  };
  if (two) files[`${root}/k1.pvk`] = g.kernel(handlers, g.r.int(5, 40));
  const domains = [`    domain dom0 { kernel "k0.pvk"; memory 1; vcpus ${g.r.int(1, 2)}; privileged; }`];
  if (two) domains.push(`    domain guest { kernel "k1.pvk"; memory 1; vcpus ${g.r.int(1, 2)}; }`);
  files[`${root}/sys.pvk`] = ['import "ext.pvk";', 'system fz {', `    hypervisor ${g.r.pick(['4.2', '4.4'])};`, `    pcpus ${g.r.int(1, 2)};`, '    abi fz;', ...domains, '}', ''].join('\n');
  return { files, systemFile: `${root}/sys.pvk`, maxCycles: g.r.pick([20_000, 60_000, 150_000, 400_000, 2_000_000]) };
}
