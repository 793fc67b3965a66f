import type * as A from '../lang/ast.js';
import { parseExpression } from '../lang/parser.js';
import type { Domain, Frame, Vcpu } from '../machine/state.js';
import { GuestFault } from '../machine/fault.js';

export type ValueType = 'u32' | 'i32' | 'bool';
export interface Value {
  v: number;
  t: ValueType;
}

export class EvalError extends Error {}

export function formatValue({ v, t }: Value): string {
  if (t === 'bool') return v ? 'true' : 'false';
  if (t === 'i32') return String(v | 0);
  const u = v >>> 0;
  return u > 9 ? `${u} (0x${u.toString(16)})` : String(u);
}

/** What names mean where the debugger evaluates: the frame's locals, the domain's globals, the kernel's consts. */
export interface EvalScope {
  vcpu: Vcpu;
  domain: Domain;
  frame: Frame | undefined;
  consts: ReadonlyMap<string, number | boolean>;
  /** In a hypercall handler's frame: its locals and its block's hypervisor globals (instead of the guest's). */
  hypervisor?: (name: string) => Value | undefined;
}

const NO_LOC = { file: 0, line: 0, column: 0 };

/**
 * Evaluates a pvk expression without side effects: names, literals, operators
 * with the language's 32-bit semantics, casts, memory loads and the pure
 * intrinsics. Calls and hypercalls are refused.
 */
export function evaluate(text: string, scope: EvalScope): Value {
  const parsed = parseExpression(text);
  if (!parsed.expr || parsed.diagnostics.length > 0) throw new EvalError(parsed.diagnostics[0]?.message ?? 'not an expression');
  return ev(parsed.expr, scope);
}

export function lookupLocal(scope: EvalScope, name: string): { slot: number; type: ValueType } | undefined {
  const frame = scope.frame;
  if (!frame) return undefined;
  const fn = scope.domain.program.functions[frame.fn];
  for (let i = fn.slotNames.length - 1; i >= 0; i--) if (fn.slotNames[i] === name) return { slot: i, type: fn.slotTypes[i] };
  return undefined;
}

function ev(e: A.Expr, s: EvalScope): Value {
  switch (e.kind) {
    case 'int':
      return { v: e.value | 0, t: e.value < 0 ? 'i32' : 'u32' };
    case 'bool':
      return { v: e.value ? 1 : 0, t: 'bool' };
    case 'string':
      throw new EvalError('strings are only for print');
    case 'name': {
      if (s.hypervisor) {
        const hv = s.hypervisor(e.name);
        if (hv) return hv;
      } else {
        const local = lookupLocal(s, e.name);
        if (local && s.frame) return { v: s.frame.locals[local.slot] | 0, t: local.type };
        const g = s.domain.program.globals.findIndex((x) => x.name === e.name);
        if (g >= 0) return { v: s.domain.globals[g], t: s.domain.program.globals[g].type };
      }
      const c = s.consts.get(e.name);
      if (c !== undefined) return typeof c === 'boolean' ? { v: c ? 1 : 0, t: 'bool' } : { v: c | 0, t: c < 0 ? 'i32' : 'u32' };
      throw new EvalError(`unknown name '${e.name}'`);
    }
    case 'cast': {
      const v = ev(e.operand, s);
      return { v: v.v, t: e.target.name === 'bool' ? 'bool' : e.target.name };
    }
    case 'unary': {
      const v = ev(e.operand, s);
      if (e.op === '!') return { v: v.v === 0 ? 1 : 0, t: 'bool' };
      return { v: e.op === '-' ? -v.v | 0 : ~v.v, t: v.t };
    }
    case 'mem': {
      const addr = ev(e.address, s).v;
      try {
        return { v: s.domain.memory.load(e.width, addr, NO_LOC), t: 'u32' };
      } catch (err) {
        if (err instanceof GuestFault) throw new EvalError(err.message);
        throw err;
      }
    }
    case 'call': {
      const name = e.callee.name;
      if (e.args.length === 0 && name === 'vcpu_id') return { v: s.vcpu.id, t: 'u32' };
      if (e.args.length === 0 && name === 'domain_id') return { v: s.domain.id, t: 'u32' };
      if (e.args.length === 0 && name === 'vcpu_info') return { v: 64 * s.vcpu.id, t: 'u32' };
      if (e.args.length === 0 && name === 'xen_domain') return { v: s.domain.mode === 'native' ? 0 : 1, t: 'bool' };
      throw new EvalError(`the debugger does not call ${name}() (it could change the machine)`);
    }
    case 'pvop':
    case 'hypercall':
      throw new EvalError('the debugger does not make calls (they could change the machine)');
    case 'binary':
      return binary(e, s);
  }
}

/** A binary expression and the chain down its left operands (`a + b + c …` of any length), in a loop. */
function binary(e: A.BinaryExpr, s: EvalScope): Value {
  const links: A.BinaryExpr[] = [];
  let node: A.Expr = e;
  while (node.kind === 'binary') {
    links.push(node);
    node = node.left;
  }
  let v = ev(node, s);
  for (let i = links.length - 1; i >= 0; i--) v = link(links[i], v, s);
  return v;
}

/** One link of a chain, its left operand's value known. */
function link(e: A.BinaryExpr, a: Value, s: EvalScope): Value {
  if (e.op === '&&') return { v: a.v !== 0 && ev(e.right, s).v !== 0 ? 1 : 0, t: 'bool' };
  if (e.op === '||') return { v: a.v !== 0 || ev(e.right, s).v !== 0 ? 1 : 0, t: 'bool' };
  const b = ev(e.right, s);
  const signed = a.t === 'i32' || (e.op !== '<<' && e.op !== '>>' && b.t === 'i32');
  const t: ValueType = a.t === 'bool' ? 'u32' : a.t === 'i32' || (b.t === 'i32' && e.op !== '<<' && e.op !== '>>') ? 'i32' : 'u32';
  const bool = (x: boolean): Value => ({ v: x ? 1 : 0, t: 'bool' });
  const ua = a.v >>> 0;
  const ub = b.v >>> 0;
  switch (e.op) {
    case '+': return { v: (a.v + b.v) | 0, t };
    case '-': return { v: (a.v - b.v) | 0, t };
    case '*': return { v: Math.imul(a.v, b.v), t };
    case '/':
    case '%':
      if (b.v === 0) throw new EvalError('division by zero');
      if (e.op === '/') return { v: signed ? (a.v / b.v) | 0 : (ua / ub) | 0, t };
      return { v: signed ? (a.v % b.v) | 0 : (ua % ub) | 0, t };
    case '&': return { v: a.v & b.v, t };
    case '|': return { v: a.v | b.v, t };
    case '^': return { v: a.v ^ b.v, t };
    case '<<': return { v: a.v << (b.v & 31), t: a.t };
    case '>>': return { v: a.t === 'i32' ? a.v >> (b.v & 31) : (ua >>> (b.v & 31)) | 0, t: a.t };
    case '==': return bool(a.v === b.v);
    case '!=': return bool(a.v !== b.v);
    case '<': return bool(signed ? a.v < b.v : ua < ub);
    case '<=': return bool(signed ? a.v <= b.v : ua <= ub);
    case '>': return bool(signed ? a.v > b.v : ua > ub);
    case '>=': return bool(signed ? a.v >= b.v : ua >= ub);
  }
  return { v: 0, t: 'u32' };
}
