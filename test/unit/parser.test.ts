/**
 * Front-end tests written from the language contract (/work/shared/spec/LANGUAGE.md,
 * sections 1–3): lexical structure, statement and item forms, operator
 * precedence, error recovery, keywords and positions.
 */
import { describe, expect, it } from 'vitest';
import type * as A from '../../sandbox/lang/ast.js';
import { analyze } from '../../sandbox/lang/analysis.js';
import type { Diagnostic } from '../../sandbox/lang/diagnostics.js';
import { lex } from '../../sandbox/lang/lexer.js';
import { parse } from '../../sandbox/lang/parser.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { SourceFile } from '../../sandbox/lang/source.js';

// ---------------------------------------------------------------- helpers

const FILE = '/mem/a.pvk';

/** Analyzes in-memory files (absolute paths); returns every file's diagnostics. */
function analyzeFiles(files: Record<string, string>, roots: string[] = Object.keys(files).slice(0, 1)) {
  const map = new Map(Object.entries(files));
  const ws = new Workspace({ readFile: (p) => map.get(p) });
  return analyze(ws, roots);
}

/** Diagnostics of a single-file program. */
function check(text: string): Diagnostic[] {
  return analyzeFiles({ [FILE]: text }).diagnostics.get(FILE) ?? [];
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);
const syntaxErrors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.code === 'PVK001');
const describeDiags = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code}@${d.span.start}-${d.span.end} ${d.message}`).join('\n');

/** Parses `text`, asserting it has no syntax errors. */
function parseOk(text: string): A.FileAst {
  const r = parse(FILE, text);
  expect(describeDiags(r.diagnostics), `unexpected syntax errors in:\n${text}`).toBe('');
  return r.ast;
}

function fnItem(ast: A.FileAst, name?: string): A.FnItem {
  const fn = ast.items.find((i): i is A.FnItem => i.kind === 'fn' && (name === undefined || i.name.name === name));
  expect(fn, `fn ${name ?? ''} not found`).toBeDefined();
  return fn as A.FnItem;
}

/** The statements of a function body `body`. */
function stmtsOf(body: string): A.Stmt[] {
  return fnItem(parseOk(`fn f() {\n${body}\n}`)).body.stmts;
}

/** The expression `src`, parsed as a let initializer. */
function exprOf(src: string): A.Expr {
  const [s] = stmtsOf(`let __e = ${src};`);
  expect(s.kind).toBe('let');
  return (s as A.LetStmt).init;
}

/** Prints an expression fully parenthesised: binary and cast nodes get parentheses. */
function pp(e: A.Expr): string {
  switch (e.kind) {
    case 'int':
      return String(e.value);
    case 'bool':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'name':
      return e.name;
    case 'unary':
      return `${e.op}${pp(e.operand)}`;
    case 'binary':
      return `(${pp(e.left)} ${e.op} ${pp(e.right)})`;
    case 'cast':
      return `(${pp(e.operand)} as ${e.target.name})`;
    case 'call':
      return `${e.callee.name}(${e.args.map(pp).join(', ')})`;
    case 'pvop':
      return `${e.group.name}.${e.op.name}(${e.args.map(pp).join(', ')})`;
    case 'hypercall':
      return `hypercall ${e.name.name}(${e.args.map(pp).join(', ')})`;
    case 'mem':
      return `mem${e.width}[${pp(e.address)}]`;
  }
}

const ppOf = (src: string) => pp(exprOf(src));

// ---------------------------------------------------------------- 1. literals

describe('integer literals (spec §1)', () => {
  it.each([
    ['42', 42],
    ['0', 0],
    ['0x2a', 42],
    ['0xFF', 255],
    ['0xdeadBEEF', 0xdeadbeef],
    ['0b101010', 42],
    ['0b0', 0],
    ['1_000', 1000],
    ['1_000_000', 1000000],
    ['0xFF_FF', 0xffff],
    ['0b1010_1010', 0xaa],
    ['0xFFFFFFFF', 0xffffffff],
    ['4294967295', 4294967295],
  ])('%s has value %d', (src, value) => {
    const e = exprOf(src);
    expect(e.kind).toBe('int');
    expect((e as A.IntLit).value).toBe(value);
    expect((e as A.IntLit).overflow).toBeFalsy();
  });

  it.each(['1__0', '1_', '1_000_', '0x_1', '0b_1', '0xFF__FF'])('misplaced underscore in %s is a PVK001', (src) => {
    const r = parse(FILE, `fn f() { let x = ${src}; }`);
    expect(codes(r.diagnostics)).toContain('PVK001');
    const d = syntaxErrors(r.diagnostics)[0];
    // The error is on the literal.
    const at = `fn f() { let x = `.length;
    expect(d.span.start).toBeGreaterThanOrEqual(at);
    expect(d.span.end).toBeLessThanOrEqual(at + src.length + 1);
  });

  it('_1 is an identifier, not a literal', () => {
    const e = exprOf('_1');
    expect(e.kind).toBe('name');
    expect((e as A.NameExpr).name).toBe('_1');
    const toks = lex(FILE, '_1').tokens;
    expect(toks[0].kind).toBe('ident');
    expect(check('fn main() -> u32 { let _1 = 2; let _ = _1; return _1 + _; }')).toEqual([]);
  });

  it.each(['0b102', '0b2', '0xG', '0x1G', '12abc', '0x', '0b'])('bad digits in %s are a PVK001', (src) => {
    const r = parse(FILE, `fn f() { let x = ${src}; }`);
    expect(codes(r.diagnostics)).toContain('PVK001');
  });

  it('0xFFFFFFFF and 4294967295 fit (no diagnostic)', () => {
    expect(check('fn main() -> u32 { let a: u32 = 0xFFFFFFFF; let b = 4294967295; let c = 0b11111111111111111111111111111111; return a + b + c; }')).toEqual([]);
  });

  it.each(['0x100000000', '4294967296', '0b100000000000000000000000000000000', '99999999999999999999', '0x1_0000_0000'])(
    '%s does not fit 32 bits: lexer sets overflow, checker reports PVK005 (not PVK001)',
    (src) => {
      const toks = lex(FILE, src).tokens;
      expect(toks[0].kind).toBe('int');
      expect(toks[0].overflow).toBe(true);
      const text = `fn main() -> u32 { let x = ${src}; return 0; }`;
      expect(parse(FILE, text).diagnostics).toEqual([]);
      const ds = check(text);
      expect(codes(ds)).toEqual(['PVK005']);
      expect(ds[0].span).toEqual({ start: text.indexOf(src), end: text.indexOf(src) + src.length });
    },
  );

  it('literals take the type the context asks for and must fit it', () => {
    expect(codes(check('fn main() -> u32 { let x: i32 = 0xFFFFFFFF; return 0; }'))).toEqual(['PVK005']);
    expect(codes(check('fn main() -> u32 { let x: u32 = -1; return 0; }'))).toEqual(['PVK005']);
    expect(codes(check('fn main() -> u32 { let x: i32 = 2147483648; return 0; }'))).toEqual(['PVK005']);
    expect(check('fn main() -> u32 { let x: i32 = 2147483647; let y = 0x80000000 as i32; return 0; }')).toEqual([]);
  });

  it('a negated literal -2147483648 is ONE int node with value -2147483648', () => {
    const e = exprOf('-2147483648');
    expect(e.kind).toBe('int');
    expect((e as A.IntLit).value).toBe(-2147483648);
    expect(e.span).toEqual({ start: 'fn f() {\nlet __e = '.length, end: 'fn f() {\nlet __e = -2147483648'.length });
    expect(check('fn main() -> u32 { let z: i32 = -2147483648; let w: i32 = -0x80000000; return 0; }')).toEqual([]);
    expect(codes(check('fn main() -> u32 { let z: i32 = -2147483649; return 0; }'))).toEqual(['PVK005']);
  });

  it('a negated literal inside a larger expression stays one literal', () => {
    expect(ppOf('a * -5')).toBe('(a * -5)');
    const e = exprOf('a * -5') as A.BinaryExpr;
    expect(e.right.kind).toBe('int');
    expect((e.right as A.IntLit).value).toBe(-5);
    // but `a -1` is a subtraction
    expect(ppOf('a -1')).toBe('(a - 1)');
    expect(ppOf('a-1')).toBe('(a - 1)');
  });

  it('identifiers are ASCII only: a non-ASCII letter is a PVK001', () => {
    expect(codes(parse(FILE, 'fn f() { let é = 1; }').diagnostics)).toContain('PVK001');
  });
});

describe('characters outside the lexical grammar (spec §1)', () => {
  it('every non-ASCII BMP character outside comments and strings is exactly one PVK001 and never a token', () => {
    // Identifiers and punctuators are ASCII; any other character is an error on that character alone.
    const bad: string[] = [];
    for (let c = 0x80; c <= 0xffff; c++) {
      if (c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) continue; // BOM (whitespace), lone surrogates
      const ch = String.fromCharCode(c);
      const text = `a ${ch} b`;
      const r = lex(FILE, text);
      const kinds = r.tokens.map((t) => `${t.kind}:${t.text}@${t.span.start}-${t.span.end}`);
      const ok =
        kinds.join(' ') === 'ident:a@0-1 ident:b@4-5 eof:@5-5' &&
        r.diagnostics.length === 1 &&
        r.diagnostics[0].code === 'PVK001' &&
        r.diagnostics[0].span.start === 2 &&
        r.diagnostics[0].span.end === 3;
      if (!ok) bad.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(ch)}: tokens ${kinds.join(' ')}; ${describeDiags(r.diagnostics)}`);
    }
    expect(bad.slice(0, 10).join('\n')).toBe('');
  });

  it('a non-ASCII character right after an operator does not change the operator', () => {
    // e.g. '>' followed by U+0080 is '>' then an unexpected character
    const r = lex(FILE, 'a >\u0080 b');
    expect(r.tokens.map((t) => t.text)).toEqual(['a', '>', 'b', '']);
    expect(codes(r.diagnostics)).toEqual(['PVK001']);
  });
});

describe('string literals and comments (spec §1)', () => {
  it('decodes \\n \\t \\\\ \\" \\xNN', () => {
    const [s] = stmtsOf('print("a\\nb\\tc\\\\d\\"e\\x41\\x7a\\x4A");');
    expect(s.kind).toBe('expr');
    const call = (s as A.ExprStmt).expr as A.CallExpr;
    expect(call.kind).toBe('call');
    expect(call.callee.name).toBe('print');
    expect(call.args[0].kind).toBe('string');
    expect((call.args[0] as A.StringLit).value).toBe('a\nb\tc\\d"eAzJ');
  });

  it.each(['\\q', '\\0', '\\r', '\\x4', '\\xZZ', "\\'", '\\u0041'])('bad escape %s is a PVK001', (esc) => {
    const text = `fn f() { print("ab${esc}zz"); }`;
    const r = parse(FILE, text);
    const ds = syntaxErrors(r.diagnostics);
    expect(ds.length).toBeGreaterThanOrEqual(1);
    // located inside the string
    expect(ds[0].span.start).toBeGreaterThanOrEqual(text.indexOf('"'));
    expect(ds[0].span.end).toBeLessThanOrEqual(text.lastIndexOf('"') + 1);
  });

  it('an unterminated string is a PVK001', () => {
    expect(codes(parse(FILE, 'fn f() { print("abc').diagnostics)).toContain('PVK001');
    expect(codes(parse(FILE, 'fn f() { print("abc\\"); }').diagnostics)).toContain('PVK001');
    expect(codes(parse(FILE, 'import "x.pvk').diagnostics)).toContain('PVK001');
  });

  it('comment markers inside strings and quotes inside comments are plain text', () => {
    const [s] = stmtsOf('print("/* not a comment */ // nor this"); // say "hi\n/* " */');
    expect((((s as A.ExprStmt).expr as A.CallExpr).args[0] as A.StringLit).value).toBe('/* not a comment */ // nor this');
  });

  it('// and /* */ comments are skipped', () => {
    const ast = parseOk('// line comment\nfn f() { /* block\n comment */ let x = 1; // trailing\n}\n/* end */ // eof');
    expect(ast.items.map((i) => i.kind)).toEqual(['fn']);
    const r = parse(FILE, '// a\n/* b */ fn f() {}');
    expect(r.comments.map((c) => c.text)).toEqual([' a', ' b ']);
  });

  it('block comments do not nest', () => {
    // `/* a /* b */` is one complete comment
    expect(parseOk('/* a /* b */ fn f() {}').items.map((i) => i.kind)).toEqual(['fn']);
    // so the second `*/` is left over as code
    expect(codes(parse(FILE, '/* a /* b */ c */ fn f() {}').diagnostics)).toContain('PVK001');
  });

  it('an unterminated block comment is a PVK001', () => {
    const r = parse(FILE, 'fn f() {}\n/* never closed\nfn g() {}');
    expect(codes(r.diagnostics)).toContain('PVK001');
    const d = syntaxErrors(r.diagnostics)[0];
    expect(d.span.start).toBe('fn f() {}\n'.length);
  });
});

// ---------------------------------------------------------------- 2. statements

describe('statement forms (spec §3)', () => {
  it('let with and without a type', () => {
    const [a, b] = stmtsOf('let x: u32 = 1;\nlet y = x + 2;');
    expect(a.kind).toBe('let');
    expect((a as A.LetStmt).name.name).toBe('x');
    expect((a as A.LetStmt).declared?.name).toBe('u32');
    expect(pp((a as A.LetStmt).init)).toBe('1');
    expect(b.kind).toBe('let');
    expect((b as A.LetStmt).declared).toBeUndefined();
    expect(pp((b as A.LetStmt).init)).toBe('(x + 2)');
    const [c, d] = stmtsOf('let s: i32 = 0;\nlet t: bool = true;');
    expect((c as A.LetStmt).declared?.name).toBe('i32');
    expect((d as A.LetStmt).declared?.name).toBe('bool');
  });

  const ASSIGN_OPS = ['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='] as const;

  it('all 11 assignment operators on a name', () => {
    const stmts = stmtsOf(ASSIGN_OPS.map((op) => `x ${op} 3;`).join('\n'));
    expect(stmts).toHaveLength(11);
    stmts.forEach((s, i) => {
      expect(s.kind).toBe('assign');
      const a = s as A.AssignStmt;
      expect(a.op).toBe(ASSIGN_OPS[i]);
      expect(a.target.kind).toBe('name');
      expect((a.target as A.NameExpr).name).toBe('x');
      expect(pp(a.value)).toBe('3');
    });
  });

  it.each([8, 16, 32] as const)('all 11 assignment operators on mem%d targets', (w) => {
    const stmts = stmtsOf(ASSIGN_OPS.map((op) => `mem${w}[a + 4] ${op} v;`).join('\n'));
    expect(stmts).toHaveLength(11);
    stmts.forEach((s, i) => {
      expect(s.kind).toBe('assign');
      const a = s as A.AssignStmt;
      expect(a.op).toBe(ASSIGN_OPS[i]);
      expect(a.target.kind).toBe('mem');
      expect((a.target as A.MemExpr).width).toBe(w);
      expect(pp((a.target as A.MemExpr).address)).toBe('(a + 4)');
      expect(pp(a.value)).toBe('v');
    });
  });

  it('assignments type-check on names and memory', () => {
    const body = ASSIGN_OPS.map((op) => `x ${op} 3; mem8[a] ${op} 1; mem16[a] ${op} 1; mem32[a] ${op} 1;`).join('\n');
    expect(errors(check(`fn main() -> u32 { let a: u32 = 64; let x: u32 = 1;\n${body}\nreturn x; }`))).toEqual([]);
  });

  it('if / else if / else', () => {
    const [s] = stmtsOf('if (c) { a(); } else if (d) { b(); } else { e(); }');
    expect(s.kind).toBe('if');
    const i = s as A.IfStmt;
    expect(pp(i.cond)).toBe('c');
    expect(i.then.kind).toBe('block');
    expect(i.then.stmts).toHaveLength(1);
    expect(i.else?.kind).toBe('if');
    const elif = i.else as A.IfStmt;
    expect(pp(elif.cond)).toBe('d');
    expect(elif.else?.kind).toBe('block');
    expect((elif.else as A.Block).stmts).toHaveLength(1);
    const [plain] = stmtsOf('if (c) { }');
    expect((plain as A.IfStmt).else).toBeUndefined();
    const [ifElse] = stmtsOf('if (a && b) { } else { x = 1; }');
    expect(pp((ifElse as A.IfStmt).cond)).toBe('(a && b)');
    expect((ifElse as A.IfStmt).else?.kind).toBe('block');
  });

  it('while', () => {
    const [s] = stmtsOf('while (i < 10) { i += 1; }');
    expect(s.kind).toBe('while');
    expect(pp((s as A.WhileStmt).cond)).toBe('(i < 10)');
    expect((s as A.WhileStmt).body.stmts.map((x) => x.kind)).toEqual(['assign']);
  });

  it('for i in lo..hi', () => {
    const [s] = stmtsOf('for i in 0..10 { print(i); }');
    expect(s.kind).toBe('for');
    const f = s as A.ForStmt;
    expect(f.name.name).toBe('i');
    expect(pp(f.lo)).toBe('0');
    expect(pp(f.hi)).toBe('10');
    expect(f.body.stmts).toHaveLength(1);
    const [g] = stmtsOf('for j in a + 1..n * 2 { }');
    expect(pp((g as A.ForStmt).lo)).toBe('(a + 1)');
    expect(pp((g as A.ForStmt).hi)).toBe('(n * 2)');
  });

  it('return with and without a value, break, continue', () => {
    const stmts = stmtsOf('while (true) { break; continue; }\nreturn 1 + 2;\nreturn;');
    expect(stmts.map((s) => s.kind)).toEqual(['while', 'return', 'return']);
    expect(((stmts[0] as A.WhileStmt).body.stmts).map((s) => s.kind)).toEqual(['break', 'continue']);
    expect(pp((stmts[1] as A.ReturnStmt).value as A.Expr)).toBe('(1 + 2)');
    expect((stmts[2] as A.ReturnStmt).value).toBeUndefined();
  });

  it('expression statements: calls, pvop calls, hypercalls, print', () => {
    const stmts = stmtsOf('f(a, b);\nG.op(a);\nhypercall name(a, b);\nprint(e, "text", x + 1);\ng();');
    expect(stmts.map((s) => s.kind)).toEqual(['expr', 'expr', 'expr', 'expr', 'expr']);
    const [call, pvop, hc, pr, g] = stmts.map((s) => (s as A.ExprStmt).expr);
    expect(call.kind).toBe('call');
    expect((call as A.CallExpr).callee.name).toBe('f');
    expect((call as A.CallExpr).args.map(pp)).toEqual(['a', 'b']);
    expect(pvop.kind).toBe('pvop');
    expect((pvop as A.PvopCallExpr).group.name).toBe('G');
    expect((pvop as A.PvopCallExpr).op.name).toBe('op');
    expect((pvop as A.PvopCallExpr).args.map(pp)).toEqual(['a']);
    expect(hc.kind).toBe('hypercall');
    expect((hc as A.HypercallExpr).name.name).toBe('name');
    expect((hc as A.HypercallExpr).args.map(pp)).toEqual(['a', 'b']);
    expect(pr.kind).toBe('call');
    expect((pr as A.CallExpr).callee.name).toBe('print');
    expect((pr as A.CallExpr).args.map((x) => x.kind)).toEqual(['name', 'string', 'binary']);
    expect(((pr as A.CallExpr).args[1] as A.StringLit).value).toBe('text');
    expect((g as A.CallExpr).args).toEqual([]);
  });

  it('a valid program using every statement form checks without errors', () => {
    const text = `
pvops G { fn op(v: u32); }
impl G for native { fn op(v: u32) { } }
impl G for xen { fn op(v: u32) { } }
fn f(a: u32, b: u32) { }
fn main() -> u32 {
    let x: u32 = 1;
    let y = x + 2;
    let c = y > 2;
    if (c) { x = 2; } else if (y == 3) { x = 3; } else { x = 4; }
    while (x < 10) { x += 1; if (x == 5) { continue; } if (x == 8) { break; } }
    for i in 0..y { x += i; }
    f(x, y);
    G.op(x);
    hypercall sched_op(0, 0);
    let r = hypercall xen_version(0);
    print(x, "text", r, c);
    return x;
}`;
    expect(describeDiags(errors(check(text)))).toBe('');
  });
});

// ---------------------------------------------------------------- 3. items

describe('item forms (spec §1, §2, §5, §6)', () => {
  it('import, const, var, fn with and without return type', () => {
    const ast = parseOk(`
import "lib/other.pvk";
const PAGE_SIZE = 4096;
var ticks: u32 = 0;
fn add(a: u32, b: i32) -> u32 { return a; }
fn noret() { }
`);
    expect(ast.items.map((i) => i.kind)).toEqual(['import', 'const', 'var', 'fn', 'fn']);
    const [imp, cst, vr, add, noret] = ast.items as [A.ImportItem, A.ConstItem, A.VarItem, A.FnItem, A.FnItem];
    expect(imp.path).toBe('lib/other.pvk');
    expect(cst.name.name).toBe('PAGE_SIZE');
    expect(pp(cst.init)).toBe('4096');
    expect(vr.name.name).toBe('ticks');
    expect(vr.declared?.name).toBe('u32');
    expect(pp(vr.init)).toBe('0');
    expect(add.name.name).toBe('add');
    expect(add.params.map((p) => `${p.name.name}:${p.type.name}`)).toEqual(['a:u32', 'b:i32']);
    expect(add.ret?.name).toBe('u32');
    expect(add.body.stmts.map((s) => s.kind)).toEqual(['return']);
    expect(noret.ret).toBeUndefined();
    expect(noret.params).toEqual([]);
  });

  it('pvops and impl for native / xen', () => {
    const ast = parseOk(`
pvops cpu {
    fn irq_disable();
    fn irq_enable();
    fn load_cr3(v: u32);
    fn flags() -> u32;
}
impl cpu for native { fn irq_disable() { cli(); } fn irq_enable() { sti(); } fn load_cr3(v: u32) { write_cr3(v); } fn flags() -> u32 { return 0; } }
impl cpu for xen { fn irq_disable() { mem8[vcpu_info()] = 1; } fn irq_enable() { mem8[vcpu_info()] = 0; } fn load_cr3(v: u32) { } fn flags() -> u32 { return 1; } }
`);
    expect(ast.items.map((i) => i.kind)).toEqual(['pvops', 'impl', 'impl']);
    const [pv, nat, xen] = ast.items as [A.PvopsItem, A.ImplItem, A.ImplItem];
    expect(pv.name.name).toBe('cpu');
    expect(pv.ops.map((o) => o.name.name)).toEqual(['irq_disable', 'irq_enable', 'load_cr3', 'flags']);
    expect(pv.ops[2].params.map((p) => p.type.name)).toEqual(['u32']);
    expect(pv.ops[3].ret?.name).toBe('u32');
    expect(nat.group.name).toBe('cpu');
    expect(nat.platform.name).toBe('native');
    expect(nat.fns.map((f) => f.name.name)).toEqual(['irq_disable', 'irq_enable', 'load_cr3', 'flags']);
    expect(xen.platform.name).toBe('xen');
    expect(xen.fns).toHaveLength(4);
  });

  it('system with properties and domain blocks, hypervisor 4.2 and hypervisor none', () => {
    const ast = parseOk(`
system demo {
    hypervisor 4.2;
    pcpus 1;
    timeslice 10000;
    patch_pvops;
    domain dom0 { kernel "dom0.pvk"; memory 64; vcpus 1; privileged; }
    domain web  { kernel "guest.pvk"; memory 16; vcpus 2; mode pv; weight 512; paused; }
}
system bare { hypervisor none; domain solo { kernel "k.pvk"; privileged; mode native; cap 50; } }
`);
    expect(ast.items.map((i) => i.kind)).toEqual(['system', 'system']);
    const [demo, bare] = ast.items as [A.SystemItem, A.SystemItem];
    expect(demo.name.name).toBe('demo');
    const props = (ps: A.Property[]) => ps.map((p) => [p.name.name, ...p.values.map((v) => `${v.kind}:${v.text}`)]);
    expect(props(demo.props)).toEqual([['hypervisor', 'version:4.2'], ['pcpus', 'int:1'], ['timeslice', 'int:10000'], ['patch_pvops']]);
    expect(demo.domains.map((d) => d.name.name)).toEqual(['dom0', 'web']);
    expect(props(demo.domains[0].props)).toEqual([['kernel', 'string:dom0.pvk'], ['memory', 'int:64'], ['vcpus', 'int:1'], ['privileged']]);
    expect(props(demo.domains[1].props)).toEqual([
      ['kernel', 'string:guest.pvk'], ['memory', 'int:16'], ['vcpus', 'int:2'], ['mode', 'ident:pv'], ['weight', 'int:512'], ['paused'],
    ]);
    expect(props(bare.props)).toEqual([['hypervisor', 'ident:none']]);
    expect(props(bare.domains[0].props)).toEqual([['kernel', 'string:k.pvk'], ['privileged'], ['mode', 'ident:native'], ['cap', 'int:50']]);
  });

  it('a system and its kernels check without errors', () => {
    const res = analyzeFiles({
      '/mem/sys.pvk': `system demo {
    hypervisor 4.2;
    pcpus 2;
    timeslice 10000;
    patch_pvops;
    domain dom0 { kernel "k.pvk"; memory 64; vcpus 1; privileged; }
    domain web  { kernel "k.pvk"; memory 16; vcpus 2; mode pv; weight 512; paused; }
    domain box  { kernel "k.pvk"; memory 16; mode hvm; cap 50; }
}
system bare { hypervisor none; domain solo { kernel "k.pvk"; memory 4; privileged; mode native; } }`,
      '/mem/k.pvk': 'fn main() -> u32 { return 0; }',
    });
    for (const [file, ds] of res.diagnostics) expect(describeDiags(errors(ds)), file).toBe('');
    expect(res.systems.map((s) => s.config.hypervisor)).toEqual(['4.2', null]);
  });

  it('abi block with hypercall declarations', () => {
    const ast = parseOk(`abi xen {
    // Console output.
    hypercall console_io(cmd: u32, count: u32, buf: u32) -> i32 = 18 stable since 3.0 cost 100;
    hypercall domctl(cmd: u32, domid: u32, arg: u32) -> i32 = 36 dom0 since 3.10 cost 400;
}`);
    expect(ast.items.map((i) => i.kind)).toEqual(['abi']);
    const abi = ast.items[0] as A.AbiItem;
    expect(abi.name.name).toBe('xen');
    const [c, d] = abi.hypercalls;
    expect(c.name.name).toBe('console_io');
    expect(c.params.map((p) => p.name.name)).toEqual(['cmd', 'count', 'buf']);
    expect(c.ret?.name).toBe('i32');
    expect([c.number, c.cls, c.since, c.cost]).toEqual([18, 'stable', '3.0', 100]);
    expect([d.number, d.cls, d.since, d.cost]).toEqual([36, 'dom0', '3.10', 400]);
  });
});

// ---------------------------------------------------------------- 4. precedence

describe('operator precedence and associativity (spec §3)', () => {
  it.each([
    ['a || b && c', '(a || (b && c))'],
    ['a && b || c', '((a && b) || c)'],
    ['a && b | c', '(a && (b | c))'],
    ['a | b ^ c & d', '(a | (b ^ (c & d)))'],
    ['a & b ^ c | d', '(((a & b) ^ c) | d)'],
    ['a & b == c', '(a & (b == c))'],
    ['a == b < c', '(a == (b < c))'],
    ['a != b >= c', '(a != (b >= c))'],
    ['a < b << c', '(a < (b << c))'],
    ['a <= b >> c', '(a <= (b >> c))'],
    ['a << b + c', '(a << (b + c))'],
    ['a >> b - c', '(a >> (b - c))'],
    ['a + b * c', '(a + (b * c))'],
    ['a * b + c', '((a * b) + c)'],
    ['a - b / c % d', '(a - ((b / c) % d))'],
    ['-a * b', '(-a * b)'],
    ['~a & b', '(~a & b)'],
    ['!a && b', '(!a && b)'],
    ['!a == b', '(!a == b)'],
    ['-x as i32', '-(x as i32)'],
    ['a + b as u32', '(a + (b as u32))'],
    ['a * b as i32', '(a * (b as i32))'],
    ['x as u32 as i32', '((x as u32) as i32)'],
    ['(a + b) * c', '((a + b) * c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b / c', '((a / b) / c)'],
    ['a << b >> c', '((a << b) >> c)'],
    ['a || b || c', '((a || b) || c)'],
    ['a && b && c', '((a && b) && c)'],
    ['a == b != c', '((a == b) != c)'],
    ['a - b + c', '((a - b) + c)'],
    ['mem32[a + 4]', 'mem32[(a + 4)]'],
    ['mem8[mem16[p]] + 1', '(mem8[mem16[p]] + 1)'],
    ['mem32[a] as i32', '(mem32[a] as i32)'],
    ['f(g(x, 1), h())', 'f(g(x, 1), h())'],
    ['f(a + b, G.op(c) * 2)', 'f((a + b), (G.op(c) * 2))'],
    ['f(x) as i32 + 1', '((f(x) as i32) + 1)'],
    ['hypercall f(x) + 1', '(hypercall f(x) + 1)'],
    ['1 + hypercall f(x, y * 2)', '(1 + hypercall f(x, (y * 2)))'],
    ['hypercall f(x) as u32', '(hypercall f(x) as u32)'],
    ['hypercall f(x) == -38', '(hypercall f(x) == -38)'],
    ['-mem32[a]', '-mem32[a]'],
  ])('%s  →  %s', (src, expected) => {
    expect(ppOf(src)).toBe(expected);
  });
});

// ---------------------------------------------------------------- 5. recovery

describe('error recovery (spec §8: the parser reports every error it finds)', () => {
  const text = `fn one() -> u32 {
    let x: u32 = ;
    return 1;
}
fn two() {
    let y = (1 + 2;
}
fn three() {
    if (true) { let = 3; }
}
fn four() -> u32 {
    let b: bool = 5;
    return 0;
}
`;
  it('three syntax errors in three functions, and the type error in a fourth is still reported', () => {
    const res = analyzeFiles({ [FILE]: text });
    const ds = res.diagnostics.get(FILE) ?? [];
    const syn = syntaxErrors(ds);
    expect(syn.length).toBeGreaterThanOrEqual(3);
    const fnAt = (name: string) => text.indexOf(`fn ${name}`);
    for (const [name, next] of [['one', 'two'], ['two', 'three'], ['three', 'four']] as const) {
      expect(syn.some((d) => d.span.start >= fnAt(name) && d.span.start < fnAt(next)), `a PVK001 inside fn ${name}`).toBe(true);
    }
    const typeErr = ds.filter((d) => d.code === 'PVK003');
    expect(typeErr).toHaveLength(1);
    const five = text.indexOf('= 5;') + 2;
    expect(typeErr[0].span).toEqual({ start: five, end: five + 1 });
  });

  it('all four functions survive in the AST', () => {
    const r = parse(FILE, text);
    expect(r.ast.items.filter((i) => i.kind === 'fn').map((i) => (i as A.FnItem).name.name)).toEqual(['one', 'two', 'three', 'four']);
  });
});

describe('error recovery across items', () => {
  const tail = '\nfn last() -> u32 { let b: bool = 1; return 0; }\n';
  it.each([
    'fn (a: u32) { }',
    'pvops { fn a(); }',
    'const = 3;',
    'var x: u32;',
    'fn f() { let x = 1 }',
    'fn f() { x = = 2; }',
    'fn f() {',
    'fn f() { if (true) { }',
    'fn f() { let x = 1; } }',
    'impl G for { fn a() {} }',
    'fn f(a: u32 b: u32) { }',
    'fn f() -> { }',
    'fn f() { for i in 0.10 { } }',
    'fn f() { G.op; }',
    'fn f() { let y = 3 +; }',
    'fn f() { let x = "abc; }',
    'system s { domain d { kernel "k.pvk" } }',
    'abi xen { hypercall a() -> i32 = ; }',
    '@@@',
  ])('after `%s` the next function is still checked', (head) => {
    const text = head + tail;
    const ds = check(text);
    expect(syntaxErrors(ds).length).toBeGreaterThanOrEqual(1);
    const at = text.indexOf('= 1; return 0;') + 2;
    expect(ds.filter((d) => d.code === 'PVK003' && d.span.start === at)).toHaveLength(1);
  });

  it('a backslash at the end of a line does not swallow the following lines', () => {
    // `\` + newline is not an escape (spec §1), and a string does not continue onto the next line.
    const text = 'fn f() { print("a\\\nfn g() { let = 1; }\n';
    const ds = syntaxErrors(parse(FILE, text).diagnostics);
    const g = text.indexOf('fn g');
    expect(ds.some((d) => d.span.start === text.indexOf('= 1', g)), `the error in fn g is reported:\n${describeDiags(ds)}`).toBe(true);
    expect(ds.every((d) => d.span.end <= g || d.span.start >= g), 'no diagnostic spans both lines').toBe(true);
  });
});

// ---------------------------------------------------------------- 6. keywords

describe('keywords and contextual words (spec §1)', () => {
  const KEYWORDS = [
    'import', 'const', 'var', 'fn', 'let', 'if', 'else', 'while', 'for', 'in', 'return', 'break', 'continue', 'as',
    'true', 'false', 'pvops', 'impl', 'system', 'domain', 'abi', 'hypercall', 'u32', 'i32', 'bool',
  ];

  it.each(KEYWORDS)('`let %s = 1;` is a PVK001 that names the keyword', (kw) => {
    const text = `fn f() {\n    let ${kw} = 1;\n}\n`;
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn.length).toBeGreaterThanOrEqual(1);
    expect(syn[0].message).toMatch(new RegExp(`\\b${kw}\\b`));
    expect(syn[0].span.start).toBe(text.indexOf('let') + 4);
  });

  it.each([
    ['fn fn() { }', 'fn'],
    ['fn f(while: u32) { }', 'while'],
    ['const return = 1;', 'return'],
    ['var in: u32 = 1;', 'in'],
    ['pvops impl { fn a(); }', 'impl'],
    ['fn f() { for as in 0..3 { } }', 'as'],
  ])('keyword as a name in `%s` is a PVK001 naming it', (text, kw) => {
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn.length).toBeGreaterThanOrEqual(1);
    expect(syn[0].message).toMatch(new RegExp(`\\b${kw}\\b`));
  });

  it('the statement after `let fn = 1;` is still checked', () => {
    const ds = check('fn main() -> u32 {\n    let fn = 1;\n    let b: bool = 7;\n    return 0;\n}');
    expect(codes(ds)).toContain('PVK001');
    expect(codes(ds)).toContain('PVK003');
  });

  it('contextual words are ordinary identifiers outside their grammar positions', () => {
    const text = `
var native: u32 = 1;
const xen = 2;
fn stable(dom0: u32, since: u32) -> u32 { return dom0 + since; }
fn cost() -> u32 {
    let kernel = 3;
    let memory: u32 = 4;
    let mode = kernel * memory;
    mode += 1;
    return mode;
}
fn main() -> u32 {
    native = native + xen;
    for since in 0..xen { native += since; }
    let dom0: u32 = stable(native, cost());
    let stable = dom0;
    return stable;
}`;
    expect(describeDiags(check(text))).toBe('');
  });

  it('contextual words still work in their positions in the same workspace', () => {
    const res = analyzeFiles({
      '/mem/k.pvk': `
pvops p { fn op(native: u32) -> u32; }
impl p for native { fn op(xen: u32) -> u32 { let mode = xen; return mode; } }
impl p for xen { fn op(native: u32) -> u32 { let kernel = native; return kernel; } }
fn main() -> u32 { let memory = p.op(1); return memory; }
system s { hypervisor 4.2; domain d { kernel "k.pvk"; memory 16; mode pv; privileged; } }
`,
    });
    expect(describeDiags(errors(res.diagnostics.get('/mem/k.pvk') ?? []))).toBe('');
    expect(res.systems[0].config.domains[0].mode).toBe('pv');
  });
});

// ---------------------------------------------------------------- names and scopes

describe('names and scopes (spec §2, §3)', () => {
  it("a let's initializer does not see the name it declares", () => {
    const ds = check('fn main() -> u32 { let x = x + 1; return 0; }');
    expect(codes(ds)).toEqual(['PVK002']);
    expect(check('fn f(x: u32) -> u32 { let x = x + 1; return x; } fn main() -> u32 { return f(1); }')).toEqual([]);
  });

  it('the body may shadow parameters; inner blocks may shadow; redeclaring in one block is an error', () => {
    expect(check('fn f(a: u32) -> u32 { let a: bool = true; { let a = 3; } while (a) { let a = 2; break; } return 0; }')).toEqual([]);
    expect(codes(check('fn f() { let a = 1; let a = 2; }'))).toEqual(['PVK007']);
  });

  it('items are visible in any order and through transitive, cyclic imports', () => {
    expect(check('fn f() -> u32 { return g(); } fn g() -> u32 { return K; } const K = J * 2; const J = 3;')).toEqual([]);
    const res = analyzeFiles({
      '/mem/a.pvk': 'import "b.pvk";\nfn main() -> u32 { return fc() + fb(); }',
      '/mem/b.pvk': 'import "sub/c.pvk";\nfn fb() -> u32 { return 1; }',
      '/mem/sub/c.pvk': 'import "../a.pvk";\nfn fc() -> u32 { return main(); }',
    });
    expect(res.files).toHaveLength(3);
    for (const [file, ds] of res.diagnostics) expect(describeDiags(ds), file).toBe('');
  });

  it('a for variable and a const cannot be assigned (PVK006)', () => {
    expect(codes(check('const C = 1; fn f() { C = 2; for i in 0..3 { i = 1; i += 1; } }'))).toEqual(['PVK006', 'PVK006', 'PVK006']);
  });
});

// ---------------------------------------------------------------- 7. positions

describe('positions (spec §1: 1-based lines, UTF-16 columns)', () => {
  it('a diagnostic after an emoji on the same line has the UTF-16 column', () => {
    const text = 'fn main() { /* 😀 */ let = 1; }';
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn).toHaveLength(1);
    const src = new SourceFile(FILE, text);
    // "fn main() { /* " is 15 units, 😀 is 2 UTF-16 units, " */ let " is 8: '=' is at offset 25
    expect(syn[0].span.start).toBe(25);
    expect(src.position(syn[0].span.start)).toEqual({ line: 1, column: 26 });
  });

  it('a diagnostic on the line after an emoji comment', () => {
    const text = 'fn main() {\n    // 😀😀 emoji\n    let x = 0b2; /* 🎉 */ let = 1;\n}';
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn).toHaveLength(2);
    const src = new SourceFile(FILE, text);
    expect(src.position(syn[0].span.start)).toEqual({ line: 3, column: 13 });
    const eqCol = '    let x = 0b2; /* 🎉 */ let '.length + 1; // 🎉 counts as 2
    expect(eqCol).toBe(31);
    expect(src.position(syn[1].span.start)).toEqual({ line: 3, column: eqCol });
  });

  it('a non-BMP character in a string counts two UTF-16 units', () => {
    const text = 'fn f() { print("😀"); let = 1; }';
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn).toHaveLength(1);
    expect(new SourceFile(FILE, text).position(syn[0].span.start)).toEqual({ line: 1, column: 27 }); // 16 units + 2 for 😀 + 8
  });

  it('a non-BMP character outside comments and strings is one PVK001 covering both surrogates', () => {
    const text = 'fn f() { 😀 }';
    const syn = syntaxErrors(parse(FILE, text).diagnostics);
    expect(syn).toHaveLength(1);
    expect(syn[0].span).toEqual({ start: 9, end: 11 });
  });

  it('CRLF line endings give the same lines and columns as LF', () => {
    const lf = 'fn one() {\n    let x = ;\n}\n\n// comment\nfn two() {\n    let y: u32 = 0b12;\n    /* multi\n       line */ let = 2;\n}\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const pos = (text: string) => {
      const src = new SourceFile(FILE, text);
      return [...parse(FILE, text).diagnostics].sort((x, y) => x.span.start - y.span.start).map((d) => ({ code: d.code, start: src.position(d.span.start), end: src.position(d.span.end) }));
    };
    const a = pos(lf);
    const b = pos(crlf);
    expect(a).toHaveLength(3);
    expect(b).toEqual(a);
    expect(a.map((d) => d.start.line)).toEqual([2, 7, 9]);
    // and through analyze
    const lines = (text: string) => {
      const src = new SourceFile(FILE, text);
      return check(text).map((d) => [d.code, src.position(d.span.start)]);
    };
    expect(lines(crlf)).toEqual(lines(lf));
  });

  it('SourceFile.offset inverts position on CRLF text', () => {
    const text = 'a\r\nbc\r\n\r\nd';
    const src = new SourceFile(FILE, text);
    for (let o = 0; o <= text.length; o++) {
      if (text[o - 1] === '\r' && text[o] === '\n') continue; // between CR and LF is not a position
      const p = src.position(o);
      expect(src.offset(p.line, p.column)).toBe(o);
    }
    expect(src.position(text.indexOf('d'))).toEqual({ line: 4, column: 1 });
  });
});
