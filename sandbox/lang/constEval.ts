import type { BinaryExpr, Expr } from './ast.js';

/** Thrown when an expression is not made of literals and constants. */
export class NotConstant {
  constructor(readonly expr: Expr) {}
}

const U32 = 0x1_0000_0000n;

function toU32(v: bigint): bigint {
  return ((v % U32) + U32) % U32;
}
function toI32(v: bigint): bigint {
  const u = toU32(v);
  return u >= 0x8000_0000n ? u - U32 : u;
}

/**
 * Evaluates a checked constant expression exactly: + - * / % on whole
 * integers, bitwise operators and shifts on 32-bit patterns (giving u32),
 * comparisons and logic on the results. `lookup` gives a named constant's value.
 */
export function evalConst(e: Expr, lookup: (name: string, e: Expr) => number | boolean): number | boolean {
  const v = evalAny(e, lookup);
  return typeof v === 'bigint' ? Number(v) : v;
}

function evalAny(e: Expr, lookup: (name: string, e: Expr) => number | boolean): bigint | boolean {
  switch (e.kind) {
    case 'int':
      return BigInt(e.value);
    case 'bool':
      return e.value;
    case 'name': {
      const v = lookup(e.name, e);
      return typeof v === 'number' ? BigInt(v) : v;
    }
    case 'cast': {
      const v = evalAny(e.operand, lookup);
      const n = typeof v === 'boolean' ? (v ? 1n : 0n) : v;
      return e.target.name === 'i32' ? toI32(n) : e.target.name === 'u32' ? toU32(n) : n !== 0n;
    }
    case 'unary': {
      const v = evalAny(e.operand, lookup);
      if (e.op === '!') return !v;
      if (typeof v === 'boolean') throw new NotConstant(e);
      return e.op === '-' ? -v : toU32(~v);
    }
    case 'binary':
      return evalChain(e, lookup);
  }
  throw new NotConstant(e);
}

/** A chain of binary expressions down the left operands (`1 + 2 + 3 …` of any length), in a loop. */
function evalChain(e: BinaryExpr, lookup: (name: string, e: Expr) => number | boolean): bigint | boolean {
  const links: BinaryExpr[] = [];
  let node: Expr = e;
  while (node.kind === 'binary') {
    links.push(node);
    node = node.left;
  }
  let l = evalAny(node, lookup);
  for (let i = links.length - 1; i >= 0; i--) l = evalLink(links[i], l, lookup);
  return l;
}

/** One link of a chain, its left operand's value known. */
function evalLink(e: BinaryExpr, l: bigint | boolean, lookup: (name: string, e: Expr) => number | boolean): bigint | boolean {
  if (e.op === '&&') return l === true && evalAny(e.right, lookup) === true;
  if (e.op === '||') return l === true || evalAny(e.right, lookup) === true;
  const r = evalAny(e.right, lookup);
  if (e.op === '==') return l === r;
  if (e.op === '!=') return l !== r;
  if (typeof l === 'boolean' || typeof r === 'boolean') throw new NotConstant(e);
  switch (e.op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': if (r === 0n) throw new NotConstant(e); return l / r;
    case '%': if (r === 0n) throw new NotConstant(e); return l % r;
    case '&': return toU32(l) & toU32(r);
    case '|': return toU32(l) | toU32(r);
    case '^': return toU32(l) ^ toU32(r);
    case '<<': return toU32(toU32(l) << (toU32(r) & 31n));
    case '>>': return toU32(l) >> (toU32(r) & 31n);
    case '<': return l < r;
    case '<=': return l <= r;
    case '>': return l > r;
    case '>=': return l >= r;
  }
  throw new NotConstant(e);
}
