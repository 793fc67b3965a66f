// Diagnostics of the pvk front-end, checked against the language contract
// (/work/shared/spec/LANGUAGE.md, sections 2, 3, 5, 6, 7 and 8).
//
// Every code of DIAGNOSTIC_CODES has at least one positive case (the code
// appears where it should, with the right severity and a message naming the
// relevant thing) and at least one near-miss that must not produce it.

import { describe, expect, it } from 'vitest';
import { lockOf, serializeLock } from '../../sandbox/lang/abiLock.js';
import { declaredTables } from '../../sandbox/lang/abiTables.js';
import { analyze, type AnalyzeOptions } from '../../sandbox/lang/analysis.js';
import { DIAGNOSTIC_CODES } from '../../sandbox/lang/diagnostics.js';
import { Workspace, type FileHost } from '../../sandbox/lang/program.js';

// ---------------------------------------------------------------- helpers

type Files = Record<string, string>;

interface D {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  code: string;
  severity: string;
  message: string;
}

/** Analyzes an in-memory workspace; `roots` defaults to every file given (like `pvlab check DIR`). */
function analyzeFiles(files: Files, roots?: string[], options?: AnalyzeOptions) {
  const map = new Map(Object.entries(files));
  const reads = new Map<string, number>();
  const host: FileHost = {
    readFile(p: string) {
      reads.set(p, (reads.get(p) ?? 0) + 1);
      return map.get(p);
    },
  };
  const ws = new Workspace(host);
  const analysis = analyze(ws, roots ?? Object.keys(files), options);
  return { ws, analysis, reads };
}

function diags(files: Files, roots?: string[], options?: AnalyzeOptions): D[] {
  const { ws, analysis } = analyzeFiles(files, roots, options);
  const out: D[] = [];
  for (const file of analysis.files) {
    for (const d of analysis.diagnostics.get(file) ?? []) {
      const source = ws.file(d.file)?.source;
      if (!source) throw new Error(`diagnostic in unreadable file ${d.file}`);
      const start = source.position(d.span.start);
      const end = source.position(d.span.end);
      out.push({
        file: d.file,
        line: start.line,
        col: start.column,
        endLine: end.line,
        endCol: end.column,
        code: d.code,
        severity: d.severity,
        message: d.message,
      });
    }
  }
  return out;
}

/** One file at /ws/a.pvk. */
const A = '/ws/a.pvk';
function check(text: string): D[] {
  return diags({ [A]: text });
}

/** A kernel whose main runs `body`. `items` go before main. */
function prog(body: string, items = ''): string {
  return `${items}\nfn main() -> u32 {\n${body}\n    return 0;\n}\n`;
}

/** 1-based line/column of the `nth` occurrence of `needle` in `text`, computed independently of the implementation. */
function loc(text: string, needle: string, nth = 0): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`test bug: occurrence ${nth} of ${JSON.stringify(needle)} not in text`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - (before.lastIndexOf('\n') + 1) + 1;
  return { line, col };
}

/** The severities of the spec's table (section 8), and for pvlab's own codes, the table in diagnostics.ts. */
const SPEC_SEVERITY: Record<string, string> = {
  PVK001: 'error',
  PVK002: 'error',
  PVK003: 'error',
  PVK004: 'error',
  PVK005: 'error',
  PVK006: 'error',
  PVK010: 'error',
  PVK011: 'warning',
  PVK012: 'warning',
  PVK020: 'warning',
  PVK021: 'warning',
  PVK022: 'error',
  PVK030: 'error',
  PVK040: 'warning',
  PVK041: 'error',
  PVK042: 'error',
  PVK043: 'info',
  PVK044: 'error',
  PVK045: 'error',
};
const severityOf = (code: string): string =>
  SPEC_SEVERITY[code] ?? (DIAGNOSTIC_CODES as Record<string, { severity: string }>)[code].severity;

const positiveSeen = new Set<string>();
const negativeSeen = new Set<string>();

/**
 * Asserts exactly `count` (default 1) diagnostics of `code` in `file`, the
 * first at the `nth` occurrence of `needle` in `text`, with the code's
 * severity; returns them.
 */
function expectAt(ds: D[], code: string, file: string, text: string, needle: string, nth = 0, count = 1): D {
  positiveSeen.add(code);
  const hits = ds.filter((d) => d.code === code && d.file === file);
  expect(hits, `${code} in ${file}; all: ${JSON.stringify(ds, null, 1)}`).toHaveLength(count);
  const want = loc(text, needle, nth);
  const hit = hits.find((d) => d.line === want.line && d.col === want.col);
  expect(hit, `${code} at ${want.line}:${want.col} (${needle}); got ${JSON.stringify(hits)}`).toBeDefined();
  expect(hit!.severity).toBe(severityOf(code));
  return hit!;
}

/** Asserts at least one diagnostic of `code` at the `nth` occurrence of `needle` (other diagnostics of that code are not looked at). */
function expectSomeAt(ds: D[], code: string, file: string, text: string, needle: string, nth = 0): D {
  positiveSeen.add(code);
  const want = loc(text, needle, nth);
  const hit = ds.find((d) => d.code === code && d.file === file && d.line === want.line && d.col === want.col);
  expect(hit, `${code} at ${want.line}:${want.col} (${needle}); all: ${JSON.stringify(ds, null, 1)}`).toBeDefined();
  expect(hit!.severity).toBe(severityOf(code));
  return hit!;
}

/** Asserts that no diagnostic of `code` appears (anywhere, or in `file`). */
function expectNone(ds: D[], code: string, file?: string): void {
  negativeSeen.add(code);
  const hits = ds.filter((d) => d.code === code && (file === undefined || d.file === file));
  expect(hits, `unexpected ${code}: ${JSON.stringify(hits, null, 1)}`).toEqual([]);
}

/** Asserts that there are no diagnostics at all. */
function expectClean(ds: D[]): void {
  expect(ds, JSON.stringify(ds, null, 1)).toEqual([]);
}

const codes = (ds: D[]): string[] => ds.map((d) => d.code);

const DOM0 = 'fn main() -> u32 { return 0; }\n';

// ---------------------------------------------------------------- PVK001

describe('PVK001 syntax error', () => {
  it('reports a missing expression at the offending token', () => {
    const text = prog('    let x = ;');
    const ds = check(text);
    const d = expectAt(ds, 'PVK001', A, text, ';', 0);
    expect(d.message).toContain("';'");
  });

  it('points at the token that breaks the grammar', () => {
    const text = prog('    let x: u32 = 1 +;');
    const ds = check(text);
    const want = loc(text, ';', 0);
    const hits = ds.filter((d) => d.code === 'PVK001');
    positiveSeen.add('PVK001');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ line: want.line, col: want.col, severity: 'error' });
    expect(hits[0].message).toContain("';'");
  });

  it('recovers and reports every syntax error it finds', () => {
    const text = 'fn a() { let x = ; }\nfn b() { let y = 1 +; }\nfn c() { @ }\nfn main() -> u32 { return 0; }\n';
    const ds = check(text).filter((d) => d.code === 'PVK001');
    expect(ds.map((d) => d.line)).toEqual([1, 2, 3]);
    expect(ds[2].message).toContain('@');
  });

  it('rejects a reserved keyword used as a name', () => {
    const text = prog('    let while = 1;');
    const ds = check(text);
    // The first error is at the keyword and names it (recovery may add more).
    const first = ds.filter((x) => x.code === 'PVK001')[0];
    const d = expectSomeAt(ds, 'PVK001', A, text, 'while');
    expect(first).toEqual(d);
    expect(d.message).toContain('while');
  });

  it('accepts contextual words as ordinary identifiers (negative)', () => {
    const text = prog(
      '    let native: u32 = 1;\n    let xen: u32 = 2;\n    let kernel: u32 = native + xen;\n    let stable = kernel;\n    let dom0 = stable;\n    let since = dom0;\n    let cost = since;\n    let memory = cost;\n    let mode = memory;\n    print(mode);',
    );
    const ds = check(text);
    expectNone(ds, 'PVK001');
    expectClean(ds);
  });

  it('accepts every literal form of section 1 (negative)', () => {
    const text = prog('    let a: u32 = 42 + 0x2a + 0b101010 + 1_000_000 + 0xFFFF_FFFF;\n    // comment\n    /* block\n comment */\n    print(a, "t\\n\\t\\\\\\"\\x41");');
    expectClean(check(text));
  });
});

// ---------------------------------------------------------------- PVK002

describe('PVK002 unknown name', () => {
  it('unknown variable', () => {
    const text = prog('    let a: u32 = nosuch + 1;');
    const ds = check(text);
    const d = expectAt(ds, 'PVK002', A, text, 'nosuch');
    expect(d.message).toContain('nosuch');
    expect(d.endCol - d.col).toBe('nosuch'.length);
  });

  it('unknown assignment target', () => {
    const text = prog('    nowhere = 3;');
    const d = expectAt(check(text), 'PVK002', A, text, 'nowhere');
    expect(d.message).toContain('nowhere');
  });

  it('unknown function', () => {
    const text = prog('    frobnicate(1, 2);');
    const d = expectAt(check(text), 'PVK002', A, text, 'frobnicate');
    expect(d.message).toContain('frobnicate');
  });

  it('unknown pvops table', () => {
    const text = prog('    net.send(1);');
    const d = expectAt(check(text), 'PVK002', A, text, 'net');
    expect(d.message).toContain('net');
  });

  it('unknown op of a known pvops table', () => {
    const items = 'pvops cpu { fn irq_disable(); }\nimpl cpu for native { fn irq_disable() { cli(); } }\nimpl cpu for xen { fn irq_disable() { mem8[vcpu_info()] = 1; } }\n';
    const text = prog('    cpu.irq_enable();', items);
    const d = expectAt(check(text), 'PVK002', A, text, 'irq_enable');
    expect(d.message).toContain('irq_enable');
    expect(d.message).toContain('cpu');
  });

  it('unknown constant in a const initializer', () => {
    const text = 'const B = MISSING * 2;\n' + DOM0;
    const d = expectAt(check(text), 'PVK002', A, text, 'MISSING');
    expect(d.message).toContain('MISSING');
  });

  it('unknown constant in a const initializer is reported once, however often the const is used', () => {
    const text = 'const B = MISSING * 2;\n' + prog('    print(B);\n    print(B + 1);');
    expectAt(check(text), 'PVK002', A, text, 'MISSING');
  });

  it('near miss: every name defined (variable, fn, const, global, pvop, intrinsic) gives none', () => {
    const items =
      'const K = 3;\nvar g: u32 = 0;\nfn helper(v: u32) -> u32 { return v + K; }\n' +
      'pvops cpu { fn irq_disable(); }\nimpl cpu for native { fn irq_disable() { cli(); } }\nimpl cpu for xen { fn irq_disable() { mem8[vcpu_info()] = 1; } }\n';
    const text = prog('    let a: u32 = helper(K) + g;\n    g = a;\n    cpu.irq_disable();\n    print(rdtsc());', items);
    const ds = check(text);
    expectNone(ds, 'PVK002');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK003

describe('PVK003 type mismatch (spec section 2 and 3)', () => {
  const hit = (text: string, needle: string, nth = 0): D => expectAt(check(text), 'PVK003', A, text, needle, nth);

  it('mixing u32 and i32 in arithmetic needs `as`', () => {
    const text = prog('    let a: u32 = 1;\n    let b: i32 = 2;\n    let c = a + b;');
    const d = hit(text, '+ b');
    expect(d.message).toMatch(/u32/);
    expect(d.message).toMatch(/i32/);
  });

  it('near miss: an explicit `as` makes the mix fine', () => {
    const text = prog('    let a: u32 = 1;\n    let b: i32 = 2;\n    let c: u32 = a + (b as u32);\n    let d: i32 = (a as i32) + b;\n    print(c, d);');
    const ds = check(text);
    expectNone(ds, 'PVK003');
    expectClean(ds);
  });

  it('no implicit conversion between u32 and i32 on assignment', () => {
    const text = prog('    let a: u32 = 1;\n    let b: i32 = a;');
    const d = hit(text, 'a;', 0);
    expect(d.message).toContain('i32');
    expect(d.message).toContain('u32');
  });

  it('comparison between u32 and i32 is rejected', () => {
    const text = prog('    let a: u32 = 1;\n    let b: i32 = 2;\n    if (a < b) { print(a); }');
    hit(text, '< b');
  });

  it('`if` condition must be bool', () => {
    const text = prog('    let a: u32 = 1;\n    if (a) { print(a); }');
    const d = hit(text, '(a)');
    expect(d.message).toContain('bool');
  });

  it('`while` condition must be bool', () => {
    const text = prog('    while 1 { break; }');
    hit(text, '1 {');
  });

  it('`else if` condition must be bool', () => {
    const text = prog('    let a: u32 = 1;\n    if (a == 0) { print(a); } else if (a) { print(a); }');
    hit(text, '(a) {');
  });

  it('operands of && and || must be bool', () => {
    const text = prog('    let a: u32 = 1;\n    if (a && true) { print(a); }');
    hit(text, 'a &&');
  });

  it('near miss: conditions that are bool comparisons are fine', () => {
    const text = prog('    let a: u32 = 1;\n    if (a != 0) { print(a); } else if (a > 3 && !(a == 7) || false) { print(a); }\n    while (a < 10) { a += 1; }');
    expectClean(check(text));
  });

  it('`&` on bools is rejected', () => {
    const text = prog('    let p = true;\n    let q = p & false;');
    const d = hit(text, 'p &', 0);
    expect(d.message).toContain('&&');
  });

  it('`|` on bools is rejected', () => {
    const text = prog('    let p = true;\n    let q = false | p;');
    const d = hit(text, 'false |');
    expect(d.message).toContain('||');
  });

  it('`^` on bools is rejected', () => {
    const text = prog('    let p = true;\n    let q = p ^ p;');
    hit(text, 'p ^');
  });

  it('near miss: && and || on bools, & | ^ on integers', () => {
    const text = prog('    let p = true;\n    let q = p && false || p;\n    let m: u32 = 6 & 3 | 8 ^ 1;\n    let n: i32 = -6 & 3;\n    print(q, m, n);');
    expectClean(check(text));
  });

  it('`==` between bool and an integer is rejected', () => {
    const text = prog('    let p = true;\n    let q = p == 1;');
    hit(text, '== 1');
  });

  it('`!=` between bool and an integer variable is rejected', () => {
    const text = prog('    let a: u32 = 1;\n    let q = a != true;');
    hit(text, '!= true');
  });

  it('near miss: == on two bools and on two integers of one type', () => {
    const text = prog('    let p = true;\n    let a: i32 = -1;\n    let q = (p == false) != (a == -1);\n    print(q);');
    expectClean(check(text));
  });

  it('a call to a function that returns nothing used as a value', () => {
    const items = 'fn nothing() { print(1); }\n';
    const text = prog('    let a: u32 = nothing();', items);
    const d = hit(text, 'nothing();');
    expect(d.message).toMatch(/nothing|void|no value/);
  });

  it('a void call used as an operand', () => {
    const items = 'fn nothing() { print(1); }\n';
    const text = prog('    let a: u32 = 1 + nothing();', items);
    const ds = check(text);
    positiveSeen.add('PVK003');
    expect(codes(ds)).toContain('PVK003');
    expect(ds.filter((d) => d.code === 'PVK003').every((d) => d.line === loc(text, 'let a').line)).toBe(true);
  });

  it('a void call stored in an inferred let', () => {
    const items = 'fn nothing() { print(1); }\n';
    const text = prog('    let a = nothing();', items);
    hit(text, 'nothing();');
  });

  it('near miss: a void call as a statement is fine', () => {
    const items = 'fn nothing() { print(1); }\n';
    expectClean(check(prog('    nothing();', items)));
  });

  it('return type mismatch: bool returned from a u32 fn', () => {
    const items = 'fn f() -> u32 { return true; }\n';
    const text = prog('    print(f());', items);
    const d = hit(text, 'true');
    expect(d.message).toContain('u32');
  });

  it('return type mismatch: u32 returned from an i32 fn', () => {
    const items = 'fn f(a: u32) -> i32 { return a; }\n';
    const text = prog('    print(f(1));', items);
    hit(text, 'a; }');
  });

  it('return with a value from a fn that returns nothing', () => {
    const items = 'fn f() { return 1; }\n';
    const text = prog('    f();', items);
    hit(text, '1; }');
  });

  it('bare return from a fn with a return type', () => {
    const items = 'fn f() -> u32 { return; }\n';
    const text = prog('    print(f());', items);
    hit(text, 'return; }');
  });

  it('near miss: returns of the declared types', () => {
    const items = 'fn f(a: u32) -> i32 { return a as i32; }\nfn g() -> bool { return 1 < 2; }\nfn h() { return; }\nfn k() -> i32 { return -1; }\n';
    expectClean(check(prog('    print(f(1), g(), k());\n    h();', items)));
  });

  it('literals take the type the context asks for: `let x: i32 = -5;` is fine', () => {
    const ds = check(prog('    let x: i32 = -5;\n    let m: i32 = -2147483648;\n    let n: i32 = 0x7fffffff;\n    let k = x + 1;\n    let j: i32 = 1 + x;\n    print(x, m, n, k, j);'));
    expectClean(ds);
  });

  it('`0x80000000 as i32` is fine (the operand of as is u32)', () => {
    const ds = check(prog('    let y: i32 = 0x80000000 as i32;\n    let z: u32 = -1 as u32;\n    let w: u32 = 4294967295;\n    print(y, z, w);'));
    expectClean(ds);
  });

  it('a bool is not an integer: `let b: bool = 1;`', () => {
    const text = prog('    let b: bool = 1;');
    hit(text, '1;');
  });

  it('a u32 is not a bool: `let a: u32 = true;`', () => {
    const text = prog('    let a: u32 = true;');
    hit(text, 'true;');
  });

  it('hypercalls return i32', () => {
    const text = prog('    let r: u32 = hypercall xen_version(0);');
    hit(text, 'hypercall xen_version');
  });

  it('near miss: a hypercall result stored as i32 and compared with a negative literal', () => {
    expectClean(check(prog('    let r: i32 = hypercall xen_version(0);\n    if (r == -38) { print(r); }\n    if (hypercall xen_version(0) < 0) { print(r); }')));
  });

  it('memory loads are u32', () => {
    const text = prog('    let v: i32 = mem32[0];');
    hit(text, 'mem32');
  });

  it('addresses are u32', () => {
    const text = prog('    let a: i32 = 4;\n    let v = mem32[a];');
    hit(text, 'a];');
  });

  it('a memory store takes u32 or i32, not bool', () => {
    const text = prog('    mem32[0] = true;');
    hit(text, 'true;');
  });

  it('near miss: memory stores of u32, i32 and a negative literal', () => {
    expectClean(check(prog('    let s: i32 = -3;\n    mem32[0] = s;\n    mem8[4] = 255;\n    mem16[8] = -1;\n    mem32[12] += 1;\n    print(mem32[0], mem8[4], mem16[8]);')));
  });

  it('for bounds are u32', () => {
    const text = prog('    let n: i32 = 3;\n    for i in 0..n { print(i); }');
    hit(text, 'n {');
  });

  it('the for variable is u32', () => {
    const text = prog('    for i in 0..3 { let s: i32 = i; }');
    hit(text, 'i; }');
  });

  it('shift takes its type from the left operand, the count may be u32 or i32', () => {
    const ok = prog('    let a: u32 = 1;\n    let b: i32 = 2;\n    let c: u32 = a << b;\n    let d: i32 = b >> a;\n    let e: i32 = 1 << b;\n    print(c, d, e);');
    expectClean(check(ok));
    const text = prog('    let a: u32 = 1;\n    let b: i32 = 2;\n    let c: i32 = a << b;');
    hit(text, 'a << b');
  });

  it('`!` needs bool, `-` and `~` need integers', () => {
    const t1 = prog('    let a: u32 = 1;\n    let b = !a;');
    hit(t1, 'a;');
    const t2 = prog('    let p = true;\n    let q = ~p;');
    const d2 = hit(t2, 'p;');
    expect(d2.message).toContain('!');
    const t3 = prog('    let p = true;\n    let q = -p;');
    hit(t3, 'p;');
  });

  it('a function argument of the wrong type', () => {
    const items = 'fn take(v: i32) { print(v); }\n';
    const text = prog('    let a: u32 = 1;\n    take(a);', items);
    hit(text, 'a);');
  });

  it('print cannot show a call that returns nothing', () => {
    const items = 'fn nothing() { print(1); }\n';
    const text = prog('    print(nothing());', items);
    hit(text, 'nothing());');
  });

  it('a string outside print and import', () => {
    // pvlab also says that a string cannot be stored: both at the string.
    const text = prog('    let s = "hello";');
    const d = expectSomeAt(check(text), 'PVK003', A, text, '"hello"');
    expect(d.message).toContain('print');
  });

  it('compound assignment to a bool is rejected', () => {
    const text = prog('    let p = true;\n    p += 1;');
    const d = expectSomeAt(check(text), 'PVK003', A, text, '+=');
    expect(d.message).toContain('p');
  });

  it('a pvop argument of the wrong type', () => {
    const items = 'pvops cpu { fn load_cr3(v: u32); }\nimpl cpu for native { fn load_cr3(v: u32) { write_cr3(v); } }\nimpl cpu for xen { fn load_cr3(v: u32) { mem32[4] = v; } }\n';
    const text = prog('    cpu.load_cr3(true);', items);
    hit(text, 'true);');
  });

  it('main must be `fn main() -> u32` or `fn main()` (pvlab rule)', () => {
    const text = 'fn main() -> i32 { return 0; }\n';
    const d = hit(text, 'main');
    expect(d.message).toContain('main');
    expectClean(check('fn main() { print(1); }\n'));
  });
});

// ---------------------------------------------------------------- PVK004

describe('PVK003: one error at one place', () => {
  it('a string outside print is reported once, wherever it stands', () => {
    const text = prog(
      ['    let t = "s";', '    let u: u32 = "s";', '    g = "s";', '    f("s");', '    mem32[0] = "s";', '    hypercall xen_version("s");', '    if ("s") { }', '    let w = "a" + 1;'].join('\n'),
      'var g: u32 = 0;\nfn f(a: u32) -> u32 { return a; }',
    );
    const ds = check(text);
    expect(ds.length).toBe(8);
    for (const d of ds) expect([d.code, d.message]).toEqual(['PVK003', 'a string can only be an argument of print(…)']);
    expect(new Set(ds.map((d) => `${d.line}:${d.col}`)).size).toBe(8);
  });

  it('the same place never gets two errors of one code in a file full of type mistakes', () => {
    const text = prog(
      ['    let a = v();', '    let c: bool = 1;', '    g += true;', '    let d = 1 + true;', '    let h = -true;', '    let k = 1 < true;', '    let p: i32 = 1;', '    let q: u32 = p;', '    g = b();'].join('\n'),
      'var g: u32 = 0;\nfn v() { }\nfn b() -> bool { return true; }',
    );
    const ds = check(text);
    expect(ds.length).toBeGreaterThanOrEqual(8);
    const places = ds.map((d) => `${d.line}:${d.col}:${d.code}`);
    expect(new Set(places).size).toBe(places.length);
  });
});

describe('PVK004 wrong number of arguments', () => {
  it('function arity: too few', () => {
    const items = 'fn add(a: u32, b: u32) -> u32 { return a + b; }\n';
    const text = prog('    let s = add(1);', items);
    const d = expectAt(check(text), 'PVK004', A, text, '(1);');
    expect(d.message).toContain('add');
    expect(d.message).toContain('2');
    expect(d.message).toContain('1');
  });

  it('function arity: too many', () => {
    const items = 'fn one(a: u32) -> u32 { return a; }\n';
    const text = prog('    let s = one(1, 2, 3);', items);
    const d = expectAt(check(text), 'PVK004', A, text, '(1, 2, 3)');
    expect(d.message).toContain('one');
  });

  it('pvop arity', () => {
    const items = 'pvops cpu { fn load_cr3(v: u32); }\nimpl cpu for native { fn load_cr3(v: u32) { write_cr3(v); } }\nimpl cpu for xen { fn load_cr3(v: u32) { mem32[4] = v; } }\n';
    const text = prog('    cpu.load_cr3();', items);
    const d = expectAt(check(text), 'PVK004', A, text, '();');
    expect(d.message).toContain('load_cr3');
  });

  it('intrinsic arity', () => {
    const text = prog('    outb(0x3f8);');
    const d = expectAt(check(text), 'PVK004', A, text, '(0x3f8)');
    expect(d.message).toContain('outb');
    const t2 = prog('    let t = rdtsc(1);');
    const d2 = expectAt(check(t2), 'PVK004', A, t2, '(1)');
    expect(d2.message).toContain('rdtsc');
  });

  it('hypercall arity (every hypercall takes exactly its row\'s arguments)', () => {
    const text = prog('    let r = hypercall sched_op(0);');
    const d = expectAt(check(text), 'PVK004', A, text, '(0)');
    expect(d.message).toContain('sched_op');
    const t2 = prog('    let r = hypercall grant_table_op(100, 1, 2, 0);');
    const d2 = expectAt(check(t2), 'PVK004', A, t2, '(100');
    expect(d2.message).toContain('grant_table_op');
  });

  it('near miss: right arities everywhere, print is variadic', () => {
    const items =
      'fn add(a: u32, b: u32) -> u32 { return a + b; }\nfn none() { print(); }\n' +
      'pvops cpu { fn load_cr3(v: u32); }\nimpl cpu for native { fn load_cr3(v: u32) { write_cr3(v); } }\nimpl cpu for xen { fn load_cr3(v: u32) { mem32[4] = v; } }\n';
    const text = prog(
      '    let s = add(1, 2);\n    none();\n    cpu.load_cr3(s);\n    let r = hypercall sched_op(0, 0);\n    let g = hypercall grant_table_op(100, 1, 2, 0, 0);\n    let c = cmpxchg(0, 1, 2);\n    print(s, r, g, c, "x", true, -1 as i32);',
      items,
    );
    const ds = check(text);
    expectNone(ds, 'PVK004');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK005

describe('PVK005 integer literal out of range', () => {
  it('`let y: u32 = -5;` does not fit u32', () => {
    const text = prog('    let y: u32 = -5;');
    const d = expectAt(check(text), 'PVK005', A, text, '-5');
    expect(d.message).toContain('-5');
    expect(d.message).toContain('u32');
    expect(d.endCol - d.col).toBe(2);
  });

  it('`let z: i32 = 0x80000000;` does not fit i32', () => {
    const text = prog('    let z: i32 = 0x80000000;');
    const d = expectAt(check(text), 'PVK005', A, text, '0x80000000');
    expect(d.message).toContain('i32');
    expect(codes(check(text))).not.toContain('PVK003');
  });

  it('`-2147483649` does not fit i32', () => {
    const text = prog('    let z: i32 = -2147483649;');
    expectAt(check(text), 'PVK005', A, text, '-2147483649');
  });

  it('a literal wider than 32 bits', () => {
    const text = prog('    let big = 4294967296;');
    const d = expectAt(check(text), 'PVK005', A, text, '4294967296');
    expect(d.message).toContain('4294967296');
    const t2 = prog('    let big: u32 = 0x1_0000_0000;');
    expectAt(check(t2), 'PVK005', A, t2, '0x1_0000_0000');
  });

  it('a literal compared with an i32 takes i32 and must fit it', () => {
    const text = prog('    let a: i32 = 1;\n    if (a < 0x80000000) { print(a); }');
    expectAt(check(text), 'PVK005', A, text, '0x80000000');
  });

  it('a negative untyped const used where u32 is asked (reported at the use)', () => {
    const text = 'const NEG = -5;\n' + prog('    let y: u32 = NEG;');
    const d = expectSomeAt(check(text), 'PVK005', A, text, 'NEG;');
    expect(d.message).toContain('NEG');
    // The same value computed another way is reported the same way.
    const t2 = 'const NEG = 0 - 5;\n' + prog('    let y: u32 = NEG;');
    expectAt(check(t2), 'PVK005', A, t2, 'NEG;');
  });

  it('`-1` where nothing asks for a type is u32 and does not fit (print(-1))', () => {
    const text = prog('    print(-1);');
    expectAt(check(text), 'PVK005', A, text, '-1');
    expectClean(check(prog('    print(-1 as i32);')));
  });

  it('near miss: an untyped negative const is legal and takes i32 where i32 is asked', () => {
    // Consts take the type the context asks for (spec section 2); pvlab's const
    // evaluator accepts values from -2^31 to 2^32-1 for an untyped const.
    const ds = check('const NEG = -5;\n' + prog('    let d: i32 = NEG;\n    mem32[0] = NEG;\n    print(d);'));
    expectNone(ds, 'PVK005');
    expectClean(ds);
    // The same value written as an expression is accepted today:
    expectClean(check('const NEG = 0 - 5;\n' + prog('    let d: i32 = NEG;\n    print(d);')));
  });

  it('a const too large for its declared type: one diagnostic', () => {
    const text = 'const C: i32 = 0xFFFFFFFF;\n' + DOM0;
    expectAt(check(text), 'PVK005', A, text, '0xFFFFFFFF');
  });

  it('a const too large for its declared type is reported once, however often it is used', () => {
    const text = 'const C: i32 = 0xFFFFFFFF;\n' + prog('    print(C);\n    print(C + 1);');
    expectAt(check(text), 'PVK005', A, text, '0xFFFFFFFF');
  });

  it('near miss: boundary values fit', () => {
    const ds = check(
      'const NEG: i32 = -5;\nconst BIG = 0xFFFFFFFF;\n' +
        prog('    let a: u32 = 0xFFFFFFFF;\n    let b: i32 = -2147483648;\n    let c: i32 = 2147483647;\n    let d: i32 = NEG;\n    let e: u32 = BIG;\n    let f: u32 = 0b11111111111111111111111111111111;\n    print(a, b, c, d, e, f);'),
    );
    expectNone(ds, 'PVK005');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK006

describe('PVK006 assignment to a const or a for variable', () => {
  it('assigning a const', () => {
    const text = 'const LIMIT = 10;\n' + prog('    LIMIT = 3;');
    const d = expectAt(check(text), 'PVK006', A, text, 'LIMIT = 3');
    expect(d.message).toContain('LIMIT');
  });

  it('compound-assigning a const', () => {
    const text = 'const LIMIT = 10;\n' + prog('    LIMIT += 3;');
    expectAt(check(text), 'PVK006', A, text, 'LIMIT +=');
  });

  it('assigning a for variable', () => {
    const text = prog('    for i in 0..4 {\n        i = 3;\n    }');
    const d = expectAt(check(text), 'PVK006', A, text, 'i = 3');
    expect(d.message).toContain('i');
  });

  it('compound-assigning a for variable', () => {
    const text = prog('    for i in 0..4 {\n        i += 1;\n    }');
    expectAt(check(text), 'PVK006', A, text, 'i += 1');
  });

  it('near miss: assigning a parameter, a global, a let, and a let that shadows a const or a for variable', () => {
    const text =
      'const LIMIT = 10;\nvar g: u32 = 0;\nfn f(p: u32) -> u32 { p = p + 1; p += 2; return p; }\n' +
      prog('    let LIMIT: u32 = 3;\n    LIMIT = 4;\n    g = LIMIT;\n    for i in 0..4 {\n        let j = i;\n        j = 9;\n        let i: u32 = 7;\n        i = 8;\n    }\n    print(f(LIMIT));');
    const ds = check(text);
    expectNone(ds, 'PVK006');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK007

describe('PVK007 duplicate definition', () => {
  it('a function defined twice', () => {
    const text = 'fn twice() { print(1); }\nfn twice() { print(2); }\n' + DOM0;
    const d = expectAt(check(text), 'PVK007', A, text, 'twice', 1);
    expect(d.message).toContain('twice');
  });

  it('a const and a var with the same name', () => {
    const text = 'const N = 1;\nvar N: u32 = 2;\n' + DOM0;
    expectAt(check(text), 'PVK007', A, text, 'N', 1);
  });

  it('a parameter declared twice', () => {
    const text = 'fn f(a: u32, a: u32) { print(a); }\n' + DOM0;
    expectAt(check(text), 'PVK007', A, text, 'a: u32', 1);
  });

  it('a function named like an intrinsic', () => {
    const text = 'fn rdtsc() -> u32 { return 1; }\n' + DOM0;
    const d = expectAt(check(text), 'PVK007', A, text, 'rdtsc');
    expect(d.message).toContain('rdtsc');
  });

  it('near miss: distinct names, and a local named like a global', () => {
    const ds = check('const N = 1;\nvar M: u32 = 2;\nfn f(a: u32, b: u32) -> u32 { let N = a; return N + b + M; }\n' + DOM0);
    expectNone(ds, 'PVK007');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK008

describe('PVK008 break or continue outside a loop', () => {
  it('break outside a loop', () => {
    const text = prog('    break;');
    const d = expectAt(check(text), 'PVK008', A, text, 'break');
    expect(d.message).toContain('break');
  });

  it('continue outside a loop, inside an if', () => {
    const text = prog('    if (true) { continue; }');
    const d = expectAt(check(text), 'PVK008', A, text, 'continue');
    expect(d.message).toContain('continue');
  });

  it('near miss: break and continue inside while and for, also nested in an if', () => {
    const ds = check(prog('    while (true) { if (rdtsc() > 5) { break; } continue; }\n    for i in 0..3 { if (i == 1) { continue; } break; }'));
    expectNone(ds, 'PVK008');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK009

describe('PVK009 missing return', () => {
  it('a function with a return type whose end is reachable', () => {
    const text = 'fn f(a: u32) -> u32 {\n    if (a > 0) { return 1; }\n}\n' + prog('    print(f(1));');
    const d = expectAt(check(text), 'PVK009', A, text, 'f(a');
    expect(d.message).toContain('f');
  });

  it('near miss: both branches return, an endless loop, no return type', () => {
    const ds = check(
      'fn f(a: u32) -> u32 {\n    if (a > 0) { return 1; } else { return 2; }\n}\nfn g() -> u32 { while (true) { print(1); } }\nfn h() { print(1); }\n' +
        prog('    print(f(1), g());\n    h();'),
    );
    expectNone(ds, 'PVK009');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK010

describe('PVK010 unknown hypercall', () => {
  it('names the unknown hypercall', () => {
    const text = prog('    let r = hypercall frobnicate(1);');
    const d = expectAt(check(text), 'PVK010', A, text, 'frobnicate');
    expect(d.message).toContain('frobnicate');
  });

  it('a typo of a known hypercall', () => {
    const text = prog('    hypercall sched_opp(0, 0);');
    const d = expectAt(check(text), 'PVK010', A, text, 'sched_opp');
    expect(d.message).toContain('sched_opp');
  });

  it('near miss: every hypercall of the built-in table is known', () => {
    const ds = check(
      prog(
        '    let a = hypercall console_io(0, 0, 0);\n    let b = hypercall sched_op(0, 0);\n    let c = hypercall set_timer_op(0);\n' +
          '    let d = hypercall event_channel_op(6, 0, 0);\n    let e = hypercall grant_table_op(100, 0, 0, 0, 0);\n    let f = hypercall memory_op(0, 1);\n' +
          '    let g = hypercall multicall(0, 0);\n    let h = hypercall vcpu_op(2, 0);\n    let i = hypercall xen_version(0);\n    let j = hypercall set_pat(0);\n' +
          '    let k = hypercall sysctl(1, 0);\n    let l = hypercall domctl(5, 0, 0);\n    print(a, b, c, d, e, f, g, h, i, j, k, l);',
      ),
    );
    expectNone(ds, 'PVK010');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- systems used by the context tests

/** A system file at /ws/sys.pvk. */
function system(name: string, hv: string, domains: string): string {
  return `system ${name} {\n    hypervisor ${hv};\n${domains}}\n`;
}
const SYS = '/ws/sys.pvk';
const D0 = '/ws/dom0.pvk';
const G = '/ws/guest.pvk';

// ---------------------------------------------------------------- PVK011

describe('PVK011 dom0 hypercall in an unprivileged domain', () => {
  const guest = prog('    let r = hypercall domctl(5, 1, 0);\n    print(r);');

  it('a kernel booted unprivileged', () => {
    const ds = diags(
      {
        [SYS]: system('lab', '4.2', '    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; }\n'),
        [D0]: DOM0,
        [G]: guest,
      },
      [SYS],
    );
    const d = expectAt(ds, 'PVK011', G, guest, 'domctl');
    expect(d.message).toContain('domctl');
    expect(d.message).toContain('web');
    expect(d.message).toContain('lab');
    expect(ds.filter((x) => x.file !== G)).toEqual([]);
  });

  it('in a file imported by a kernel booted unprivileged', () => {
    const lib = '/ws/lib/toolstack.pvk';
    const libText = 'fn destroy(d: u32) -> i32 { return hypercall domctl(2, d, 0); }\n';
    const guestText = 'import "lib/toolstack.pvk";\n' + prog('    print(destroy(1));');
    const ds = diags(
      {
        [SYS]: system('lab', '4.2', '    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; mode hvm; }\n'),
        [D0]: DOM0,
        [G]: guestText,
        [lib]: libText,
      },
      [SYS],
    );
    expectAt(ds, 'PVK011', lib, libText, 'domctl');
  });

  it('near miss: the same kernel booted only as the privileged domain', () => {
    const ds = diags(
      {
        [SYS]: system('lab', '4.2', '    domain dom0 { kernel "guest.pvk"; privileged; }\n    domain web { kernel "dom0.pvk"; }\n'),
        [D0]: DOM0,
        [G]: guest,
      },
      [SYS],
    );
    expectNone(ds, 'PVK011');
    expectClean(ds);
  });

  it('near miss: a kernel booted by no system', () => {
    const ds = diags({ [G]: guest });
    expectNone(ds, 'PVK011');
    expectClean(ds);
  });

  it('near miss: a stable hypercall in an unprivileged domain', () => {
    const text = prog('    let r = hypercall xen_version(0);\n    print(r);');
    const ds = diags(
      {
        [SYS]: system('lab', '4.2', '    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; }\n'),
        [D0]: DOM0,
        [G]: text,
      },
      [SYS],
    );
    expectNone(ds, 'PVK011');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK012

describe('PVK012 hypercall newer than the hypervisor, result discarded', () => {
  const files = (hv: string, body: string): Files => ({
    [SYS]: system('old', hv, '    domain dom0 { kernel "guest.pvk"; privileged; }\n'),
    [G]: prog(body),
  });

  it('set_pat as a bare statement under hypervisor 4.1', () => {
    const f = files('4.1', '    hypercall set_pat(1);');
    const ds = diags(f, [SYS]);
    const d = expectAt(ds, 'PVK012', G, f[G], 'set_pat');
    expect(d.message).toContain('set_pat');
    expect(d.message).toContain('4.1');
    expect(d.message).toContain('old');
  });

  it('multicall (since 3.2) as a bare statement under hypervisor 3.1', () => {
    const f = files('3.1', '    hypercall multicall(0, 0);');
    const ds = diags(f, [SYS]);
    const d = expectAt(ds, 'PVK012', G, f[G], 'multicall');
    expect(d.message).toContain('3.1');
  });

  it('near miss: the same statement under hypervisor 4.2', () => {
    const ds = diags(files('4.2', '    hypercall set_pat(1);'), [SYS]);
    expectNone(ds, 'PVK012');
    expectClean(ds);
  });

  it('near miss: the result is used (`let r = hypercall set_pat(1);`) under 4.1', () => {
    const ds = diags(files('4.1', '    let r = hypercall set_pat(1);\n    print(r);'), [SYS]);
    expectNone(ds, 'PVK012');
    expectClean(ds);
  });

  it('near miss: the result is checked in a condition or passed on under 4.1', () => {
    const ds = diags(files('4.1', '    if (hypercall set_pat(1) == -38) { print(0); }\n    print(hypercall set_pat(2));'), [SYS]);
    expectNone(ds, 'PVK012');
    expectClean(ds);
  });

  it('near miss: a hypercall that exists in 4.1, as a bare statement', () => {
    const ds = diags(files('4.1', '    hypercall xen_version(0);'), [SYS]);
    expectNone(ds, 'PVK012');
    expectClean(ds);
  });

  it('near miss: a kernel booted by no system', () => {
    expectNone(check(prog('    hypercall set_pat(1);')), 'PVK012');
  });
});

// ---------------------------------------------------------------- PVK013

describe('PVK013 import cannot be loaded', () => {
  it('points at the path string', () => {
    const text = 'import "missing.pvk";\n' + DOM0;
    const d = expectAt(check(text), 'PVK013', A, text, '"missing.pvk"');
    expect(d.message).toContain('missing.pvk');
    expect(d.endCol - d.col).toBe('"missing.pvk"'.length);
  });

  it('near miss: an import that exists', () => {
    const ds = diags({ [A]: 'import "b.pvk";\n' + prog('    print(fromb());'), '/ws/b.pvk': 'fn fromb() -> u32 { return 2; }\n' }, [A]);
    expectNone(ds, 'PVK013');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK014

describe('PVK014 not a constant expression', () => {
  it('a const computed from a call', () => {
    const text = 'const T = rdtsc();\n' + DOM0;
    const d = expectAt(check(text), 'PVK014', A, text, 'rdtsc');
    expect(d.message).toContain('T');
  });

  it('a global initialized from another global', () => {
    const text = 'var a: u32 = 1;\nvar b: u32 = a;\n' + DOM0;
    const d = expectAt(check(text), 'PVK014', A, text, 'a;');
    expect(d.message).toContain('b');
  });

  it('a cyclic const definition is reported once per const', () => {
    const text = 'const A1 = B1 + 1;\nconst B1 = A1 + 1;\n' + prog('    print(A1, B1);');
    const ds = check(text);
    expectAt(ds.filter((d) => d.line === 1), 'PVK014', A, text, 'B1 + 1');
    expectAt(ds.filter((d) => d.line === 2), 'PVK014', A, text, 'A1 + 1');
  });

  it('near miss: consts and globals from literals and consts, in any order', () => {
    const ds = check('var g: u32 = PAGE * 2;\nconst PAGE = SHIFTED >> 2;\nconst SHIFTED = 1 << 14;\nconst NEG: i32 = -PAGE2;\nconst PAGE2 = 4096;\nconst ON = true;\n' + prog('    print(g, PAGE, NEG, ON);'));
    expectNone(ds, 'PVK014');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK015

describe('PVK015 a user file redefines the built-in table', () => {
  it('an `abi xen` block in a user file', () => {
    const text = 'abi xen {\n    hypercall poke(a: u32) -> i32 = 99 stable since 3.0 cost 1;\n}\n' + DOM0;
    const d = expectAt(check(text), 'PVK015', A, text, 'xen');
    expect(d.message).toMatch(/built-in/);
  });

  it('near miss: an extension with a name of its own is not PVK015 (section 9)', () => {
    const text = 'abi mine {\n    hypercall poke(a: u32) -> i32 = 99 stable since 3.0 cost 1 { return 0; }\n}\n' + DOM0;
    const ds = check(text);
    expectNone(ds, 'PVK015');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK016

describe('PVK016 hypercall on bare metal', () => {
  const kernel = prog('    let r = hypercall xen_version(0);\n    print(r);');

  it('a kernel booted only under `hypervisor none` makes a hypercall', () => {
    const ds = diags({ [SYS]: system('metal', 'none', '    domain k { kernel "guest.pvk"; privileged; }\n'), [G]: kernel }, [SYS]);
    const d = expectAt(ds, 'PVK016', G, kernel, 'xen_version');
    expect(d.message).toContain('xen_version');
  });

  it('near miss: the same kernel booted under a hypervisor', () => {
    const ds = diags({ [SYS]: system('xen', '4.2', '    domain k { kernel "guest.pvk"; privileged; }\n'), [G]: kernel }, [SYS]);
    expectNone(ds, 'PVK016');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK020

describe('PVK020 platform conditional in core code', () => {
  it('xen_domain() in a plain fn', () => {
    const text = 'fn on_xen() -> bool { return xen_domain(); }\n' + prog('    if (on_xen()) { print(1); }');
    const d = expectAt(check(text), 'PVK020', A, text, 'xen_domain');
    expect(d.message).toContain('xen_domain');
  });

  it('xen_domain() in main', () => {
    const text = prog('    let on = xen_domain();\n    if (on) { print(1); }');
    const d = expectAt(check(text), 'PVK020', A, text, 'xen_domain');
    expect(d.endCol - d.col).toBe('xen_domain()'.length);
  });

  it('xen_domain() as an if condition: the range covers the call', () => {
    // The condition is a parenthesized expression whose span keeps the parentheses.
    const text = prog('    if (xen_domain()) { print(1); }');
    const ds = check(text).filter((d) => d.code === 'PVK020');
    expect(ds).toHaveLength(1);
    const call = loc(text, 'xen_domain');
    expect(ds[0].line).toBe(call.line);
    expect(ds[0].col).toBeLessThanOrEqual(call.col);
    expect(ds[0].endCol).toBeGreaterThanOrEqual(call.col + 'xen_domain()'.length);
  });

  it('near miss: xen_domain() inside impl blocks', () => {
    const items =
      'pvops plat { fn is_xen() -> bool; }\n' +
      'impl plat for native { fn is_xen() -> bool { return xen_domain(); } }\n' +
      'impl plat for xen { fn is_xen() -> bool { return xen_domain(); } }\n';
    const ds = check(prog('    if (plat.is_xen()) { print(1); }', items));
    expectNone(ds, 'PVK020');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK021

describe('PVK021 privileged intrinsic outside impl for native, booted pv', () => {
  const kernel = 'fn putc(c: u32) { outb(0x3f8, c); }\n' + prog('    putc(65);');
  const boot = (domains: string, hv = '4.2'): Files => ({ [SYS]: system('lab', hv, domains), [D0]: DOM0, [G]: kernel });

  it('outb in a plain fn of a kernel booted pv', () => {
    const ds = diags(boot('    domain dom0 { kernel "dom0.pvk"; privileged; mode hvm; }\n    domain web { kernel "guest.pvk"; mode pv; }\n'), [SYS]);
    const d = expectAt(ds, 'PVK021', G, kernel, 'outb');
    expect(d.message).toContain('outb');
    expect(d.message).toContain('web');
    expect(d.message).toContain('lab');
  });

  it('a kernel booted pv by default (no mode under a hypervisor)', () => {
    const ds = diags(boot('    domain dom0 { kernel "dom0.pvk"; privileged; mode hvm; }\n    domain web { kernel "guest.pvk"; }\n'), [SYS]);
    expectAt(ds, 'PVK021', G, kernel, 'outb');
  });

  it('inside `impl … for xen` of a kernel booted pv', () => {
    const text =
      'pvops cpu { fn irq_disable(); }\nimpl cpu for native { fn irq_disable() { cli(); } }\nimpl cpu for xen { fn irq_disable() { cli(); } }\n' +
      prog('    cpu.irq_disable();');
    const ds = diags({ [SYS]: system('lab', '4.2', '    domain dom0 { kernel "guest.pvk"; privileged; }\n'), [G]: text }, [SYS]);
    expectAt(ds, 'PVK021', G, text, 'cli', 1);
  });

  it('near miss: booted hvm only', () => {
    const ds = diags(boot('    domain dom0 { kernel "dom0.pvk"; privileged; mode hvm; }\n    domain web { kernel "guest.pvk"; mode hvm; }\n'), [SYS]);
    expectNone(ds, 'PVK021');
    expectClean(ds);
  });

  it('near miss: booted native only (hypervisor none)', () => {
    const ds = diags({ [SYS]: system('metal', 'none', '    domain k { kernel "guest.pvk"; privileged; }\n'), [G]: kernel }, [SYS]);
    expectNone(ds, 'PVK021');
    expectClean(ds);
  });

  it('near miss: inside `impl … for native` in a kernel booted pv', () => {
    const text =
      'pvops io { fn putc(c: u32); }\nimpl io for native { fn putc(c: u32) { outb(0x3f8, c); } }\nimpl io for xen { fn putc(c: u32) { mem8[0x100] = c; let r = hypercall console_io(0, 1, 0x100); } }\n' +
      prog('    io.putc(65);');
    const ds = diags({ [SYS]: system('lab', '4.2', '    domain dom0 { kernel "guest.pvk"; privileged; }\n'), [G]: text }, [SYS]);
    expectNone(ds, 'PVK021');
    expectClean(ds);
  });

  it('near miss: a kernel booted by no system', () => {
    expectNone(diags({ [G]: kernel }), 'PVK021');
  });

  it('near miss: an unprivileged intrinsic in a pv kernel', () => {
    const text = prog('    print(rdtsc(), vcpu_id(), domain_id(), vcpu_info(), cmpxchg(0, 0, 1));');
    const ds = diags({ [SYS]: system('lab', '4.2', '    domain dom0 { kernel "guest.pvk"; privileged; }\n'), [G]: text }, [SYS]);
    expectNone(ds, 'PVK021');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK022

describe('PVK022 impl does not match its pvops table', () => {
  const pvops = 'pvops cpu {\n    fn irq_disable();\n    fn load_cr3(v: u32);\n    fn read() -> u32;\n}\n';
  const native = 'impl cpu for native {\n    fn irq_disable() { cli(); }\n    fn load_cr3(v: u32) { write_cr3(v); }\n    fn read() -> u32 { return read_cr3(); }\n}\n';
  const main = prog('    cpu.irq_disable();\n    cpu.load_cr3(4096);\n    print(cpu.read());');

  it('an impl that misses an op', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable() { mem8[vcpu_info()] = 1; }\n    fn read() -> u32 { return 0; }\n}\n';
    const text = pvops + native + xen + main;
    const d = expectAt(check(text), 'PVK022', A, text, 'cpu for xen');
    expect(d.message).toContain('load_cr3');
  });

  it('an impl that adds an op the table does not declare', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable() { mem8[vcpu_info()] = 1; }\n    fn load_cr3(v: u32) { mem32[4] = v; }\n    fn read() -> u32 { return 0; }\n    fn flush() { print(0); }\n}\n';
    const text = pvops + native + xen + main;
    const d = expectAt(check(text), 'PVK022', A, text, 'flush');
    expect(d.message).toContain('flush');
  });

  it('an impl that changes a parameter type', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable() { mem8[vcpu_info()] = 1; }\n    fn load_cr3(v: i32) { mem32[4] = v; }\n    fn read() -> u32 { return 0; }\n}\n';
    const text = pvops + native + xen + main;
    const d = expectAt(check(text), 'PVK022', A, text, 'load_cr3(v: i32');
    expect(d.message).toContain('load_cr3');
  });

  it('an impl that changes the return type', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable() { mem8[vcpu_info()] = 1; }\n    fn load_cr3(v: u32) { mem32[4] = v; }\n    fn read() -> i32 { return 0; }\n}\n';
    const text = pvops + native + xen + main;
    const d = expectAt(check(text), 'PVK022', A, text, 'read() -> i32');
    expect(d.message).toContain('read');
  });

  it('an impl that changes the number of parameters', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable(x: u32) { mem8[vcpu_info()] = x; }\n    fn load_cr3(v: u32) { mem32[4] = v; }\n    fn read() -> u32 { return 0; }\n}\n';
    const text = pvops + native + xen + main;
    expectAt(check(text), 'PVK022', A, text, 'irq_disable(x');
  });

  it('an impl for an unknown platform', () => {
    const text = 'pvops c { fn a(); }\nimpl c for arm { fn a() { print(1); } }\n' + DOM0;
    const d = expectAt(check(text), 'PVK022', A, text, 'arm');
    expect(d.message).toContain('arm');
  });

  it('an impl of an unknown pvops table is an unknown name; two impls for one platform are duplicates', () => {
    const t1 = 'impl nope for xen { fn a() { print(1); } }\n' + DOM0;
    const d1 = expectAt(check(t1), 'PVK002', A, t1, 'nope');
    expect(d1.message).toContain('nope');
    const t2 = 'pvops c { fn a(); }\nimpl c for xen { fn a() { print(1); } }\nimpl c for xen { fn a() { print(2); } }\n' + DOM0;
    const d2 = expectAt(check(t2), 'PVK007', A, t2, 'c for xen', 1);
    expect(d2.message).toContain('impl c for xen');
  });

  it('near miss: a correct impl pair (parameter names may differ)', () => {
    const xen = 'impl cpu for xen {\n    fn irq_disable() { mem8[vcpu_info()] = 1; }\n    fn load_cr3(base: u32) { mem32[4] = base; }\n    fn read() -> u32 { return mem32[4]; }\n}\n';
    const ds = check(pvops + native + xen + main);
    expectNone(ds, 'PVK022');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- PVK030

describe('PVK030 system cannot boot', () => {
  const one = (name: string, body: string, extra: Files = {}): { ds: D[]; text: string } => {
    const text = `system ${name} {\n${body}}\n`;
    return { ds: diags({ [SYS]: text, [D0]: DOM0, [G]: prog('    print(1);'), ...extra }, [SYS]), text };
  };

  it('a missing kernel file', () => {
    const { ds, text } = one('s1', '    hypervisor 4.2;\n    domain dom0 { kernel "nope.pvk"; privileged; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, '"nope.pvk"');
    expect(d.message).toContain('nope.pvk');
    expect(d.message).toContain('dom0');
    expect(d.message).toContain('s1');
  });

  it('a kernel without main', () => {
    const { ds, text } = one('s2', '    domain dom0 { kernel "lib.pvk"; privileged; }\n', { '/ws/lib.pvk': 'fn helper() { print(1); }\n' });
    const d = expectAt(ds, 'PVK030', SYS, text, '"lib.pvk"');
    expect(d.message).toContain('main');
    expect(d.message).toContain('s2');
  });

  it('no privileged domain', () => {
    const { ds, text } = one('s3', '    domain a { kernel "dom0.pvk"; }\n    domain b { kernel "guest.pvk"; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, 's3');
    expect(d.message).toContain('privileged');
  });

  it('two privileged domains', () => {
    const { ds, text } = one('s4', '    domain a { kernel "dom0.pvk"; privileged; }\n    domain b { kernel "guest.pvk"; privileged; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, 's4');
    expect(d.message).toContain('privileged');
    expect(d.message).toContain('a');
    expect(d.message).toContain('b');
  });

  it('`mode native` under a hypervisor', () => {
    const { ds, text } = one('s5', '    hypervisor 4.2;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; mode native; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, 'mode native');
    expect(d.message).toContain('native');
    expect(d.message).toContain('web');
  });

  it('an unknown system property', () => {
    const { ds, text } = one('s6', '    hypervisor 4.2;\n    turbo 3;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, 'turbo');
    expect(d.message).toContain('turbo');
  });

  it('an unknown domain property', () => {
    const { ds, text } = one('s7', '    domain dom0 { kernel "dom0.pvk"; privileged; colour 3; }\n');
    const d = expectAt(ds, 'PVK030', SYS, text, 'colour');
    expect(d.message).toContain('colour');
  });

  it('bad values: pcpus 0, mode turbo, memory lots, hypervisor banana', () => {
    const cases: [string, string][] = [
      ['    pcpus 0;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n', '0;'],
      ['    domain dom0 { kernel "dom0.pvk"; privileged; mode turbo; }\n', 'turbo'],
      ['    domain dom0 { kernel "dom0.pvk"; privileged; memory lots; }\n', 'lots'],
      ['    hypervisor banana;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n', 'banana'],
    ];
    for (const [body, needle] of cases) {
      const { ds, text } = one('bad', body);
      const d = expectAt(ds, 'PVK030', SYS, text, needle);
      expect(d.message).toContain('bad');
    }
    // A kernel that is not a quoted path (pvlab adds that the domain then has no kernel).
    const { ds, text } = one('bad', '    domain dom0 { kernel dom0; privileged; }\n');
    const d = expectSomeAt(ds, 'PVK030', SYS, text, 'dom0;');
    expect(d.message).toContain('kernel');
  });

  it('a pv domain whose kernel lacks `impl X for xen`', () => {
    const kernel = 'pvops cpu { fn irq_disable(); }\nimpl cpu for native { fn irq_disable() { cli(); } }\n' + prog('    cpu.irq_disable();');
    const { ds, text } = one('s8', '    hypervisor 4.2;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; mode pv; }\n', { [G]: kernel });
    const d = expectAt(ds, 'PVK030', SYS, text, '"guest.pvk"');
    expect(d.message).toContain('cpu');
    expect(d.message).toContain('xen');
  });

  it('`hypervisor none` with more than one domain, or with a pv domain', () => {
    const r1 = one('m1', '    hypervisor none;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; }\n');
    positiveSeen.add('PVK030');
    expect(codes(r1.ds)).toContain('PVK030');
    const r2 = one('m2', '    hypervisor none;\n    domain dom0 { kernel "dom0.pvk"; privileged; mode pv; }\n');
    expectAt(r2.ds, 'PVK030', SYS, r2.text, 'mode pv');
  });

  it('a domain declared twice, a property given twice, a paused dom0, hvm on bare metal, out-of-range numbers', () => {
    const cases: [string, string, number, string][] = [
      ['    domain d { kernel "dom0.pvk"; privileged; }\n    domain d { kernel "guest.pvk"; }\n', 'd {', 2, 'declared twice'],
      ['    pcpus 2;\n    pcpus 3;\n    domain d { kernel "dom0.pvk"; privileged; }\n', 'pcpus 3', 0, 'twice'],
      ['    domain d { kernel "dom0.pvk"; privileged; paused; }\n', 'd {', 1, 'paused'],
      ['    hypervisor none;\n    domain d { kernel "dom0.pvk"; privileged; mode hvm; }\n', 'mode hvm', 0, 'hvm'],
      ['    domain d { kernel "dom0.pvk"; privileged; vcpus 0; }\n', '0;', 0, 'vcpus'],
      ['    domain d { kernel "dom0.pvk"; privileged; cap 101; }\n', '101', 0, 'cap'],
      ['    patch_pvops 1;\n    domain d { kernel "dom0.pvk"; privileged; }\n', '1;', 0, 'patch_pvops'],
    ];
    // ('d {' occurs first in 'odd {'.)
    for (const [body, needle, nth, word] of cases) {
      const { ds, text } = one('odd', body);
      const d = expectAt(ds, 'PVK030', SYS, text, needle, nth);
      expect(d.message).toContain(word);
    }
  });

  it('a system defined twice in one file is a duplicate definition', () => {
    const text = 'system s { domain d { kernel "dom0.pvk"; privileged; } }\nsystem s { domain d { kernel "dom0.pvk"; privileged; } }\n';
    const ds = diags({ [SYS]: text, [D0]: DOM0 }, [SYS]);
    const d = expectAt(ds, 'PVK007', SYS, text, 's {', 1);
    expect(d.message).toContain('s');
  });

  it('near miss: a good system (defaults, every property)', () => {
    const native = 'pvops cpu { fn irq_disable(); }\nimpl cpu for native { fn irq_disable() { cli(); } }\n' + prog('    cpu.irq_disable();');
    const { ds } = one(
      'good',
      '    hypervisor 4.2;\n    pcpus 2;\n    timeslice 5000;\n    patch_pvops;\n' +
        '    domain dom0 { kernel "dom0.pvk"; memory 64; vcpus 1; privileged; }\n' +
        '    domain web { kernel "guest.pvk"; memory 16; vcpus 2; mode hvm; weight 512; cap 50; paused; }\n',
      { [G]: native },
    );
    expectNone(ds, 'PVK030');
    expectClean(ds);
  });

  it('near miss: bare metal with one native privileged domain', () => {
    const { ds } = one('metal', '    hypervisor none;\n    domain k { kernel "dom0.pvk"; privileged; mode native; }\n');
    expectNone(ds, 'PVK030');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- system context

describe('system context: one kernel booted two ways', () => {
  const K = '/ws/kernel.pvk';
  const kernel =
    'fn main() -> u32 {\n' +
    '    let r = hypercall domctl(5, 1, 0);\n' +
    '    hypercall set_pat(1);\n' +
    '    outb(0x3f8, 65);\n' +
    '    return 0;\n' +
    '}\n';
  const SA = '/ws/a_sys.pvk';
  const SB = '/ws/b_sys.pvk';
  const sysA = system('alpha', '4.2', '    domain dom0 { kernel "kernel.pvk"; privileged; mode hvm; }\n');
  const sysB = system('beta', '4.1', '    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain guest { kernel "kernel.pvk"; mode pv; }\n');
  const files: Files = { [SA]: sysA, [SB]: sysB, [K]: kernel, [D0]: DOM0 };

  it('gets exactly PVK011, PVK012 and PVK021 when both systems exist', () => {
    const ds = diags(files, [SA, SB]);
    const inKernel = ds.filter((d) => d.file === K);
    expect(codes(inKernel).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
    const d11 = expectAt(ds, 'PVK011', K, kernel, 'domctl');
    expect(d11.message).toContain('guest');
    expect(d11.message).toContain('beta');
    expect(d11.message).not.toContain('alpha');
    const d12 = expectAt(ds, 'PVK012', K, kernel, 'set_pat');
    expect(d12.message).toContain('4.1');
    expect(d12.message).toContain('beta');
    expect(d12.message).not.toContain('alpha');
    const d21 = expectAt(ds, 'PVK021', K, kernel, 'outb');
    expect(d21.message).toContain('outb');
    expect(d21.message).toContain('beta');
    expect(ds.filter((d) => d.file !== K)).toEqual([]);
  });

  it('the roots order does not matter', () => {
    const ab = diags(files, [SA, SB]).filter((d) => d.file === K);
    const ba = diags(files, [SB, SA]).filter((d) => d.file === K);
    expect(ba.map((d) => [d.code, d.line, d.col])).toEqual(ab.map((d) => [d.code, d.line, d.col]));
  });

  it('gets none of them when only the first system exists', () => {
    const ds = diags({ [SA]: sysA, [K]: kernel, [D0]: DOM0 }, [SA]);
    expectNone(ds, 'PVK011');
    expectNone(ds, 'PVK012');
    expectNone(ds, 'PVK021');
    expectClean(ds);
  });

  it('exposes the boot contexts of the kernel', () => {
    const { analysis } = analyzeFiles(files, [SA, SB]);
    const ctx = analysis.contexts.get(K) ?? [];
    expect(ctx.map((c) => [c.system, c.domain, c.privileged, c.mode, c.hypervisor]).sort()).toEqual([
      ['alpha', 'dom0', true, 'hvm', '4.2'],
      ['beta', 'guest', false, 'pv', '4.1'],
    ]);
    expect(analysis.systems.map((s) => s.config.name)).toEqual(['alpha', 'beta']);
    const beta = analysis.systems[1].config;
    expect(beta.domains.map((d) => [d.name, d.domid])).toEqual([
      ['dom0', 0],
      ['guest', 1],
    ]);
  });
});

// ---------------------------------------------------------------- imports

describe('imports', () => {
  it('a name from an imported file resolves', () => {
    const ds = diags({ [A]: 'import "b.pvk";\n' + prog('    print(twice(LIMIT), counter);'), '/ws/b.pvk': 'const LIMIT = 3;\nvar counter: u32 = 0;\nfn twice(v: u32) -> u32 { return v * 2; }\n' }, [A]);
    expectClean(ds);
  });

  it('a transitive import (a → b → c) resolves, paths relative to the importing file', () => {
    const { ws, analysis } = analyzeFiles(
      {
        [A]: 'import "lib/b.pvk";\n' + prog('    print(fromc(), fromb());\n    cpu.nop();'),
        '/ws/lib/b.pvk': 'import "c.pvk";\nfn fromb() -> u32 { return fromc() + 1; }\n',
        '/ws/lib/c.pvk': 'fn fromc() -> u32 { return 1; }\npvops cpu { fn nop(); }\nimpl cpu for native { fn nop() { print(0); } }\nimpl cpu for xen { fn nop() { print(1); } }\n',
      },
      [A],
    );
    expect(analysis.files).toEqual([A, '/ws/lib/b.pvk', '/ws/lib/c.pvk']);
    for (const f of analysis.files) expect(analysis.diagnostics.get(f), f).toEqual([]);
    void ws;
  });

  it('a cycle a → b → a checks fine, each file loaded once', () => {
    const files: Files = {
      [A]: 'import "b.pvk";\nfn froma() -> u32 { return 1; }\n' + prog('    print(fromb());'),
      '/ws/b.pvk': 'import "a.pvk";\nfn fromb() -> u32 { return froma() + 1; }\n',
    };
    const { ws, analysis } = analyzeFiles(files, [A]);
    expect(analysis.files).toEqual([A, '/ws/b.pvk']);
    for (const f of analysis.files) expect(analysis.diagnostics.get(f), f).toEqual([]);
    expect(ws.closure(A).map((f) => f.source.path)).toEqual([A, '/ws/b.pvk']);
    expect(ws.closure('/ws/b.pvk').map((f) => f.source.path)).toEqual(['/ws/b.pvk', A]);
    // Parsed once: the same ParsedFile comes back while the text is unchanged.
    expect(ws.file(A)).toBe(ws.file(A));
    // Both roots given: still each file once, no duplicate definitions.
    const both = diags(files, [A, '/ws/b.pvk']);
    expectNone(both, 'PVK007');
    expectClean(both);
  });

  it('a self-import is harmless', () => {
    expectClean(diags({ [A]: 'import "a.pvk";\n' + prog('    print(1);') }, [A]));
  });

  it('a missing import gives PVK013 at the path string and the rest still checks', () => {
    const text = 'import "gone/x.pvk";\n' + prog('    let a: u32 = true;');
    const ds = check(text);
    expectAt(ds, 'PVK013', A, text, '"gone/x.pvk"');
    expect(codes(ds)).toContain('PVK003');
  });

  it('a missing transitive import is reported in the file that imports it', () => {
    const bText = 'import "nothere.pvk";\nfn fromb() -> u32 { return 1; }\n';
    const ds = diags({ [A]: 'import "b.pvk";\n' + prog('    print(fromb());'), '/ws/b.pvk': bText }, [A]);
    expectAt(ds, 'PVK013', '/ws/b.pvk', bText, '"nothere.pvk"');
    expect(ds.filter((d) => d.file === A)).toEqual([]);
  });

  it('name clashes across imports give PVK007', () => {
    const text = 'import "b.pvk";\nfn helper() -> u32 { return 1; }\n' + prog('    print(helper());');
    const ds = diags({ [A]: text, '/ws/b.pvk': 'fn helper() -> u32 { return 2; }\n' }, [A]);
    const d = expectAt(ds, 'PVK007', A, text, 'helper');
    expect(d.message).toContain('helper');
  });

  it('name clashes between two imported files give PVK007', () => {
    const bText = 'fn helper() -> u32 { return 2; }\n';
    const cText = 'const helper = 3;\n';
    const ds = diags({ [A]: 'import "b.pvk";\nimport "c.pvk";\n' + prog('    print(helper());'), '/ws/b.pvk': bText, '/ws/c.pvk': cText }, [A]);
    positiveSeen.add('PVK007');
    // 'helper' is ambiguous in a.pvk: it must not silently resolve to one of the two.
    expect(codes(ds)).toContain('PVK007');
  });

  it('near miss: a name used without importing its file is unknown', () => {
    const text = prog('    print(fromb());');
    const ds = diags({ [A]: text, '/ws/b.pvk': 'fn fromb() -> u32 { return 2; }\n' }, [A]);
    expectAt(ds, 'PVK002', A, text, 'fromb');
  });
});

// ---------------------------------------------------------------- scoping (spec section 2)

describe('scoping', () => {
  it('locals are block-scoped', () => {
    const text = prog('    {\n        let inner: u32 = 1;\n        print(inner);\n    }\n    print(inner);');
    expectAt(check(text), 'PVK002', A, text, 'inner', 2);
  });

  it('a for variable is scoped to its loop', () => {
    const text = prog('    for i in 0..3 { print(i); }\n    let j = i;');
    expectAt(check(text), 'PVK002', A, text, 'i;');
  });

  it('shadowing in an inner block is allowed, and the outer binding is back after it', () => {
    const text = prog('    let a: u32 = 1;\n    {\n        let a: bool = true;\n        if (a) { print(1); }\n    }\n    let c: u32 = a + 1;\n    print(c);');
    expectClean(check(text));
  });

  it('redeclaring in the same block is an error', () => {
    const text = prog('    let a: u32 = 1;\n    let a: u32 = 2;');
    const d = expectAt(check(text), 'PVK007', A, text, 'a: u32 = 2');
    expect(d.message).toContain('a');
  });

  it('redeclaring in the same inner block is an error', () => {
    const text = prog('    if (true) {\n        let b = 1;\n        let b = 2;\n    }');
    expectAt(check(text), 'PVK007', A, text, 'b = 2');
  });

  it('the body may shadow a parameter', () => {
    const text = 'fn f(a: u32) -> u32 {\n    let a: bool = true;\n    if (a) { return 1; }\n    return 0;\n}\n' + prog('    print(f(1));');
    expectClean(check(text));
  });

  it('`let x = x + 1;` reads the outer x', () => {
    const text = 'fn f(x: i32) -> i32 {\n    let x = x + 1;\n    return x;\n}\n' + prog('    let y: i32 = -2;\n    {\n        let y = y + 1;\n        let z: i32 = y;\n        print(z);\n    }\n    print(f(y));');
    expectClean(check(text));
  });

  it('`let x = x + 1;` with no outer x is an unknown name', () => {
    const text = prog('    let q = q + 1;');
    expectAt(check(text), 'PVK002', A, text, 'q + 1');
  });

  it('items are usable before their definition', () => {
    const text =
      'fn main() -> u32 {\n    cpu.nop();\n    counter = later(LIMIT);\n    return counter;\n}\n' +
      'fn later(v: u32) -> u32 { return v + 1; }\nconst LIMIT = 5;\nvar counter: u32 = 0;\n' +
      'impl cpu for native { fn nop() { print(0); } }\nimpl cpu for xen { fn nop() { print(1); } }\npvops cpu { fn nop(); }\n';
    expectClean(check(text));
  });

  it('a local shadows a global for the rest of its block', () => {
    const text = 'var g: u32 = 0;\n' + prog('    let g: bool = true;\n    if (g) { print(1); }');
    expectClean(check(text));
  });
});


// ---------------------------------------------------------------- hypervisor extensions (section 9.1)

/** An extension in /ws/lab.pvk, like the spec's example: state, a helper, one hypercall with a handler. */
const LAB = '/ws/lab.pvk';
const LAB_TEXT = `const LIMIT = 1000;
abi lab {
    var total: u32 = 0;
    fn clamp(v: u32) -> u32 { if (v > LIMIT) { return LIMIT; } return v; }

    // cmd 0 add(v) -> new total; cmd 1 read; cmd 2 wake(domid, port)
    hypercall counter_op(cmd: u32, a: u32, b: u32) -> i32 = 64 stable since 4.2 cost 40 {
        if (cmd == 0) { total += clamp(a); return total as i32; }
        if (cmd == 1) { guest_store32(a, total); return 0; }
        if (cmd == 2) { return notify(a, b); }
        print("counter_op: bad cmd ", cmd, " from domain ", caller(), " vcpu ", caller_vcpu());
        let old = guest_load32(a);
        if (old == 0) { return -22; }
    }
    hypercall counter_reset() -> i32 = 65 dom0 since 4.2 cost 10 { total = 0; }
}
`;
const LAB_KERNEL = 'import "lab.pvk";\n' + prog('    let r = hypercall counter_op(0, 5, 0);\n    print(r);');
const labSystem = (name: string, extra: string, domains = '    domain dom0 { kernel "dom0.pvk"; privileged; }\n'): string =>
  `import "lab.pvk";\nsystem ${name} {\n    hypervisor 4.2;\n${extra}${domains}}\n`;

describe('extensions: abi blocks with handlers (section 9.1)', () => {
  it('the spec example checks clean, with its kernel and a system that boots it', () => {
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: LAB_KERNEL, [SYS]: labSystem('lab_demo', '    abi lab;\n') }, [SYS]);
    expectClean(ds);
  });

  it('a kernel calls an extension hypercall with the wrong arguments: PVK004 and PVK003 as for built-in ones', () => {
    const kernel = 'import "lab.pvk";\n' + prog('    let r = hypercall counter_op(true, 5);\n    print(r);');
    const ds = diags({ [LAB]: LAB_TEXT, [A]: kernel });
    expectAt(ds, 'PVK004', A, kernel, '(true, 5)');
    expectAt(ds, 'PVK003', A, kernel, 'true');
  });

  it('without the import the hypercall is unknown (the abi file is the public header)', () => {
    const kernel = prog('    let r = hypercall counter_op(0, 5, 0);\n    print(r);');
    const ds = diags({ [LAB]: LAB_TEXT, [A]: kernel });
    expectAt(ds, 'PVK010', A, kernel, 'counter_op');
  });

  it('a handler returning a u32 is a type error; reaching the end of a handler is fine (it returns 0)', () => {
    const text = 'abi t {\n    hypercall h(a: u32) -> i32 = 70 stable since 4.2 cost 1 { if (a == 0) { return a; } }\n}\n';
    const ds = check(text);
    expectAt(ds, 'PVK003', A, text, 'a; }');
    expectNone(ds, 'PVK009');
  });
});

describe('PVK040 extension hypercall on a hypervisor without the extension', () => {
  it('a system boots the caller without `abi lab;`', () => {
    const ds = diags(
      { [LAB]: LAB_TEXT, [D0]: LAB_KERNEL, [SYS]: labSystem('plain', '    pcpus 1;\n') + labSystem('with_lab', '    abi lab;\n').replace('import "lab.pvk";\n', '') },
      [SYS],
    );
    const d = expectAt(ds, 'PVK040', D0, LAB_KERNEL, 'counter_op');
    expect(d.message).toContain("'lab'");
    expect(d.message).toContain('plain');
    expect(d.message).not.toContain('with_lab');
    expect(d.message).toContain('-ENOSYS');
  });

  it('in a helper file imported by a kernel booted without the extension', () => {
    const lib = '/ws/lib/count.pvk';
    const libText = 'import "../lab.pvk";\nfn add(v: u32) -> i32 { return hypercall counter_op(0, v, 0); }\n';
    const kernel = 'import "lib/count.pvk";\n' + prog('    print(add(1));');
    const ds = diags({ [LAB]: LAB_TEXT, [lib]: libText, [D0]: kernel, [SYS]: labSystem('plain', '') }, [SYS]);
    expectAt(ds, 'PVK040', lib, libText, 'counter_op');
  });

  it('near miss: every system that boots the kernel names the extension; built-in hypercalls never get PVK040', () => {
    const kernel = 'import "lab.pvk";\n' + prog('    let r = hypercall counter_op(0, 5, 0);\n    let v = hypercall xen_version(0);\n    print(r, v);');
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: kernel, [SYS]: labSystem('lab_demo', '    abi lab;\n') }, [SYS]);
    expectNone(ds, 'PVK040');
    expectClean(ds);
  });

  it('near miss: no system boots the kernel (no context)', () => {
    expectNone(diags({ [LAB]: LAB_TEXT, [A]: LAB_KERNEL }), 'PVK040');
  });

  it('`since` and `dom0` apply to extensions as to the built-in table (PVK012, PVK011)', () => {
    const kernel = 'import "lab.pvk";\n' + prog('    hypercall counter_op(1, 0, 0);\n    let r = hypercall counter_reset();\n    print(r);');
    const sys = 'import "lab.pvk";\nsystem old {\n    hypervisor 4.0;\n    abi lab;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain web { kernel "guest.pvk"; }\n}\n';
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: DOM0, [G]: kernel, [SYS]: sys }, [SYS]);
    expectAt(ds, 'PVK012', G, kernel, 'counter_op');
    expectAt(ds, 'PVK011', G, kernel, 'counter_reset');
    expectNone(ds, 'PVK040');
  });
});

describe('PVK041 extension hypercall name or number taken, or without a handler', () => {
  it('a number of the built-in table', () => {
    const text = 'abi t {\n    hypercall poke(a: u32) -> i32 = 18 stable since 4.2 cost 1 { return 0; }\n}\n';
    const d = expectAt(check(text), 'PVK041', A, text, '18');
    expect(d.message).toContain('console_io');
    expect(d.message).toMatch(/64 is free/);
  });

  it('a name of the built-in table', () => {
    const text = 'abi t {\n    hypercall sched_op(a: u32) -> i32 = 80 stable since 4.2 cost 1 { return 0; }\n}\n';
    expectAt(check(text), 'PVK041', A, text, 'sched_op');
  });

  it('a number another extension in an imported file already takes', () => {
    const mine = 'import "lab.pvk";\nabi mine {\n    hypercall poke(a: u32) -> i32 = 64 stable since 4.2 cost 1 { return 0; }\n}\n';
    const ds = diags({ [LAB]: LAB_TEXT, [A]: mine });
    const d = expectAt(ds, 'PVK041', A, mine, '64');
    expect(d.message).toContain('counter_op');
    expectNone(ds, 'PVK041', LAB);
  });

  it('a declaration without a handler', () => {
    const text = 'abi t {\n    hypercall poke(a: u32) -> i32 = 80 stable since 4.2 cost 1;\n}\n';
    const d = expectAt(check(text), 'PVK041', A, text, 'hypercall poke');
    expect(d.message).toMatch(/handler/);
  });

  it('a system boots two extensions that take one number', () => {
    const other = '/ws/other.pvk';
    const otherText = 'abi other {\n    hypercall ping() -> i32 = 64 stable since 4.2 cost 1 { return 0; }\n}\n';
    const sys = 'import "lab.pvk";\nimport "other.pvk";\nsystem both {\n    abi lab other;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n}\n';
    const ds = diags({ [LAB]: LAB_TEXT, [other]: otherText, [D0]: DOM0, [SYS]: sys }, [SYS]);
    const d = expectAt(ds, 'PVK041', SYS, sys, 'other;');
    expect(d.message).toContain('64');
  });

  it('near miss: free names and numbers, each with a handler', () => {
    const text = 'abi t {\n    hypercall poke(a: u32) -> i32 = 80 stable since 4.2 cost 1 { return 0; }\n    hypercall peek() -> i32 = 81 dom0 since 4.2 cost 1 { return 1; }\n}\n';
    const ds = check(text);
    expectNone(ds, 'PVK041');
    expectClean(ds);
  });
});


describe('PVK042 / PVK043 changes against the workspace abi.lock (section 9.2)', () => {
  const LOCK = '/ws/abi.lock';
  /** The lock `pvlab abi lock` would write for these files. */
  const lockFor = (files: Files): string => serializeLock(lockOf(declaredTables(analyzeFiles(files).analysis)));
  const locked = lockFor({ [LAB]: LAB_TEXT });
  const withLock = (text: string, lock = locked): D[] => diags({ [LAB]: text }, undefined, { abiLock: { file: LOCK, text: lock } });

  it('a renumbered stable hypercall: PVK042 on the number, saying what guests built against the lock see', () => {
    const text = LAB_TEXT.replace('= 64 stable', '= 66 stable');
    const d = expectAt(withLock(text), 'PVK042', LAB, text, '66');
    expect(d.message).toContain('number 64 -> 66');
    expect(d.message).toMatch(/guests built against the lock: they still call number 64/);
  });

  it('changed parameter types of a stable hypercall are breaking; removing a dom0 one is not', () => {
    const text = LAB_TEXT.replace('counter_op(cmd: u32, a: u32, b: u32)', 'counter_op(cmd: u32, a: u32)').replace(/    hypercall counter_reset[^\n]*\n/, '');
    const ds = withLock(text);
    const d = expectAt(ds, 'PVK042', LAB, text, 'counter_op');
    expect(d.message).toContain('parameters (u32, u32, u32) -> (u32, u32)');
    // the removed one has no declaration any more: its table's abi block carries it
    const removed = expectSomeAt(ds, 'PVK043', LAB, text, 'lab {');
    expect(removed.message).toContain('counter_reset was removed');
  });

  it('a new hypercall and a changed dom0 hypercall: PVK043 infos, no PVK042', () => {
    const text = LAB_TEXT.replace('counter_reset() -> i32 = 65 dom0', 'counter_reset(v: u32) -> i32 = 65 dom0').replace(/}\n$/, '    hypercall counter_peek() -> i32 = 66 stable since 4.2 cost 5 { return 0; }\n}\n');
    const ds = withLock(text);
    expectNone(ds, 'PVK042');
    expectSomeAt(ds, 'PVK043', LAB, text, 'counter_reset');
    const added = expectSomeAt(ds, 'PVK043', LAB, text, 'counter_peek');
    expect(added.message).toContain('is new');
  });

  it('near miss: unchanged tables, a cost-only change, no lock, or an unreadable lock give neither', () => {
    for (const ds of [
      withLock(LAB_TEXT),
      withLock(LAB_TEXT.replace('cost 40', 'cost 45')),
      diags({ [LAB]: LAB_TEXT.replace('= 64', '= 66') }),
      withLock(LAB_TEXT.replace('= 64', '= 66'), 'not json'),
    ]) {
      expectNone(ds, 'PVK042');
      expectNone(ds, 'PVK043');
    }
  });
});

describe('PVK044 hypervisor and kernel code mixed', () => {
  const bad = `var kticks: u32 = 0;
fn kfn() -> u32 { return 1; }
abi t {
    var st: u32 = 0;
    fn helper() -> u32 { return st; }
    hypercall poke(a: u32) -> i32 = 80 stable since 4.2 cost 1 {
        kticks += 1;
        st = mem32[a] + kfn();
        cli();
        return hypercall xen_version(0);
    }
}
fn main() -> u32 {
    st = 1;
    let c = caller();
    let h = helper();
    print(c, h);
    return 0;
}
`;
  const ds = check(bad);
  const hits = ds.filter((d) => d.code === 'PVK044');

  it('a kernel global, guest memory, a kernel function, a guest intrinsic and a hypercall inside a handler', () => {
    for (const needle of ['kticks += 1', 'mem32[a]', 'kfn();', 'cli()', 'hypercall xen_version']) expectSomeAt(ds, 'PVK044', A, bad, needle);
  });

  it('a hypervisor global, a hypervisor intrinsic and a hypervisor helper in a kernel', () => {
    expectSomeAt(ds, 'PVK044', A, bad, 'st = 1');
    expectSomeAt(ds, 'PVK044', A, bad, 'caller()');
    expectSomeAt(ds, 'PVK044', A, bad, 'helper();');
    expect(hits).toHaveLength(8);
    expectNone(ds, 'PVK002');
  });

  it('near miss: hypervisor intrinsics, helpers, own globals, consts and print inside handlers', () => {
    const ok = diags({ [LAB]: LAB_TEXT });
    expectNone(ok, 'PVK044');
    expectClean(ok);
  });

  it('near miss: a kernel function named like a hypervisor intrinsic is an ordinary function in kernels', () => {
    const text = 'fn notify(x: u32) -> u32 { return x; }\n' + prog('    print(notify(1));');
    expectNone(check(text), 'PVK044');
  });
});

describe('PVK045 system names an unknown hypervisor extension', () => {
  it('a name no visible abi block has, with a suggestion', () => {
    const sys = labSystem('typo', '    abi lbb;\n');
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: LAB_KERNEL, [SYS]: sys }, [SYS]);
    const d = expectAt(ds, 'PVK045', SYS, sys, 'lbb');
    expect(d.message).toContain("'lab'");
  });

  it('an extension declared in a file the system file does not import', () => {
    const sys = system('noimport', '4.2', '    abi lab;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n');
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: LAB_KERNEL, [SYS]: sys }, [SYS]);
    expectAt(ds, 'PVK045', SYS, sys, 'lab;');
  });

  it('near miss: an imported extension, and `abi xen;` (the built-in table, always booted)', () => {
    const ds = diags({ [LAB]: LAB_TEXT, [D0]: LAB_KERNEL, [SYS]: labSystem('fine', '    abi xen;\n    abi lab;\n') }, [SYS]);
    expectNone(ds, 'PVK045');
    expectClean(ds);
  });
});

// ---------------------------------------------------------------- coverage of the code table

describe('coverage', () => {
  it('every code of DIAGNOSTIC_CODES has a positive and a negative case above', () => {
    for (const code of Object.keys(DIAGNOSTIC_CODES)) {
      expect(positiveSeen.has(code), `positive case for ${code}`).toBe(true);
      expect(negativeSeen.has(code), `negative case for ${code}`).toBe(true);
    }
  });

  it('the table has the spec\'s codes with the spec\'s severities', () => {
    for (const [code, severity] of Object.entries(SPEC_SEVERITY)) {
      expect((DIAGNOSTIC_CODES as Record<string, { severity: string }>)[code]?.severity, code).toBe(severity);
    }
  });
});
