import type * as A from './ast.js';

/**
 * Visits every expression under a statement or expression, in source order,
 * following the syntax only (never into the declarations that names or calls
 * resolve to).
 */
export function forEachExpr(node: A.Stmt | A.Expr | undefined, visit: (e: A.Expr) => void): void {
  if (!node) return;
  switch (node.kind) {
    case 'let':
      return forEachExpr(node.init, visit);
    case 'assign':
      if (node.target.kind === 'mem') forEachExpr(node.target, visit);
      return forEachExpr(node.value, visit);
    case 'expr':
      return forEachExpr(node.expr, visit);
    case 'return':
      return forEachExpr(node.value, visit);
    case 'if':
      forEachExpr(node.cond, visit);
      forEachExpr(node.then, visit);
      return forEachExpr(node.else, visit);
    case 'while':
      forEachExpr(node.cond, visit);
      return forEachExpr(node.body, visit);
    case 'for':
      forEachExpr(node.lo, visit);
      forEachExpr(node.hi, visit);
      return forEachExpr(node.body, visit);
    case 'block':
      for (const s of node.stmts) forEachExpr(s, visit);
      return;
    case 'break':
    case 'continue':
      return;
    default:
      break;
  }
  visit(node);
  switch (node.kind) {
    case 'call':
    case 'pvop':
    case 'hypercall':
      for (const a of node.args) forEachExpr(a, visit);
      return;
    case 'binary':
      forEachExpr(node.left, visit);
      return forEachExpr(node.right, visit);
    case 'unary':
    case 'cast':
      return forEachExpr(node.operand, visit);
    case 'mem':
      return forEachExpr(node.address, visit);
    default:
      return;
  }
}

/** Every function body of a file: plain functions and impl functions. */
export function functionsOf(ast: A.FileAst): A.FnItem[] {
  return ast.items.flatMap((i) => (i.kind === 'fn' ? [i] : i.kind === 'impl' ? i.fns : []));
}

/**
 * Visits a statement and every statement nested in it (block members, branches,
 * loop bodies), each before the statements inside it, in source order.
 */
export function forEachStmt(node: A.Stmt | undefined, visit: (s: A.Stmt) => void): void {
  if (!node) return;
  visit(node);
  switch (node.kind) {
    case 'block':
      for (const s of node.stmts) forEachStmt(s, visit);
      return;
    case 'if':
      forEachStmt(node.then, visit);
      return forEachStmt(node.else, visit);
    case 'while':
    case 'for':
      return forEachStmt(node.body, visit);
    default:
      return;
  }
}
