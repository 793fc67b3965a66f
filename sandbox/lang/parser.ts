import type * as A from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import { lexColumns, T_EOF, T_IDENT, T_INT, T_KEYWORD, T_KIND, T_OVERFLOW, T_PUNCT, T_STRING, type Comment, type Token, type TokenColumns } from './lexer.js';
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
  const lexed = lexColumns(file, text);
  const parser = new Parser(file, lexed.tokens, lexed.comments);
  const items = parser.parseFile();
  // The Token objects are made on first use: the parser reads the columns.
  let columns: TokenColumns | undefined = lexed.tokens;
  let tokens: Token[] | undefined;
  return {
    ast: { file, items },
    comments: lexed.comments,
    get tokens(): Token[] {
      if (tokens === undefined) {
        tokens = (columns as TokenColumns).toTokens();
        columns = undefined;
      }
      return tokens;
    },
    set tokens(value: Token[]) {
      tokens = value;
      columns = undefined;
    },
    diagnostics: [...lexed.diagnostics, ...parser.diagnostics],
  };
}

/**
 * How deep expressions and blocks may nest. Length is not nesting: a chain
 * `a + b + c …` of any length, or an `if … else if …` chain of any number of
 * branches, counts one level (every later stage walks such chains in a
 * loop). What nests is what encloses: parentheses, blocks, `if` statements,
 * operands of unary operators and casts, arguments, addresses, and the right
 * operand of a binary operator. Deeper input is a syntax error rather than a
 * host stack overflow in a later stage.
 */
export const MAX_NESTING = 512;

/**
 * A recursive-descent parser over the token columns. Tokens are named by
 * their index; `pos` is the next one and never moves past the final eof.
 */
class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private pos = 0;
  private lastErrorAt = -1;
  private depth = 0;
  /** The span of the argument list `args()` read last. */
  private argsSpan: Span = { start: 0, end: 0 };
  /**
   * Statements, arguments and parameters are gathered on these stacks (the
   * first `…Top` entries are in use) and copied out as arrays of exactly
   * their length: an array grown by push keeps spare room (17 slots for one
   * item) that would live as long as the AST.
   */
  private readonly stmtStack: A.Stmt[] = [];
  private stmtTop = 0;
  private readonly exprStack: A.Expr[] = [];
  private exprTop = 0;
  private readonly paramStack: A.Param[] = [];
  private paramTop = 0;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly values: Uint32Array;
  private readonly ids: Int32Array;
  private readonly texts: string[];
  /** The index of the eof token. */
  private readonly last: number;

  constructor(
    private readonly file: string,
    tokens: TokenColumns,
    private readonly comments: Comment[],
  ) {
    this.kinds = tokens.kinds;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
    this.values = tokens.values;
    this.ids = tokens.ids;
    this.texts = tokens.texts;
    this.last = tokens.count - 1;
  }

  // ------------------------------------------------------------ token helpers

  /** The index of the token `k` ahead (the eof token past the end). */
  private peek(k: number): number {
    return Math.min(this.pos + k, this.last);
  }
  /** Token `t`'s text. */
  private textOf(t: number): string {
    return this.texts[this.ids[t]];
  }
  private kind(t: number): number {
    return this.kinds[t] & T_KIND;
  }
  private atEof(): boolean {
    return (this.kinds[this.pos] & T_KIND) === T_EOF;
  }
  private next(): number {
    const t = this.pos;
    if ((this.kinds[t] & T_KIND) !== T_EOF) this.pos = t + 1;
    return t;
  }
  private isAt(t: number, text: string): boolean {
    const k = this.kinds[t] & T_KIND;
    return (k === T_PUNCT || k === T_KEYWORD) && this.textOf(t) === text;
  }
  private is(text: string): boolean {
    return this.isAt(this.pos, text);
  }
  private eat(text: string): boolean {
    if (!this.isAt(this.pos, text)) return false;
    this.pos++;
    return true;
  }
  private spanOf(t: number): Span {
    return { start: this.starts[t], end: this.ends[t] };
  }
  private prevEnd(): number {
    return this.pos > 0 ? this.ends[this.pos - 1] : 0;
  }
  private describe(t: number): string {
    const k = this.kinds[t] & T_KIND;
    if (k === T_EOF) return 'end of file';
    if (k === T_STRING) return 'a string';
    return `'${this.textOf(t)}'`;
  }

  /** Reports a syntax error at a token (once per position) and bails out to the nearest recovery point. */
  private fail(message: string, at: number = this.pos): never {
    this.report(this.spanOf(at), message);
    throw new SyntaxBail();
  }
  private report(span: Span, message: string): void {
    if (span.start === this.lastErrorAt) return;
    this.lastErrorAt = span.start;
    this.diagnostics.push(makeDiagnostic(this.file, span, 'PVK001', message));
  }
  /** The index of the expected token, which is consumed. */
  private expect(text: string, context: string): number {
    const t = this.pos;
    if (this.isAt(t, text)) {
      this.pos = t + 1;
      return t;
    }
    return this.fail(`expected '${text}' ${context}, found ${this.describe(t)}`);
  }
  /**
   * A missing ';' is reported right after the previous token and parsing goes
   * on as if it were there, so the statement is kept.
   */
  private semi(context: string): void {
    if (this.eat(';')) return;
    const at = this.prevEnd();
    this.report({ start: at, end: at }, `expected ';' ${context}, found ${this.describe(this.pos)}`);
  }

  private ident(context: string): A.Ident {
    const t = this.pos;
    const k = this.kinds[t] & T_KIND;
    if (k === T_IDENT) {
      this.pos = t + 1;
      return { name: this.textOf(t), span: this.spanOf(t) };
    }
    if (k === T_KEYWORD) this.fail(`'${this.textOf(t)}' is a reserved keyword and cannot be used as ${context}`);
    return this.fail(`expected ${context}, found ${this.describe(t)}`);
  }
  private span(start: number): Span {
    return { start, end: Math.max(start, this.prevEnd()) };
  }

  // ------------------------------------------------------------ recovery

  /** An item keyword followed by what that item needs next (`fn name`, `import "…"`): a new item starts here. */
  private atItemStart(): boolean {
    const t = this.pos;
    if (this.kind(t) !== T_KEYWORD || !ITEM_KEYWORDS.has(this.textOf(t))) return false;
    const after = this.kind(this.peek(1));
    return this.textOf(t) === 'import' ? after === T_STRING : after === T_IDENT;
  }

  /** Skips to the start of the next top-level item. */
  private syncItem(startPos: number): void {
    if (this.pos === startPos) this.next();
    let depth = 0;
    while (!this.atEof()) {
      const t = this.pos;
      if (depth === 0 && this.kind(t) === T_KEYWORD && ITEM_KEYWORDS.has(this.textOf(t))) return;
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
    while (!this.atEof()) {
      const t = this.pos;
      if (depth === 0) {
        if (this.is('}')) return;
        if (this.is(';')) {
          this.next();
          return;
        }
        if (this.kind(t) === T_KEYWORD && (STMT_KEYWORDS.has(this.textOf(t)) || this.atItemStart())) return;
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
      if (!this.atEof()) this.fail(`unexpected ${this.describe(this.pos)} after the expression`);
      return e;
    } catch (e) {
      if (!(e instanceof SyntaxBail)) throw e;
      return undefined;
    }
  }

  parseFile(): A.Item[] {
    const items: A.Item[] = [];
    while (!this.atEof()) {
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
    const t = this.pos;
    const start = this.starts[t];
    const text = this.textOf(t);
    if (this.kind(t) === T_KEYWORD) {
      switch (text) {
        case 'import': {
          this.next();
          const path = this.pos;
          if (this.kind(path) !== T_STRING) this.fail(`expected a file path string after 'import', found ${this.describe(path)}`);
          this.next();
          this.semi('after the import path');
          return { kind: 'import', path: this.textOf(path), pathSpan: this.spanOf(path), span: this.span(start), file: this.file };
        }
        case 'const': {
          this.next();
          const name = this.ident('a constant name');
          const declared = this.eat(':') ? this.type() : undefined;
          this.expect('=', `after 'const ${name.name}'`);
          const init = this.expr();
          this.semi('after the constant');
          return { kind: 'const', name, declared, init, span: this.span(start), file: this.file, value: undefined };
        }
        case 'var':
          return this.varItem(undefined);
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
    if (this.kind(t) === T_KEYWORD && STMT_KEYWORDS.has(text)) {
      this.fail(`'${text}' statements belong inside a function body`);
    }
    return this.fail(`expected an item (fn, const, var, pvops, impl, system, import), found ${this.describe(t)}`);
  }

  private type(): A.TypeRef {
    const t = this.pos;
    const name = this.textOf(t);
    if (this.kind(t) === T_KEYWORD && (name === 'u32' || name === 'i32' || name === 'bool')) {
      this.next();
      return { name, span: this.spanOf(t) };
    }
    return this.fail(`expected a type (u32, i32 or bool), found ${this.describe(t)}`);
  }

  private params(): A.Param[] {
    this.expect('(', 'to open the parameter list');
    const base = this.paramTop;
    let count = 0;
    while (!this.is(')')) {
      const name = this.ident('a parameter name');
      this.expect(':', `after parameter '${name.name}' (parameters need a type)`);
      const type = this.type();
      this.paramStack[base + count] = { kind: 'param', name, type, span: { start: name.span.start, end: type.span.end } };
      this.paramTop = base + ++count;
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the parameter list');
    const params = this.paramStack.slice(base, base + count);
    this.paramTop = base;
    return params;
  }

  private varItem(abi: A.AbiItem | undefined): A.VarItem {
    const start = this.starts[this.next()];
    const name = this.ident('a variable name');
    const declared = this.eat(':') ? this.type() : undefined;
    this.expect('=', `after 'var ${name.name}' (globals need an initial value)`);
    const init = this.expr();
    this.semi('after the global variable');
    return { kind: 'var', name, declared, init, span: this.span(start), file: this.file, initialValue: undefined, abi };
  }

  private fnItem(abi?: A.AbiItem): A.FnItem {
    const start = this.starts[this.next()];
    const name = this.ident('a function name');
    const params = this.params();
    const ret = this.eat('->') ? this.type() : undefined;
    const body = this.block();
    return { kind: 'fn', name, params, ret, body, span: this.span(start), file: this.file, impl: undefined, abi, handlerOf: undefined };
  }

  private pvopsItem(): A.PvopsItem {
    const start = this.starts[this.next()];
    const name = this.ident('a pvops table name');
    this.expect('{', `to open pvops '${name.name}'`);
    const ops: A.PvopSig[] = [];
    while (!this.is('}') && !this.atEof()) {
      const opStart = this.pos;
      try {
        const s = this.starts[this.expect('fn', 'to declare an op (pvops tables hold only signatures)')];
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
    const start = this.starts[this.next()];
    const group = this.ident('a pvops table name');
    this.expect('for', `after 'impl ${group.name}' (write 'impl ${group.name} for native' or 'for xen')`);
    const platform = this.ident("a platform ('native' or 'xen')");
    const impl: A.ImplItem = { kind: 'impl', group, platform, fns: [], span: { start, end: start }, file: this.file };
    this.expect('{', 'to open the impl block');
    while (!this.is('}') && !this.atEof()) {
      const fnPos = this.pos;
      try {
        if (!this.is('fn')) this.fail(`expected 'fn' in impl block, found ${this.describe(this.pos)}`);
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
    // `abi NAME;` in a system: the keyword names the property.
    const name = this.is('abi') ? { name: 'abi', span: this.spanOf(this.next()) } : this.ident('a property name');
    const values: A.PropValue[] = [];
    while (!this.is(';')) {
      const t = this.pos;
      const k = this.kind(t);
      if (k === T_INT) {
        this.next();
        const after = this.peek(1);
        if (this.is('.') && this.kind(after) === T_INT && this.starts[after] === this.ends[this.pos]) {
          this.next();
          const minor = this.next();
          values.push({ kind: 'version', text: `${this.textOf(t)}.${this.textOf(minor)}`, value: 0, span: { start: this.starts[t], end: this.ends[minor] } });
        } else {
          values.push({ kind: 'int', text: this.textOf(t), value: this.values[t], span: this.spanOf(t), ...((this.kinds[t] & T_OVERFLOW) !== 0 ? { overflow: true } : {}) });
        }
      } else if (k === T_IDENT || k === T_STRING) {
        this.next();
        values.push({ kind: k === T_IDENT ? 'ident' : 'string', text: this.textOf(t), value: 0, span: this.spanOf(t) });
      } else {
        this.fail(`expected ';' after property '${name.name}', found ${this.describe(t)}`);
      }
    }
    this.next();
    return { name, values, span: this.span(name.span.start) };
  }

  private systemItem(): A.SystemItem {
    const start = this.starts[this.next()];
    const name = this.ident('a system name');
    this.expect('{', `to open system '${name.name}'`);
    const props: A.Property[] = [];
    const domains: A.DomainDecl[] = [];
    while (!this.is('}') && !this.atEof()) {
      const at = this.pos;
      try {
        if (this.is('domain')) {
          const dStart = this.starts[this.next()];
          const dName = this.ident('a domain name');
          this.expect('{', `to open domain '${dName.name}'`);
          const dProps: A.Property[] = [];
          while (!this.is('}') && !this.atEof()) {
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
    const start = this.starts[this.next()];
    const name = this.ident('an ABI name');
    this.expect('{', `to open abi '${name.name}'`);
    const abi: A.AbiItem = { kind: 'abi', name, hypercalls: [], vars: [], fns: [], span: { start, end: start }, file: this.file };
    while (!this.is('}') && !this.atEof()) {
      const at = this.pos;
      try {
        if (this.is('var')) abi.vars.push(this.varItem(abi));
        else if (this.is('fn')) abi.fns.push(this.fnItem(abi));
        else abi.hypercalls.push(this.hypercallDecl(abi));
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.syncStmt(at);
      }
    }
    this.expect('}', `to close abi '${name.name}'`);
    abi.span = this.span(start);
    return abi;
  }

  private hypercallDecl(abi: A.AbiItem): A.HypercallDecl {
    const kwStart = this.starts[this.expect('hypercall', 'to declare a hypercall')];
    const doc = this.docBefore(kwStart);
    const name = this.ident('a hypercall name');
    const params = this.params();
    const ret = this.eat('->') ? this.type() : undefined;
    this.expect('=', `after the signature of hypercall '${name.name}' (its number follows)`);
    const num = this.pos;
    if (this.kind(num) !== T_INT) this.fail(`expected the hypercall number, found ${this.describe(num)}`);
    this.next();
    let cls: A.HypercallClass | undefined;
    let since = '';
    let cost = -1;
    while (!this.is(';') && !this.is('{')) {
      const word = this.pos;
      const text = this.textOf(word);
      const isWord = this.kind(word) === T_IDENT;
      if (isWord && (text === 'stable' || text === 'dom0')) {
        this.next();
        cls = text;
      } else if (isWord && text === 'since') {
        this.next();
        const major = this.next();
        this.expect('.', "in the 'since' version (write e.g. 'since 3.0')");
        const minor = this.next();
        if (this.kind(major) !== T_INT || this.kind(minor) !== T_INT) this.fail("expected a version such as '3.0' after 'since'", major);
        since = `${this.textOf(major)}.${this.textOf(minor)}`;
      } else if (isWord && text === 'cost') {
        this.next();
        const c = this.next();
        if (this.kind(c) !== T_INT) this.fail("expected a cycle count after 'cost'", c);
        cost = this.values[c];
      } else {
        this.fail(`expected 'stable', 'dom0', 'since X.Y', 'cost N', ';' or a handler body '{ … }', found ${this.describe(word)}`);
      }
    }
    const body = this.is('{') ? this.block() : undefined;
    if (!body) this.next();
    const span = this.span(kwStart);
    if (!cls) this.report(span, `hypercall '${name.name}' needs a class: 'stable' or 'dom0'`);
    if (!since) this.report(span, `hypercall '${name.name}' needs 'since X.Y'`);
    if (cost < 0) this.report(span, `hypercall '${name.name}' needs 'cost N'`);
    const decl: A.HypercallDecl = {
      name, params, ret, number: this.values[num], cls: cls ?? 'stable', since: since || '0.0', cost: Math.max(0, cost), doc, span, file: this.file,
      table: abi.name.name, numberSpan: this.spanOf(num), handler: undefined,
    };
    if (body) {
      // The handler is a function of the hypervisor: the hypercall's parameters, returning i32.
      const handlerRet: A.TypeRef = ret ?? { name: 'i32', span: name.span };
      decl.handler = { kind: 'fn', name, params, ret: handlerRet, body, span, file: this.file, impl: undefined, abi, handlerOf: decl };
    }
    return decl;
  }

  /**
   * The comment lines that end right before `offset` with no token in
   * between. Comments are in text order: a binary search finds the first
   * one after the previous token (a scan of all of them per declaration
   * made a file of many declarations quadratic to parse).
   */
  private docBefore(offset: number): string {
    const prevTokenEnd = this.pos >= 2 ? this.ends[this.pos - 2] : 0;
    const comments = this.comments;
    let lo = 0;
    let hi = comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comments[mid].span.start < prevTokenEnd) lo = mid + 1;
      else hi = mid;
    }
    const lines: string[] = [];
    for (let i = lo; i < comments.length && comments[i].span.end <= offset; i++) lines.push(comments[i].text.trim());
    return lines.join('\n');
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
    const openStart = this.starts[open];
    const base = this.stmtTop;
    let count = 0;
    while (!this.is('}') && !this.atEof()) {
      const text = this.textOf(this.pos);
      if (text !== 'const' && text !== 'var' && this.atItemStart()) {
        // Most likely a missing '}' before the next item: let the item parser take over.
        this.report(this.spanOf(open), `'{' is not closed before '${text}'`);
        return { kind: 'block', stmts: this.takeStmts(base, count), span: this.span(openStart) };
      }
      const startPos = this.pos;
      try {
        this.stmtStack[base + count] = this.stmt();
        this.stmtTop = base + ++count;
      } catch (e) {
        if (!(e instanceof SyntaxBail)) throw e;
        this.stmtTop = base + count; // drop what a broken inner block left
        this.syncStmt(startPos);
      }
    }
    this.expect('}', 'to close the block');
    return { kind: 'block', stmts: this.takeStmts(base, count), span: this.span(openStart) };
  }

  private takeStmts(base: number, count: number): A.Stmt[] {
    const stmts = this.stmtStack.slice(base, base + count);
    this.stmtTop = base;
    return stmts;
  }

  private stmt(): A.Stmt {
    const t = this.pos;
    const start = this.starts[t];
    if (this.kind(t) === T_KEYWORD) {
      const text = this.textOf(t);
      switch (text) {
        case 'let': {
          this.next();
          const name = this.ident('a variable name');
          const declared = this.eat(':') ? this.type() : undefined;
          this.expect('=', `after 'let ${name.name}' (locals need an initial value)`);
          const init = this.expr();
          this.semi('after the let statement');
          return { kind: 'let', name, declared, init, span: this.span(start), varType: undefined };
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
          this.semi(`after '${text}'`);
          return { kind: text, span: this.span(start) };
        case 'const':
        case 'var':
          this.fail(`'${text}' declares a global and belongs at the top level; use 'let' for a local`);
      }
    }
    if (this.is('{')) return this.block();
    const expr = this.expr();
    const opTok = this.pos;
    const op = this.textOf(opTok);
    if (this.kind(opTok) === T_PUNCT && ASSIGN_OPS.has(op)) {
      if (expr.kind !== 'name' && expr.kind !== 'mem') {
        this.fail('only a variable or a mem8/mem16/mem32 location can be assigned to', opTok);
      }
      this.next();
      const value = this.expr();
      this.semi('after the assignment');
      return { kind: 'assign', target: expr, op: op as A.AssignOp, opSpan: this.spanOf(opTok), value, span: this.span(start) };
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

  /** `if … else if … else …`: one level however many branches (read in a loop, linked from the end). */
  private ifChain(): A.IfStmt {
    const links: { start: number; cond: A.Expr; then: A.Block }[] = [];
    let last: A.Block | undefined;
    while (true) {
      const start = this.starts[this.next()];
      const cond = this.expr();
      const then = this.block();
      links.push({ start, cond, then });
      if (!this.eat('else')) break;
      if (!this.is('if')) {
        last = this.block();
        break;
      }
    }
    let elseBranch: A.Block | A.IfStmt | undefined = last;
    for (let i = links.length - 1; i >= 0; i--) {
      const { start, cond, then } = links[i];
      elseBranch = { kind: 'if', cond, then, else: elseBranch, span: this.span(start) };
    }
    return elseBranch as A.IfStmt;
  }

  // ------------------------------------------------------------ expressions

  /** Precedence climbing over the binary operators that bind at least as tightly as `minPrecedence`. */
  expr(minPrecedence = 1): A.Expr {
    const outer = this.depth;
    this.nest();
    try {
      let left = this.unary();
      while (true) {
        const t = this.pos;
        const precedence = this.kind(t) === T_PUNCT ? PRECEDENCE.get(this.textOf(t)) : undefined;
        if (precedence === undefined || precedence < minPrecedence) return left;
        this.next();
        // The right operand nests one level (expr counts it); the chain itself does not.
        const right = this.expr(precedence + 1);
        left = { kind: 'binary', op: this.textOf(t) as A.BinaryOp, opSpan: this.spanOf(t), left, right, span: { start: left.span.start, end: right.span.end }, type: undefined };
      }
    } finally {
      this.depth = outer;
    }
  }

  private nest(): void {
    if (++this.depth > MAX_NESTING) this.fail(`nested too deeply (more than ${MAX_NESTING} levels); split the expression or block with 'let' or a function`);
  }

  private unary(): A.Expr {
    const t = this.pos;
    const op = this.textOf(t);
    if (this.kind(t) === T_PUNCT && (op === '-' || op === '!' || op === '~')) {
      this.next();
      this.nest();
      const lit = this.pos;
      if (op === '-' && this.kind(lit) === T_INT && !this.isAt(this.peek(1), 'as')) {
        // A negated literal is one literal, so that -2147483648 fits i32.
        this.next();
        const overflow = (this.kinds[lit] & T_OVERFLOW) !== 0;
        const value = overflow ? 0 : -this.values[lit];
        const node: A.IntLit = { kind: 'int', value, span: { start: this.starts[t], end: this.ends[lit] }, type: undefined };
        if (overflow) node.overflow = true;
        return this.postfix(node);
      }
      const operand = this.unary();
      return { kind: 'unary', op, operand, span: { start: this.starts[t], end: operand.span.end }, type: undefined };
    }
    return this.postfix(this.primary());
  }

  private postfix(e: A.Expr): A.Expr {
    let expr = e;
    while (this.is('as')) {
      this.nest();
      this.next();
      const target = this.type();
      expr = { kind: 'cast', operand: expr, target, span: { start: expr.span.start, end: target.span.end }, type: undefined };
    }
    return expr;
  }

  /** An argument list; its span is left in `argsSpan`. */
  private args(): A.Expr[] {
    const open = this.expect('(', 'to open the argument list');
    const base = this.exprTop;
    let count = 0;
    while (!this.is(')')) {
      this.exprStack[base + count] = this.expr();
      this.exprTop = base + ++count;
      if (!this.eat(',')) break;
    }
    this.expect(')', 'to close the argument list');
    this.argsSpan = this.span(this.starts[open]);
    const args = this.exprStack.slice(base, base + count);
    this.exprTop = base;
    return args;
  }

  private primary(): A.Expr {
    const t = this.pos;
    const start = this.starts[t];
    const text = this.textOf(t);
    switch (this.kind(t)) {
      case T_INT: {
        this.next();
        const node: A.IntLit = { kind: 'int', value: this.values[t], span: this.spanOf(t), type: undefined };
        if ((this.kinds[t] & T_OVERFLOW) !== 0) node.overflow = true;
        return node;
      }
      case T_STRING:
        this.next();
        return { kind: 'string', value: text, span: this.spanOf(t), type: undefined };
      case T_KEYWORD:
        if (text === 'true' || text === 'false') {
          this.next();
          return { kind: 'bool', value: text === 'true', span: this.spanOf(t), type: undefined };
        }
        if (text === 'hypercall') {
          this.next();
          const name = this.ident('a hypercall name');
          const args = this.args();
          return { kind: 'hypercall', keywordSpan: this.spanOf(t), name, args, argsSpan: this.argsSpan, span: this.span(start), decl: undefined, type: undefined };
        }
        break;
      case T_PUNCT:
        if (text === '(') {
          this.next();
          const inner = this.expr();
          this.expect(')', 'to close the parenthesis');
          // Keep the parentheses in the span so diagnostics cover what the user wrote.
          inner.span = this.span(start);
          return inner;
        }
        break;
      case T_IDENT: {
        this.next();
        const width = MEM_WIDTHS[text];
        if (width && this.is('[')) {
          this.next();
          const address = this.expr();
          this.expect(']', `to close ${text}[…]`);
          return { kind: 'mem', width, address, span: this.span(start), type: undefined };
        }
        if (this.is('(')) {
          const callee: A.Ident = { name: text, span: this.spanOf(t) };
          const args = this.args();
          return { kind: 'call', callee, args, argsSpan: this.argsSpan, span: this.span(start), target: undefined, type: undefined };
        }
        if (this.is('.') && this.kind(this.peek(1)) === T_IDENT) {
          const group: A.Ident = { name: text, span: this.spanOf(t) };
          this.next();
          const op = this.ident('an op name');
          if (!this.is('(')) this.fail(`expected '(' to call ${text}.${op.name}, found ${this.describe(this.pos)}`);
          const args = this.args();
          return { kind: 'pvop', group, op, args, argsSpan: this.argsSpan, span: this.span(start), pvops: undefined, decl: undefined, type: undefined };
        }
        return { kind: 'name', name: text, span: this.spanOf(t), ref: undefined, type: undefined };
      }
      default:
        break;
    }
    return this.fail(`expected an expression, found ${this.describe(t)}`);
  }
}

/** Parses a lone expression (the debugger's watch, condition and console input). */
export function parseExpression(text: string): { expr?: A.Expr; diagnostics: Diagnostic[] } {
  const lexed = lexColumns('<expression>', text);
  const parser = new Parser('<expression>', lexed.tokens, lexed.comments);
  const diagnostics = [...lexed.diagnostics];
  const result = parser.parseLoneExpression();
  return { expr: result, diagnostics: [...diagnostics, ...parser.diagnostics] };
}

/** One Parser kept alive, so that its shape and the code optimized for it outlive each file (see LEXER_SHAPES). */
export const PARSER_SHAPE: object = new Parser('', lexColumns('', '').tokens, []);
