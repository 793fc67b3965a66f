import type * as A from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import { lex, type Comment, type Token } from './lexer.js';
import type { Span } from './source.js';

export interface ParseResult {
  ast: A.FileAst;
  comments: Comment[];
  tokens: Token[];
  diagnostics: Diagnostic[];
}

/** Thrown inside the parser only, caught at the nearest statement or item to resynchronise. */
class SyntaxBail {}

/** Binary operators by precedence, lowest first (spec section 3); all left-associative. */
const BINARY_LEVELS: readonly (readonly A.BinaryOp[])[] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'],
  ['+', '-'], ['*', '/', '%'],
];
const PRECEDENCE: ReadonlyMap<string, number> = new Map(BINARY_LEVELS.flatMap((ops, level) => ops.map((op) => [op, level + 1] as const)));
const ASSIGN_OPS: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);
const ITEM_KEYWORDS: ReadonlySet<string> = new Set(['import', 'const', 'var', 'fn', 'pvops', 'impl', 'system', 'abi']);
const STMT_KEYWORDS: ReadonlySet<string> = new Set(['let', 'if', 'while', 'for', 'return', 'break', 'continue']);
const MEM_WIDTHS: Readonly<Record<string, A.MemWidth>> = { mem8: 8, mem16: 16, mem32: 32 };

/** Parses one file. Never throws: every syntax error it can find becomes a PVK001 diagnostic. */
export function parse(file: string, text: string): ParseResult {
  const lexed = lex(file, text);
  const parser = new Parser(file, lexed.tokens, lexed.comments);
  const items = parser.parseFile();
  return {
    ast: { file, items },
    comments: lexed.comments,
    tokens: lexed.tokens,
    diagnostics: [...lexed.diagnostics, ...parser.diagnostics],
  };
}

/**
 * How deep expressions and blocks may nest (a left-associative chain of n
 * operators nests n deep). Deeper input is a syntax error rather than a host
 * stack overflow in a later stage.
 */
export const MAX_NESTING = 512;

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private lastErrorAt = -1;
  private depth = 0;

  constructor(
    private readonly file: string,
    private readonly tokens: Token[],
    private readonly comments: Comment[],
  ) {}

  // ------------------------------------------------------------ token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'keyword') && t.text === text;
  }
  private eat(text: string): Token | undefined {
    return this.is(text) ? this.next() : undefined;
  }
  private prevEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1].span.end : 0;
  }
  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'string') return 'a string';
    if (t.kind === 'int') return `'${t.text}'`;
    return `'${t.text}'`;
  }

  /** Reports a syntax error at a token (once per position) and bails out to the nearest recovery point. */
  private fail(message: string, at: Token = this.peek()): never {
    this.report(at.span, message);
    throw new SyntaxBail();
  }
  private report(span: Span, message: string): void {
    if (span.start === this.lastErrorAt) return;
    this.lastErrorAt = span.start;
    this.diagnostics.push(makeDiagnostic(this.file, span, 'PVK001', message));
  }
  private expect(text: string, context: string): Token {
    const t = this.eat(text);
    if (t) return t;
    return this.fail(`expected '${text}' ${context}, found ${this.describe(this.peek())}`);
  }
  /**
   * A missing ';' is reported right after the previous token and parsing goes
   * on as if it were there, so the statement is kept.
   */
  private semi(context: string): void {
    if (this.eat(';')) return;
    const at = this.prevEnd();
    this.report({ start: at, end: at }, `expected ';' ${context}, found ${this.describe(this.peek())}`);
  }

  private ident(context: string): A.Ident {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return { name: t.text, span: t.span };
    }
    if (t.kind === 'keyword') this.fail(`'${t.text}' is a reserved keyword and cannot be used as ${context}`);
    return this.fail(`expected ${context}, found ${this.describe(t)}`);
  }
  private span(start: number): Span {
    return { start, end: Math.max(start, this.prevEnd()) };
  }

  // ------------------------------------------------------------ recovery

  /** An item keyword followed by what that item needs next (`fn name`, `import "…"`): a new item starts here. */
  private atItemStart(): boolean {
    const t = this.peek();
    if (t.kind !== 'keyword' || !ITEM_KEYWORDS.has(t.text)) return false;
    const after = this.peek(1);
    return t.text === 'import' ? after.kind === 'string' : after.kind === 'ident';
  }

  /** Skips to the start of the next top-level item. */
  private syncItem(startPos: number): void {
    if (this.pos === startPos) this.next();
    let depth = 0;
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (depth === 0 && t.kind === 'keyword' && ITEM_KEYWORDS.has(t.text)) return;
      if (this.is('{')) depth++;
      else if (this.is('}')) {
        if (depth === 0) {
          this.next();
          return;
        }
        depth--;
        if (depth === 0) {
          this.next();
          return;
        }
      }
      this.next();
    }
  }

  /** Skips past the rest of a broken statement, stopping before '}' or a statement keyword. */
  private syncStmt(startPos: number): void {
    if (this.pos === startPos && !this.is('}')) this.next();
    let depth = 0;
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (depth === 0) {
        if (this.is('}')) return;
        if (this.is(';')) {
          this.next();
          return;
        }
        if (t.kind === 'keyword' && (STMT_KEYWORDS.has(t.text) || this.atItemStart())) return;
      }
      if (this.is('{')) depth++;
      else if (this.is('}')) depth--;
      this.next();
    }
  }

  // ------------------------------------------------------------ items

  /** An expression that must make up the whole input. */
  parseLoneExpression(): A.Expr | undefined {
    try {
      const e = this.expr();
      if (this.peek().kind !== 'eof') this.fail(`unexpected ${this.describe(this.peek())} after the expression`);
      return e;
    } catch (e) {
      if (!(e instanceof SyntaxBail)) throw e;
      return undefined;
    }
  }

  parseFile(): A.Item[] {
    const items: A.Item[] = [];
    while (this.peek().kind !== 'eof') {
      const startPos = this.pos;
      try {
        const item = this.item();
        if (item) items.push(item);
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncItem(startPos);
      }
    }
    return items;
  }

  private item(): A.Item | undefined {
    const t = this.peek();
    const start = t.span.start;
    if (t.kind === 'keyword') {
      switch (t.text) {
        case 'import': {
          this.next();
          const path = this.peek();
          if (path.kind !== 'string') this.fail(`expected a file path string after 'import', found ${this.describe(path)}`);
          this.next();
          this.semi('after the import path');
          return { kind: 'import', path: path.text, pathSpan: path.span, span: this.span(start), file: this.file };
        }
        case 'const': {
          this.next();
          const name = this.ident('a constant name');
          const declared = this.eat(':') ? this.type() : undefined;
          this.expect('=', `after 'const ${name.name}'`);
          const init = this.expr();
          this.semi('after the constant');
          return { kind: 'const', name, declared, init, span: this.span(start), file: this.file };
        }
        case 'var': {
          this.next();
          const name = this.ident('a variable name');
          const declared = this.eat(':') ? this.type() : undefined;
          this.expect('=', `after 'var ${name.name}' (globals need an initial value)`);
          const init = this.expr();
          this.semi('after the global variable');
          return { kind: 'var', name, declared, init, span: this.span(start), file: this.file };
        }
        case 'fn':
          return this.fnItem();
        case 'pvops':
          return this.pvopsItem();
        case 'impl':
          return this.implItem();
        case 'system':
          return this.systemItem();
        case 'abi':
          return this.abiItem();
      }
    }
    if (t.kind === 'keyword' && STMT_KEYWORDS.has(t.text)) {
      this.fail(`'${t.text}' statements belong inside a function body`);
    }
    return this.fail(`expected an item (fn, const, var, pvops, impl, system, import), found ${this.describe(t)}`);
  }

  private type(): A.TypeRef {
    const t = this.peek();
    if (t.kind === 'keyword' && (t.text === 'u32' || t.text === 'i32' || t.text === 'bool')) {
      this.next();
      return { name: t.text, span: t.span };
    }
    return this.fail(`expected a type (u32, i32 or bool), found ${this.describe(t)}`);
  }

  private params(): A.Param[] {
    this.expect('(', 'to open the parameter list');
    const params: A.Param[] = [];
    while (!this.is(')')) {
      const name = this.ident('a parameter name');
      this.expect(':', `after parameter '${name.name}' (parameters need a type)`);
      const type = this.type();
      params.push({ kind: 'param', name, type, span: { start: name.span.start, end: type.span.end } });
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the parameter list');
    return params;
  }

  private fnItem(): A.FnItem {
    const start = this.next().span.start;
    const name = this.ident('a function name');
    const params = this.params();
    const ret = this.eat('->') ? this.type() : undefined;
    const body = this.block();
    return { kind: 'fn', name, params, ret, body, span: this.span(start), file: this.file };
  }

  private pvopsItem(): A.PvopsItem {
    const start = this.next().span.start;
    const name = this.ident('a pvops table name');
    this.expect('{', `to open pvops '${name.name}'`);
    const ops: A.PvopSig[] = [];
    while (!this.is('}') && this.peek().kind !== 'eof') {
      const opStart = this.pos;
      try {
        const s = this.expect('fn', 'to declare an op (pvops tables hold only signatures)').span.start;
        const opName = this.ident('an op name');
        const params = this.params();
        const ret = this.eat('->') ? this.type() : undefined;
        if (this.is('{')) this.fail(`pvops '${name.name}' declares signatures only; put the body in 'impl ${name.name} for native' and 'impl ${name.name} for xen'`);
        this.semi('after the op signature');
        ops.push({ kind: 'pvop-sig', name: opName, params, ret, span: this.span(s) });
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(opStart);
      }
    }
    this.expect('}', `to close pvops '${name.name}'`);
    return { kind: 'pvops', name, ops, span: this.span(start), file: this.file };
  }

  private implItem(): A.ImplItem {
    const start = this.next().span.start;
    const group = this.ident('a pvops table name');
    this.expect('for', `after 'impl ${group.name}' (write 'impl ${group.name} for native' or 'for xen')`);
    const platform = this.ident("a platform ('native' or 'xen')");
    const impl: A.ImplItem = { kind: 'impl', group, platform, fns: [], span: { start, end: start }, file: this.file };
    this.expect('{', 'to open the impl block');
    while (!this.is('}') && this.peek().kind !== 'eof') {
      const fnPos = this.pos;
      try {
        if (!this.is('fn')) this.fail(`expected 'fn' in impl block, found ${this.describe(this.peek())}`);
        const fn = this.fnItem();
        fn.impl = impl;
        impl.fns.push(fn);
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(fnPos);
      }
    }
    this.expect('}', 'to close the impl block');
    impl.span = this.span(start);
    return impl;
  }

  private property(): A.Property {
    const name = this.ident('a property name');
    const values: A.PropValue[] = [];
    while (!this.is(';')) {
      const t = this.peek();
      if (t.kind === 'int') {
        this.next();
        if (this.is('.') && this.peek(1).kind === 'int' && this.peek(1).span.start === this.peek().span.end) {
          this.next();
          const minor = this.next();
          values.push({ kind: 'version', text: `${t.text}.${minor.text}`, value: 0, span: { start: t.span.start, end: minor.span.end } });
        } else {
          values.push({ kind: 'int', text: t.text, value: t.value, span: t.span, ...(t.overflow ? { overflow: true } : {}) });
        }
      } else if (t.kind === 'ident' || t.kind === 'string') {
        this.next();
        values.push({ kind: t.kind, text: t.text, value: 0, span: t.span });
      } else {
        this.fail(`expected ';' after property '${name.name}', found ${this.describe(t)}`);
      }
    }
    this.next();
    return { name, values, span: this.span(name.span.start) };
  }

  private systemItem(): A.SystemItem {
    const start = this.next().span.start;
    const name = this.ident('a system name');
    this.expect('{', `to open system '${name.name}'`);
    const props: A.Property[] = [];
    const domains: A.DomainDecl[] = [];
    while (!this.is('}') && this.peek().kind !== 'eof') {
      const at = this.pos;
      try {
        if (this.is('domain')) {
          const dStart = this.next().span.start;
          const dName = this.ident('a domain name');
          this.expect('{', `to open domain '${dName.name}'`);
          const dProps: A.Property[] = [];
          while (!this.is('}') && this.peek().kind !== 'eof') {
            const pAt = this.pos;
            try {
              dProps.push(this.property());
            } catch (e) {
              if (!(e instanceof SyntaxBail)) throw e;
              this.syncStmt(pAt);
            }
          }
          this.expect('}', `to close domain '${dName.name}'`);
          domains.push({ name: dName, props: dProps, span: this.span(dStart) });
        } else {
          props.push(this.property());
        }
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(at);
      }
    }
    this.expect('}', `to close system '${name.name}'`);
    return { kind: 'system', name, props, domains, span: this.span(start), file: this.file };
  }

  private abiItem(): A.AbiItem {
    const start = this.next().span.start;
    const name = this.ident('an ABI name');
    this.expect('{', `to open abi '${name.name}'`);
    const hypercalls: A.HypercallDecl[] = [];
    while (!this.is('}') && this.peek().kind !== 'eof') {
      const at = this.pos;
      try {
        hypercalls.push(this.hypercallDecl());
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(at);
      }
    }
    this.expect('}', `to close abi '${name.name}'`);
    return { kind: 'abi', name, hypercalls, span: this.span(start), file: this.file };
  }

  private hypercallDecl(): A.HypercallDecl {
    const kw = this.expect('hypercall', 'to declare a hypercall');
    const doc = this.docBefore(kw.span.start);
    const name = this.ident('a hypercall name');
    const params = this.params();
    const ret = this.eat('->') ? this.type() : undefined;
    this.expect('=', `after the signature of hypercall '${name.name}' (its number follows)`);
    const num = this.peek();
    if (num.kind !== 'int') this.fail(`expected the hypercall number, found ${this.describe(num)}`);
    this.next();
    let cls: A.HypercallClass | undefined;
    let since = '';
    let cost = -1;
    while (!this.is(';')) {
      const word = this.peek();
      if (word.kind === 'ident' && (word.text === 'stable' || word.text === 'dom0')) {
        this.next();
        cls = word.text;
      } else if (word.kind === 'ident' && word.text === 'since') {
        this.next();
        const major = this.next();
        this.expect('.', "in the 'since' version (write e.g. 'since 3.0')");
        const minor = this.next();
        if (major.kind !== 'int' || minor.kind !== 'int') this.fail("expected a version such as '3.0' after 'since'", major);
        since = `${major.text}.${minor.text}`;
      } else if (word.kind === 'ident' && word.text === 'cost') {
        this.next();
        const c = this.next();
        if (c.kind !== 'int') this.fail("expected a cycle count after 'cost'", c);
        cost = c.value;
      } else {
        this.fail(`expected 'stable', 'dom0', 'since X.Y', 'cost N' or ';', found ${this.describe(word)}`);
      }
    }
    this.next();
    const span = this.span(kw.span.start);
    if (!cls) this.report(span, `hypercall '${name.name}' needs a class: 'stable' or 'dom0'`);
    if (!since) this.report(span, `hypercall '${name.name}' needs 'since X.Y'`);
    if (cost < 0) this.report(span, `hypercall '${name.name}' needs 'cost N'`);
    return { name, params, ret, number: num.value, cls: cls ?? 'stable', since: since || '0.0', cost: Math.max(0, cost), doc, span, file: this.file };
  }

  /** The comment lines that end right before `offset` with no token in between. */
  private docBefore(offset: number): string {
    const prevTokenEnd = this.pos >= 2 ? this.tokens[this.pos - 2].span.end : 0;
    return this.comments
      .filter((c) => c.span.end <= offset && c.span.start >= prevTokenEnd)
      .map((c) => c.text.trim())
      .join('\n');
  }

  // ------------------------------------------------------------ statements

  private block(): A.Block {
    const outer = this.depth;
    try {
      this.nest();
      return this.blockBody();
    } finally {
      this.depth = outer;
    }
  }

  private blockBody(): A.Block {
    const open = this.expect('{', 'to open a block');
    const stmts: A.Stmt[] = [];
    while (!this.is('}') && this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.text !== 'const' && t.text !== 'var' && this.atItemStart()) {
        // Most likely a missing '}' before the next item: let the item parser take over.
        this.report(open.span, `'{' is not closed before '${t.text}'`);
        return { kind: 'block', stmts, span: this.span(open.span.start) };
      }
      const startPos = this.pos;
      try {
        stmts.push(this.stmt());
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(startPos);
      }
    }
    this.expect('}', 'to close the block');
    return { kind: 'block', stmts, span: this.span(open.span.start) };
  }

  private stmt(): A.Stmt {
    const t = this.peek();
    const start = t.span.start;
    if (t.kind === 'keyword') {
      switch (t.text) {
        case 'let': {
          this.next();
          const name = this.ident('a variable name');
          const declared = this.eat(':') ? this.type() : undefined;
          this.expect('=', `after 'let ${name.name}' (locals need an initial value)`);
          const init = this.expr();
          this.semi('after the let statement');
          return { kind: 'let', name, declared, init, span: this.span(start) };
        }
        case 'if':
          return this.ifStmt();
        case 'while': {
          this.next();
          const cond = this.expr();
          const body = this.block();
          return { kind: 'while', cond, body, span: this.span(start) };
        }
        case 'for': {
          this.next();
          const name = this.ident('a loop variable name');
          this.expect('in', `after 'for ${name.name}' (write 'for ${name.name} in lo..hi')`);
          const lo = this.expr();
          this.expect('..', "in the range (write 'lo..hi')");
          const hi = this.expr();
          const body = this.block();
          return { kind: 'for', name, lo, hi, body, span: this.span(start) };
        }
        case 'return': {
          this.next();
          const value = this.is(';') ? undefined : this.expr();
          this.semi('after the return statement');
          return { kind: 'return', value, span: this.span(start) };
        }
        case 'break':
        case 'continue':
          this.next();
          this.semi(`after '${t.text}'`);
          return { kind: t.text, span: this.span(start) };
        case 'const':
        case 'var':
          this.fail(`'${t.text}' declares a global and belongs at the top level; use 'let' for a local`);
      }
    }
    if (this.is('{')) return this.block();
    const expr = this.expr();
    const opTok = this.peek();
    if (opTok.kind === 'punct' && ASSIGN_OPS.has(opTok.text)) {
      if (expr.kind !== 'name' && expr.kind !== 'mem') {
        this.fail('only a variable or a mem8/mem16/mem32 location can be assigned to', opTok);
      }
      this.next();
      const value = this.expr();
      this.semi('after the assignment');
      return { kind: 'assign', target: expr, op: opTok.text as A.AssignOp, opSpan: opTok.span, value, span: this.span(start) };
    }
    this.semi('after the expression');
    return { kind: 'expr', expr, span: this.span(start) };
  }

  private ifStmt(): A.IfStmt {
    const outer = this.depth;
    try {
      this.nest();
      return this.ifChain();
    } finally {
      this.depth = outer;
    }
  }

  private ifChain(): A.IfStmt {
    const start = this.next().span.start;
    const cond = this.expr();
    const then = this.block();
    let elseBranch: A.Block | A.IfStmt | undefined;
    if (this.eat('else')) elseBranch = this.is('if') ? this.ifStmt() : this.block();
    return { kind: 'if', cond, then, else: elseBranch, span: this.span(start) };
  }

  // ------------------------------------------------------------ expressions

  /** Precedence climbing over the binary operators that bind at least as tightly as `minPrecedence`. */
  expr(minPrecedence = 1): A.Expr {
    const outer = this.depth;
    this.nest();
    try {
      let left = this.unary();
      while (true) {
        const t = this.peek();
        const precedence = t.kind === 'punct' ? PRECEDENCE.get(t.text) : undefined;
        if (precedence === undefined || precedence < minPrecedence) return left;
        this.next();
        this.nest();
        const right = this.expr(precedence + 1);
        left = { kind: 'binary', op: t.text as A.BinaryOp, opSpan: t.span, left, right, span: { start: left.span.start, end: right.span.end } };
      }
    } finally {
      this.depth = outer;
    }
  }

  private nest(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nested too deeply (more than ${MAX_NESTING} levels); split the expression or block with 'let' or a function`);
  }

  private unary(): A.Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '!' || t.text === '~')) {
      this.next();
      this.nest();
      const lit = this.peek();
      if (t.text === '-' && lit.kind === 'int' && !this.is('as', 1)) {
        // A negated literal is one literal, so that -2147483648 fits i32.
        this.next();
        const value = lit.overflow ? 0 : -lit.value;
        const node: A.IntLit = { kind: 'int', value, span: { start: t.span.start, end: lit.span.end } };
        if (lit.overflow) node.overflow = true;
        return this.postfix(node);
      }
      const operand = this.unary();
      return { kind: 'unary', op: t.text, operand, span: { start: t.span.start, end: operand.span.end } };
    }
    return this.postfix(this.primary());
  }

  private postfix(e: A.Expr): A.Expr {
    let expr = e;
    while (this.is('as')) {
      this.next();
      const target = this.type();
      expr = { kind: 'cast', operand: expr, target, span: { start: expr.span.start, end: target.span.end } };
    }
    return expr;
  }

  private args(): { args: A.Expr[]; argsSpan: Span } {
    const open = this.expect('(', 'to open the argument list');
    const args: A.Expr[] = [];
    while (!this.is(')')) {
      args.push(this.expr());
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the argument list');
    return { args, argsSpan: this.span(open.span.start) };
  }

  private primary(): A.Expr {
    const t = this.peek();
    const start = t.span.start;
    switch (t.kind) {
      case 'int': {
        this.next();
        const node: A.IntLit = { kind: 'int', value: t.value, span: t.span };
        if (t.overflow) node.overflow = true;
        return node;
      }
      case 'string':
        this.next();
        return { kind: 'string', value: t.text, span: t.span };
      case 'keyword':
        if (t.text === 'true' || t.text === 'false') {
          this.next();
          return { kind: 'bool', value: t.text === 'true', span: t.span };
        }
        if (t.text === 'hypercall') {
          this.next();
          const name = this.ident('a hypercall name');
          const { args, argsSpan } = this.args();
          return { kind: 'hypercall', keywordSpan: t.span, name, args, argsSpan, span: this.span(start) };
        }
        break;
      case 'punct':
        if (t.text === '(') {
          this.next();
          const inner = this.expr();
          this.expect(')', 'to close the parenthesis');
          // Keep the parentheses in the span so diagnostics cover what the user wrote.
          inner.span = this.span(start);
          return inner;
        }
        break;
      case 'ident': {
        this.next();
        const name: A.Ident = { name: t.text, span: t.span };
        const width = MEM_WIDTHS[t.text];
        if (width && this.is('[')) {
          this.next();
          const address = this.expr();
          this.expect(']', `to close ${t.text}[…]`);
          return { kind: 'mem', width, address, span: this.span(start) };
        }
        if (this.is('(')) {
          const { args, argsSpan } = this.args();
          return { kind: 'call', callee: name, args, argsSpan, span: this.span(start) };
        }
        if (this.is('.') && this.peek(1).kind === 'ident') {
          this.next();
          const op = this.ident('an op name');
          if (!this.is('(')) this.fail(`expected '(' to call ${t.text}.${op.name}, found ${this.describe(this.peek())}`);
          const { args, argsSpan } = this.args();
          return { kind: 'pvop', group: name, op, args, argsSpan, span: this.span(start) };
        }
        return { kind: 'name', name: t.text, span: t.span };
      }
      default:
        break;
    }
    return this.fail(`expected an expression, found ${this.describe(t)}`);
  }
}

/** Parses a lone expression (the debugger's watch, condition and console input). */
export function parseExpression(text: string): { expr?: A.Expr; diagnostics: Diagnostic[] } {
  const lexed = lex('<expression>', text);
  const parser = new Parser('<expression>', lexed.tokens, lexed.comments);
  const diagnostics = [...lexed.diagnostics];
  const result = parser.parseLoneExpression();
  return { expr: result, diagnostics: [...diagnostics, ...parser.diagnostics] };
}
