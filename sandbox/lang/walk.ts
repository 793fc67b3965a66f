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
    case 'if': {
      // An else-if chain in a loop: its length is not nesting.
      let link: A.IfStmt = node;
      for (;;) {
        forEachExpr(link.cond, visit);
        forEachExpr(link.then, visit);
        if (link.else?.kind !== 'if') return forEachExpr(link.else, visit);
        link = link.else;
      }
    }
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
    case 'binary': {
      // A chain down the left operands in a loop: each link, then the leftmost operand, then the right operands from the bottom up.
      const links: A.BinaryExpr[] = [];
      let e: A.Expr = node;
      while (e.kind === 'binary') {
        visit(e);
        links.push(e);
        e = e.left;
      }
      forEachExpr(e, visit);
      for (let i = links.length - 1; i >= 0; i--) forEachExpr(links[i].right, visit);
      return;
    }
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
    case 'unary':
    case 'cast':
      return forEachExpr(node.operand, visit);
    case 'mem':
      return forEachExpr(node.address, visit);
    default:
      return;
  }
}

/**
 * Visits a statement and every statement nested in it (block contents, if
 * branches, loop bodies), in source order, parents before children.
 */
export function forEachStmt(node: A.Stmt | undefined, visit: (s: A.Stmt) => void): void {
  if (!node) return;
  visit(node);
  switch (node.kind) {
    case 'block':
      for (const s of node.stmts) forEachStmt(s, visit);
      return;
    case 'if': {
      // An else-if chain in a loop: its length is not nesting.
      let link: A.IfStmt = node;
      for (;;) {
        forEachStmt(link.then, visit);
        if (link.else?.kind !== 'if') return forEachStmt(link.else, visit);
        link = link.else;
        visit(link);
      }
    }
    case 'while':
    case 'for':
      return forEachStmt(node.body, visit);
    default:
      return;
  }
}

/** Every expression of a file: in function bodies and in `const` and `var` initializers, in source order. */
export function forEachExprInFile(ast: A.FileAst, visit: (e: A.Expr, fn: A.FnItem | undefined) => void): void {
  for (const item of ast.items) {
    if (item.kind === 'const' || item.kind === 'var') forEachExpr(item.init, (e) => visit(e, undefined));
    const fns = item.kind === 'fn' ? [item] : item.kind === 'impl' ? item.fns : [];
    for (const fn of fns) forEachExpr(fn.body, (e) => visit(e, fn));
  }
}

/** Every function body of a file: plain functions and impl functions. */
export function functionsOf(ast: A.FileAst): A.FnItem[] {
  return ast.items.flatMap((i) => (i.kind === 'fn' ? [i] : i.kind === 'impl' ? i.fns : []));
}

/** Every hypervisor function of a file: the helpers and the hypercall handlers of its `abi` blocks, block by block. */
export function hypervisorFunctionsOf(ast: A.FileAst): A.FnItem[] {
  return ast.items.flatMap((i) => (i.kind === 'abi' ? abiFunctionsOf(i) : []));
}

/** The hypervisor functions of one `abi` block: its helpers, then its hypercalls' handlers. */
export function abiFunctionsOf(abi: A.AbiItem): A.FnItem[] {
  return [...abi.fns, ...abi.hypercalls.flatMap((h) => (h.handler ? [h.handler] : []))];
}
