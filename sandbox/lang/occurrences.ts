import type * as A from './ast.js';
import type { Span } from './source.js';
import { runSteps } from './steps.js';

/** Something a name can denote. */
export type Decl =
  | A.FnItem | A.VarItem | A.ConstItem | A.PvopsItem | A.PvopSig | A.LetStmt | A.Param | A.ForStmt
  | A.HypercallDecl | A.SystemItem | { kind: 'domain'; decl: A.DomainDecl; system: A.SystemItem };

export type DeclKind = 'function' | 'global' | 'const' | 'pvops' | 'op' | 'local' | 'param' | 'loop-variable' | 'hypercall' | 'system' | 'domain' | 'intrinsic';

/** One identifier in the text: a declaration's name, or a use resolved by the checker. */
export interface Occurrence {
  span: Span;
  name: string;
  /** undefined for intrinsics and unresolved names. */
  decl: Decl | undefined;
  kind: DeclKind | 'unknown';
  role: 'definition' | 'use';
  /** For impl functions: the op they implement (their name is a use of it, and a definition of the impl). */
  implOf?: A.PvopSig;
}

export function declKind(d: Decl): DeclKind {
  if ('kind' in d) {
    switch (d.kind) {
      case 'fn': return 'function';
      case 'var': return 'global';
      case 'const': return 'const';
      case 'pvops': return 'pvops';
      case 'pvop-sig': return 'op';
      case 'let': return 'local';
      case 'param': return 'param';
      case 'for': return 'loop-variable';
      case 'system': return 'system';
      case 'domain': return 'domain';
    }
  }
  return 'hypercall';
}

/** The span of a declaration's own name. */
export function declNameSpan(d: Decl): Span {
  if ('kind' in d && d.kind === 'domain') return d.decl.name.span;
  return (d as { name: A.Ident }).name.span;
}

export function declName(d: Decl): string {
  if ('kind' in d && d.kind === 'domain') return d.decl.name.name;
  return (d as { name: A.Ident }).name.name;
}

/**
 * Every identifier occurrence in a checked file, in text order. Relies on the
 * checker's annotations (run analyze first); unresolved uses have no decl.
 */
export function occurrences(ast: A.FileAst, pvopsByName: (name: string) => A.PvopsItem | undefined): Occurrence[] {
  return runSteps(occurrenceSteps(ast, pvopsByName));
}

/** Top-level items walked per step of `occurrenceSteps`. */
const ITEMS_PER_STEP = 32;

/**
 * `occurrences` in steps of a few items each: the language server collects a
 * large file's occurrences in the background, and a keystroke arriving
 * meanwhile waits for one step, not for the whole file.
 */
export function* occurrenceSteps(ast: A.FileAst, pvopsByName: (name: string) => A.PvopsItem | undefined): Generator<void, Occurrence[], void> {
  const out: Occurrence[] = [];
  const def = (name: A.Ident, decl: Decl): void => {
    out.push({ span: name.span, name: name.name, decl, kind: declKind(decl), role: 'definition' });
  };
  const use = (name: A.Ident, decl: Decl | undefined, intrinsic = false): void => {
    out.push({ span: name.span, name: name.name, decl, kind: decl ? declKind(decl) : intrinsic ? 'intrinsic' : 'unknown', role: 'use' });
  };

  const expr = (e: A.Expr): void => {
    switch (e.kind) {
      case 'name':
        use({ name: e.name, span: e.span }, e.ref?.decl);
        break;
      case 'unary':
      case 'cast':
        expr(e.operand);
        break;
      case 'binary': {
        // A chain down the left operands in a loop: the leftmost operand, then the right operands from the bottom up.
        const links: A.BinaryExpr[] = [];
        let node: A.Expr = e;
        while (node.kind === 'binary') {
          links.push(node);
          node = node.left;
        }
        expr(node);
        for (let i = links.length - 1; i >= 0; i--) expr(links[i].right);
        break;
      }
      case 'mem':
        expr(e.address);
        break;
      case 'call':
        use(e.callee, e.target?.kind === 'fn' ? e.target : undefined, e.target?.kind === 'intrinsic');
        e.args.forEach(expr);
        break;
      case 'pvop':
        use(e.group, e.pvops ?? pvopsByName(e.group.name));
        use(e.op, e.decl);
        e.args.forEach(expr);
        break;
      case 'hypercall':
        use(e.name, e.decl);
        e.args.forEach(expr);
        break;
      default:
        break;
    }
  };
  const stmt = (s: A.Stmt): void => {
    switch (s.kind) {
      case 'let':
        expr(s.init);
        def(s.name, s);
        break;
      case 'assign':
        if (s.target.kind === 'name') use({ name: s.target.name, span: s.target.span }, s.target.ref?.decl);
        else expr(s.target.address);
        expr(s.value);
        break;
      case 'expr':
        expr(s.expr);
        break;
      case 'if': {
        // An else-if chain in a loop: its length is not nesting.
        let link: A.IfStmt = s;
        for (;;) {
          expr(link.cond);
          stmt(link.then);
          if (link.else?.kind !== 'if') break;
          link = link.else;
        }
        if (link.else) stmt(link.else);
        break;
      }
      case 'while':
        expr(s.cond);
        stmt(s.body);
        break;
      case 'for':
        expr(s.lo);
        expr(s.hi);
        def(s.name, s);
        stmt(s.body);
        break;
      case 'return':
        if (s.value) expr(s.value);
        break;
      case 'block':
        s.stmts.forEach(stmt);
        break;
      default:
        break;
    }
  };
  const fn = (f: A.FnItem, implOf?: A.PvopSig): void => {
    if (implOf) out.push({ span: f.name.span, name: f.name.name, decl: f, kind: 'function', role: 'definition', implOf });
    else def(f.name, f);
    for (const p of f.params) def(p.name, p);
    stmt(f.body);
  };

  for (let i = 0; i < ast.items.length; i++) {
    if (i > 0 && i % ITEMS_PER_STEP === 0) yield;
    const item = ast.items[i];
    switch (item.kind) {
      case 'const':
        def(item.name, item);
        expr(item.init);
        break;
      case 'var':
        def(item.name, item);
        expr(item.init);
        break;
      case 'fn':
        fn(item);
        break;
      case 'pvops':
        def(item.name, item);
        for (const op of item.ops) {
          def(op.name, op);
          for (const p of op.params) def(p.name, p);
        }
        break;
      case 'impl': {
        const group = pvopsByName(item.group.name);
        use(item.group, group);
        for (const f of item.fns) fn(f, group?.ops.find((o) => o.name.name === f.name.name));
        break;
      }
      case 'system':
        def(item.name, item);
        for (const d of item.domains) def(d.name, { kind: 'domain', decl: d, system: item });
        break;
      case 'abi':
        for (const v of item.vars) {
          def(v.name, v);
          expr(v.init);
        }
        for (const f of item.fns) fn(f);
        for (const h of item.hypercalls) {
          def(h.name, h);
          // The handler shares the hypercall's name and parameters: define the parameters once, walk the body.
          if (!h.handler) continue;
          for (const p of h.params) def(p.name, p);
          stmt(h.handler.body);
        }
        break;
      default:
        break;
    }
  }
  out.sort((a, b) => a.span.start - b.span.start);
  return out;
}

/** The occurrence whose span contains the offset (an identifier's end counts, as editors place carets). */
export function occurrenceAt(list: readonly Occurrence[], offset: number): Occurrence | undefined {
  let found: Occurrence | undefined;
  for (const o of list) {
    if (o.span.start <= offset && offset <= o.span.end) found = o;
    if (o.span.start > offset) break;
  }
  return found;
}

/** Whether an occurrence denotes `target` (an impl function's name also denotes its op). */
export function denotes(o: Occurrence, target: Decl): boolean {
  return o.decl === target || o.implOf === target;
}
