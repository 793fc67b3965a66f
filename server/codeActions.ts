import type { CodeAction, Diagnostic as LspDiagnostic, Range, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { buildItemTable } from '../sandbox/lang/items.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { ERRNO } from '../sandbox/hv/errno.js';
import { forEachExpr, functionsOf } from '../sandbox/lang/walk.js';
import { toOffset, toRange } from './convert.js';
import type { ProjectView } from './view.js';

/** Statements of a function with the block that holds each, innermost last. */
interface Located {
  stmt: A.Stmt;
  fn: A.FnItem;
}

/** The innermost statement whose span contains `span`. */
function statementAt(ast: A.FileAst, span: Span): Located | undefined {
  let found: Located | undefined;
  const visit = (s: A.Stmt, fn: A.FnItem): void => {
    if (s.span.start > span.start || s.span.end < span.end) return;
    if (s.kind !== 'block') found = { stmt: s, fn };
    if (s.kind === 'block') s.stmts.forEach((x) => visit(x, fn));
    if (s.kind === 'if') {
      visit(s.then, fn);
      if (s.else) visit(s.else, fn);
    }
    if (s.kind === 'while' || s.kind === 'for') visit(s.body, fn);
  };
  for (const fn of functionsOf(ast)) visit(fn.body, fn);
  return found;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** Quick fixes for PVK012, PVK021 and PVK020. */
export function codeActions(project: ProjectView, uri: string, range: Range, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const span = { start: toOffset(parsed.source, d.range.start), end: toOffset(parsed.source, d.range.end) };
    if (d.code === 'PVK012') out.push(...checkEnosys(parsed, uri, span, d));
    if (d.code === 'PVK021') out.push(...callThroughPvop(project, parsed, uri, span, d));
    if (d.code === 'PVK020') out.push(...moveIntoPvop(project, parsed, uri, span, d));
  }
  void range;
  return out;
}

function action(title: string, uri: string, edits: TextEdit[], diagnostic: LspDiagnostic): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, edit: { changes: { [uri]: edits } } };
}

/** PVK012: `hypercall x(…);` → `if (hypercall x(…) == -38) { … }`. */
function checkEnosys(parsed: ParsedFile, uri: string, span: Span, d: LspDiagnostic): CodeAction[] {
  const at = statementAt(parsed.ast, span);
  if (!at || at.stmt.kind !== 'expr' || at.stmt.expr.kind !== 'hypercall') return [];
  const text = parsed.source.text;
  const call = text.slice(at.stmt.expr.span.start, at.stmt.expr.span.end);
  const indent = lineIndent(text, at.stmt.span.start);
  const name = at.stmt.expr.name.name;
  const replacement = `if (${call} == ${ERRNO.ENOSYS}) {\n${indent}    print("${name}: not available on this hypervisor (-ENOSYS)");\n${indent}}`;
  return [action(`Check the result of ${name} against -ENOSYS`, uri, [{ range: toRange(parsed.source, at.stmt.span), newText: replacement }], d)];
}

/** PVK021: a privileged intrinsic → a call of an existing pvop whose native impl is exactly that instruction. */
function callThroughPvop(project: ProjectView, parsed: ParsedFile, uri: string, span: Span, d: LspDiagnostic): CodeAction[] {
  const at = statementAt(parsed.ast, span);
  if (!at) return [];
  const call = findCall(at.stmt, span);
  if (!call) return [];
  const table = buildItemTable(project.closure(parsed.source.path));
  const out: CodeAction[] = [];
  for (const item of table.values.values()) {
    if (item.kind !== 'pvops') continue;
    const native = table.impls.get(item.name.name)?.native;
    for (const f of native?.fns ?? []) {
      if (!wraps(f, call.callee.name)) continue;
      // Never from inside an impl of that same op: the call would recurse into itself.
      if (at.fn.impl?.group.name === item.name.name && at.fn.name.name === f.name.name) continue;
      const args = call.args.map((a) => parsed.source.text.slice(a.span.start, a.span.end)).join(', ');
      const edit = { range: toRange(parsed.source, { start: call.callee.span.start, end: call.argsSpan.end }), newText: `${item.name.name}.${f.name.name}(${args})` };
      out.push(action(`Call ${call.callee.name}() through the pvop ${item.name.name}.${f.name.name}`, uri, [edit], d));
    }
  }
  return out;
}

/** The call whose callee starts where the diagnostic does, within a statement (not its nested blocks). */
function findCall(s: A.Stmt, span: Span): A.CallExpr | undefined {
  let found: A.CallExpr | undefined;
  const look = (e: A.Expr | A.Stmt | undefined): void =>
    forEachExpr(e, (x) => {
      if (x.kind === 'call' && x.callee.span.start === span.start) found = x;
    });
  if (s.kind === 'if' || s.kind === 'while') look(s.cond);
  else if (s.kind === 'for') {
    look(s.lo);
    look(s.hi);
  } else look(s);
  return found;
}

/** An impl fn whose body is exactly `name(params…);` or `return name(params…);`. */
function wraps(f: A.FnItem, name: string): boolean {
  if (f.body.stmts.length !== 1) return false;
  const s = f.body.stmts[0];
  const e = s.kind === 'expr' ? s.expr : s.kind === 'return' ? s.value : undefined;
  if (!e || e.kind !== 'call' || e.callee.name !== name || e.args.length !== f.params.length) return false;
  return e.args.every((a, i) => a.kind === 'name' && a.name === f.params[i].name.name);
}

/**
 * PVK020: `if (xen_domain()) { A } else { B }` → a new pvop whose xen impl is A
 * and native impl is B, called in its place. Offered when the branches only
 * read locals (passed as parameters), do not assign them and do not return.
 */
function moveIntoPvop(project: ProjectView, parsed: ParsedFile, uri: string, span: Span, d: LspDiagnostic): CodeAction[] {
  const at = statementAt(parsed.ast, span);
  if (!at || at.stmt.kind !== 'if') return [];
  const s = at.stmt;
  const cond = s.cond;
  const negated = cond.kind === 'unary' && cond.op === '!' && cond.operand.kind === 'call' && cond.operand.callee.name === 'xen_domain';
  if (!negated && !(cond.kind === 'call' && cond.callee.name === 'xen_domain')) return [];
  if (s.else && s.else.kind !== 'block') return [];
  const xenBlock = negated ? s.else : s.then;
  const nativeBlock = negated ? s.then : s.else;
  const locals = new Map<string, string>();
  let ok = true;
  const scan = (node: A.Stmt | A.Expr | undefined): void => {
    if (!node || !ok) return;
    switch (node.kind) {
      case 'return':
      case 'break':
      case 'continue':
        ok = false;
        return;
      case 'assign':
        if (node.target.kind === 'name' && node.target.ref?.kind === 'local') ok = false;
        if (node.target.kind === 'mem') scan(node.target.address);
        scan(node.value);
        return;
      case 'name':
        if (node.ref?.kind === 'local') {
          const decl = node.ref.decl;
          const type = decl.kind === 'param' ? decl.type.name : decl.kind === 'for' ? 'u32' : (decl.varType ?? 'u32');
          if (!isInside(decl.span, xenBlock) && !isInside(decl.span, nativeBlock)) locals.set(node.name, type);
        }
        return;
      case 'let':
        scan(node.init);
        return;
      case 'expr':
        scan(node.expr);
        return;
      case 'if':
        scan(node.cond);
        scan(node.then);
        scan(node.else);
        return;
      case 'while':
        scan(node.cond);
        scan(node.body);
        return;
      case 'for':
        scan(node.lo);
        scan(node.hi);
        scan(node.body);
        return;
      case 'block':
        node.stmts.forEach(scan);
        return;
      case 'binary':
        scan(node.left);
        scan(node.right);
        return;
      case 'unary':
      case 'cast':
        scan(node.operand);
        return;
      case 'mem':
        scan(node.address);
        return;
      case 'call':
      case 'pvop':
      case 'hypercall':
        node.args.forEach(scan);
        return;
      default:
        return;
    }
  };
  scan(xenBlock);
  scan(nativeBlock);
  if (!ok) return [];
  const table = buildItemTable(project.closure(parsed.source.path));
  const base = `${at.fn.name.name}_platform`;
  let group = base;
  for (let n = 2; table.values.has(group); n++) group = `${base}${n}`;
  const op = 'run';
  const params = [...locals].map(([n, t]) => `${n}: ${t}`).join(', ');
  const args = [...locals.keys()].join(', ');
  const text = parsed.source.text;
  const body = (b: A.Block | A.IfStmt | undefined): string => {
    if (!b || b.kind !== 'block' || b.stmts.length === 0) return '';
    const inner = text.slice(b.stmts[0].span.start, b.stmts[b.stmts.length - 1].span.end);
    const indent = lineIndent(text, b.stmts[0].span.start);
    return inner
      .split('\n')
      .map((l, i) => (i === 0 ? `        ${l}` : `        ${l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()}`))
      .join('\n');
  };
  const insertAt = at.fn.impl ? at.fn.impl.span.end : at.fn.span.end;
  const table2 = [
    '',
    '',
    `pvops ${group} {`,
    `    fn ${op}(${params});`,
    '}',
    '',
    `impl ${group} for native {`,
    `    fn ${op}(${params}) {`,
    body(nativeBlock),
    '    }',
    '}',
    '',
    `impl ${group} for xen {`,
    `    fn ${op}(${params}) {`,
    body(xenBlock),
    '    }',
    '}',
  ]
    .join('\n')
    .replace(/\n\s*\n(\s*\})/g, '\n$1');
  const edits: TextEdit[] = [
    { range: toRange(parsed.source, s.span), newText: `${group}.${op}(${args});` },
    { range: toRange(parsed.source, { start: insertAt, end: insertAt }), newText: table2 },
  ];
  return [action(`Move the platform conditional into a new pvop ${group}.${op} (native and xen impls)`, uri, edits, d)];
}

function isInside(span: Span, block: A.Block | A.IfStmt | undefined): boolean {
  return block !== undefined && span.start >= block.span.start && span.end <= block.span.end;
}
