/**
 * The pvk formatter (sandbox/lang/format.ts): one example per style rule,
 * the shipped examples, and property tests — formatting keeps every token and
 * comment, is idempotent, does not depend on the whitespace the input had
 * between tokens, and leaves text with syntax errors alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPvk } from '../../sandbox/lang/format.js';
import { lex, type Token } from '../../sandbox/lang/lexer.js';
import { parse } from '../../sandbox/lang/parser.js';

const ROOT = join(__dirname, '..', '..');

// ---------------------------------------------------------------- helpers

/** What formatting must keep: token kinds and texts (strings also as written) and comment texts. */
function signature(text: string): { tokens: string[]; comments: string[] } {
  const { tokens, comments } = lex('t.pvk', text);
  return {
    tokens: tokens.map((t) => `${t.kind} ${JSON.stringify(t.text)} ${JSON.stringify(text.slice(t.start, t.end))}`),
    // A line comment loses only its trailing whitespace.
    comments: comments.map((c) => {
      const s = text.slice(c.span.start, c.span.end);
      return s.startsWith('//') ? s.trimEnd() : s;
    }),
  };
}

function hasErrors(text: string): boolean {
  return parse('t.pvk', text).diagnostics.length > 0;
}

/** The lines of `text` outside block comments. */
function codeLines(text: string): string[] {
  const { comments } = lex('t.pvk', text);
  let masked = text;
  for (const c of comments) {
    const s = text.slice(c.span.start, c.span.end);
    if (s.startsWith('/*')) masked = masked.slice(0, c.span.start) + s.replace(/[^\n]/g, 'x') + masked.slice(c.span.end);
  }
  return masked.split('\n');
}

/** Everything a formatted file must satisfy. */
function expectWellFormatted(input: string, output: string): void {
  expect(signature(output)).toEqual(signature(input));
  expect(hasErrors(output)).toBe(false);
  expect(formatPvk(output)).toBe(output);
  if (output === '' || output === '\uFEFF') return;
  expect(output.endsWith('\n')).toBe(true);
  expect(output.endsWith('\n\n')).toBe(false);
  expect(output.startsWith('\n')).toBe(false);
  for (const line of codeLines(output)) {
    expect(line).not.toMatch(/[ \t]$/);
  }
  expect(output).not.toMatch(/\n[ \t]*\n[ \t]*\n/);
}

function pvkFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...pvkFilesUnder(path));
    else if (name.endsWith('.pvk')) out.push(path);
  }
  return out;
}

const EXAMPLE_FILES = pvkFilesUnder(join(ROOT, 'examples'));
const SHIPPED_ABI = readFileSync(join(ROOT, 'sandbox', 'abi', 'xen.pvk'), 'utf8');

// ---------------------------------------------------------------- samples

const KERNEL = `// A kernel using every construct.
import "lib.pvk";

const PAGE_SIZE = 4096;
const MASK = 0xFF_FF;
var ticks: u32 = 0;
var level: i32 = -2147483648;

pvops cpu {
    fn irq_disable();
    fn load_cr3(v: u32);
    fn flags() -> u32;
}

impl cpu for native {
    fn irq_disable() { cli(); }
    fn load_cr3(v: u32) { write_cr3(v); invlpg(v); }
    fn flags() -> u32 { return rdmsr(0x10) + read_cr3(); }
}

impl cpu for xen {
    fn irq_disable() { mem8[vcpu_info()] = 1; }
    fn load_cr3(v: u32) {
        if (hypercall xen_version(0) < 0) { return; }   // too old
        mem32[PAGE_SIZE] = v;
    }
    fn flags() -> u32 { if (xen_domain()) { return 1; } return 0; }
}

/* A rotating checksum
   over guest memory. */
fn checksum(base: u32, len: u32) -> u32 {
    let sum: u32 = 0;
    for i in 0..len {
        sum += mem8[base + i];
        sum = sum << 1 | sum >> 31;
    }
    return sum ^ MASK;
}

fn main() -> u32 {
    let x: u32 = 1;
    let s: i32 = -7;
    let b = !(x == 2) && x >= 3 || false;
    x += 1; x <<= 3; mem32[256] -= 1;
    if (b) {
        print("b");
    } else if (x > 3 && s < 0) {
        print("x>3 \\"q\\"\\t\\\\\\x41\\n");
    } else {
        print("else");
    }
    while (x < 10) {
        x += 1;
        if (x == 8) { break; }
    }

    { let inner = 1; x += inner; }
    cpu.irq_disable();
    cpu.load_cr3(PAGE_SIZE * 2);
    let r: i32 = hypercall console_io(0, 4, 256);
    hypercall sched_op(0, 0);
    let z = (x as i32) * s + - -s;
    let w = ~x >> 2 | x << 1 ^ x & 3;
    let nx = -x as i32;
    return x + checksum(256, 16) + (z + nx + r) as u32 + w;
}
`;

const SYSTEMS = `// Two systems.
system demo {
    hypervisor 4.2;
    pcpus 2;
    patch_pvops;
    domain dom0 { kernel "kernel.pvk"; memory 64; vcpus 1; privileged; }
    domain web {
        kernel "guest.pvk";
        memory 16;   // pages
        mode pv; weight 512; paused;
    }
}

system bare {
    hypervisor none;
    domain solo { kernel "guest.pvk"; memory 4; privileged; mode native; }
}
`;

const ABI = `abi xen {
    // Console output.
    hypercall console_io(cmd: u32, count: u32, buf: u32) -> i32 = 18 stable since 3.0 cost 100;

    hypercall domctl(cmd: u32, domid: u32, arg: u32) -> i32 = 36 dom0 since 3.0 cost 400;
}
`;

const SAMPLES: readonly string[] = [KERNEL, SYSTEMS, ABI, SHIPPED_ABI, ...EXAMPLE_FILES.map((f) => readFileSync(f, 'utf8'))];

// ---------------------------------------------------------------- one example per rule

const CASES: readonly (readonly [string, string, string])[] = [
  [
    'one statement per line, `{` on the line, `}` on its own',
    'fn main() -> u32 { let x = 1; x += 2; return x; }',
    'fn main() -> u32 {\n    let x = 1;\n    x += 2;\n    return x;\n}\n',
  ],
  [
    'Allman braces and a `}` after code move into place',
    'fn f()\n{\n  g(); }\n',
    'fn f() {\n    g();\n}\n',
  ],
  [
    '`} else {` and `} else if (…) {`',
    'fn f(x: u32) {\n    if (x == 0) { a(); }\n    else if (x == 1) { b(); }\n    else\n    { c(); }\n}\n',
    'fn f(x: u32) {\n    if (x == 0) {\n        a();\n    } else if (x == 1) {\n        b();\n    } else {\n        c();\n    }\n}\n',
  ],
  [
    'nested blocks, bare blocks and empty blocks',
    'fn f() { while (true) { { let a = 1; } } }\nfn g() {\n\n}\n',
    'fn f() {\n    while (true) {\n        {\n            let a = 1;\n        }\n    }\n}\nfn g() {}\n',
  ],
  [
    'spaces around binary operators, `=` and compound assignments',
    'fn f() { x=a+b*c-d/e%f; y<<=a<<2|b>>1^c&d; z+=1; z-=1; z*=2; z/=2; z%=3; z&=1; z|=1; z^=1; z>>=1; b=a==b&&c!=d||e<f&&g<=h&&i>j&&k>=l; }',
    'fn f() {\n    x = a + b * c - d / e % f;\n    y <<= a << 2 | b >> 1 ^ c & d;\n    z += 1;\n    z -= 1;\n    z *= 2;\n    z /= 2;\n    z %= 3;\n    z &= 1;\n    z |= 1;\n    z ^= 1;\n    z >>= 1;\n    b = a == b && c != d || e < f && g <= h && i > j && k >= l;\n}\n',
  ],
  [
    '`->` spaced, `:` with one space after only, `,` then one space, no space inside parentheses',
    'fn add ( a:u32 ,b :i32 )->u32 { return add( a ,b ); }',
    'fn add(a: u32, b: i32) -> u32 {\n    return add(a, b);\n}\n',
  ],
  [
    'unary `-`, `!`, `~` attached; binary `-` spaced; `- -x` keeps its space',
    'fn f() { let a: i32 = - 1; let b = ! c; let d = ~ e; let g = a - -1; let h = - - a; let i = -(a) * - b; return - a; }',
    'fn f() {\n    let a: i32 = -1;\n    let b = !c;\n    let d = ~e;\n    let g = a - -1;\n    let h = - -a;\n    let i = -(a) * -b;\n    return -a;\n}\n',
  ],
  [
    '`..` unspaced, `as` with single spaces',
    'fn f() { for i in 0 .. n+1 { x = i as i32; } for j in a..(b) { y = (j)as u32-1; } }',
    'fn f() {\n    for i in 0..n + 1 {\n        x = i as i32;\n    }\n    for j in a..(b) {\n        y = (j) as u32 - 1;\n    }\n}\n',
  ],
  [
    '`G.op(…)` and `mem32[…]` without spaces',
    'fn f() { cpu . load_cr3 ( mem32 [ a + 4 ] ); mem8 [ b ] = 1; mem16[ c ] += 2; }',
    'fn f() {\n    cpu.load_cr3(mem32[a + 4]);\n    mem8[b] = 1;\n    mem16[c] += 2;\n}\n',
  ],
  [
    'a space after `if`, `while`, `for`, `return`, `hypercall`',
    'fn f() -> i32 { if(a){} while(b){} for i in 0..2{} let r = hypercall  console_io(0,1,2); return(r); }',
    'fn f() -> i32 {\n    if (a) {}\n    while (b) {}\n    for i in 0..2 {}\n    let r = hypercall console_io(0, 1, 2);\n    return (r);\n}\n',
  ],
  [
    'blank lines kept between items and statements, runs collapsed to one, none after `{` or before `}`',
    '\n\nconst A = 1;\n\n\n\nconst B = 2;\nfn f() {\n\n    a();\n\n\n    b();\n    c();\n\n}\n\n\n',
    'const A = 1;\n\nconst B = 2;\nfn f() {\n    a();\n\n    b();\n    c();\n}\n',
  ],
  [
    'blank lines inside a statement are removed',
    'fn f() { let x =\n\n  1 +\n\n 2; }',
    'fn f() {\n    let x = 1 + 2;\n}\n',
  ],
  [
    'trailing whitespace removed, tabs re-indented, exactly one final newline',
    'fn f() {   \n\tg();\t\n\t\th();   }',
    'fn f() {\n    g();\n    h();\n}\n',
  ],
  [
    'CRLF line breaks become LF',
    'fn f() {\r\n    g();\r\n\r\n    h();\r\n}\r\n',
    'fn f() {\n    g();\n\n    h();\n}\n',
  ],
  [
    'line comments stay at the end of their line with one space before `//`',
    'const A = 1;// one\nfn f() {   // opens\n    g();      // call\n}// end\n',
    'const A = 1; // one\nfn f() { // opens\n    g(); // call\n} // end\n',
  ],
  [
    'own-line comments are indented like the code; trailing whitespace of a line comment goes',
    '// header   \n\nfn f() {\n// first\n    g();\n        // between\n    h();\n  // last\n}\n',
    '// header\n\nfn f() {\n    // first\n    g();\n    // between\n    h();\n    // last\n}\n',
  ],
  [
    'a comment that breaks a statement: the continuation is indented one level deeper',
    'fn f() {\n    let x = a + // why\n    b;\n    g(x);\n}\n',
    'fn f() {\n    let x = a + // why\n        b;\n    g(x);\n}\n',
  ],
  [
    'block comments are verbatim; inline ones keep their place',
    'fn f(/* no args */) {\n  /* a\n     multi-line   \n   comment */\n  g(/*x=*/ 1, 2 /* two */);  /* after */\n}\n',
    'fn f(/* no args */) {\n    /* a\n     multi-line   \n   comment */\n    g(/*x=*/ 1, 2 /* two */); /* after */\n}\n',
  ],
  [
    'a line comment between `}` and `else` keeps the `else` on the next line',
    'fn f() { if (a) { b(); } // then\n else { c(); } }',
    'fn f() {\n    if (a) {\n        b();\n    } // then\n    else {\n        c();\n    }\n}\n',
  ],
  [
    'pvops and impl items indented like statements; one-line impls are expanded',
    'pvops cpu { fn irq_disable(); fn load(v:u32)->u32; }\nimpl cpu for native { fn irq_disable() { cli(); } fn load(v: u32) -> u32 { return v; } }\n',
    'pvops cpu {\n    fn irq_disable();\n    fn load(v: u32) -> u32;\n}\nimpl cpu for native {\n    fn irq_disable() {\n        cli();\n    }\n    fn load(v: u32) -> u32 {\n        return v;\n    }\n}\n',
  ],
  [
    'system properties one per line, versions unspaced; a one-line domain stays on one line, a multi-line one is expanded',
    'system demo { hypervisor 4.2; pcpus 2;\n  domain dom0 {kernel "dom0.pvk";memory 64;   privileged;}\n  domain web {  kernel "g.pvk"; memory 16;\n vcpus 2; }\n domain x {}\n}\n',
    'system demo {\n    hypervisor 4.2;\n    pcpus 2;\n    domain dom0 { kernel "dom0.pvk"; memory 64; privileged; }\n    domain web {\n        kernel "g.pvk";\n        memory 16;\n        vcpus 2;\n    }\n    domain x {}\n}\n',
  ],
  [
    'abi entries indented, `since 3.0` unspaced',
    'abi xen { hypercall set_pat(value:u32)->i32=40 stable since 4 . 2 cost 50; }',
    'abi xen {\n    hypercall set_pat(value: u32) -> i32 = 40 stable since 4.2 cost 50;\n}\n',
  ],
  [
    'string literals, hex, binary and `_` literals as written',
    'import   "dir/a.pvk" ;\nconst M = 0xFF_FF;\nconst B = 0b1010;\nfn f() { print( "a\\tb\\"c\\\\\\x41\\n" , M ); }',
    'import "dir/a.pvk";\nconst M = 0xFF_FF;\nconst B = 0b1010;\nfn f() {\n    print("a\\tb\\"c\\\\\\x41\\n", M);\n}\n',
  ],
  [
    'a trailing comma in an argument list stays, unspaced',
    'fn f() { g(a, b, ); }',
    'fn f() {\n    g(a, b,);\n}\n',
  ],
  [
    'an extension: globals, helpers and a hypercall with its handler body, and a system naming it (spec 9.1)',
    'abi lab { var total: u32 = 0; fn clamp(v: u32) -> u32 { return v; }\nhypercall counter_op(cmd: u32) -> i32 = 64 stable since 4.2 cost 40 { if (cmd == 0) { total += clamp(cmd); } return total as i32; } }\nsystem s { abi lab; domain d { kernel "k.pvk"; privileged; } }\n',
    'abi lab {\n    var total: u32 = 0;\n    fn clamp(v: u32) -> u32 {\n        return v;\n    }\n    hypercall counter_op(cmd: u32) -> i32 = 64 stable since 4.2 cost 40 {\n        if (cmd == 0) {\n            total += clamp(cmd);\n        }\n        return total as i32;\n    }\n}\nsystem s {\n    abi lab;\n    domain d { kernel "k.pvk"; privileged; }\n}\n',
  ],
];

describe('formatPvk: style rules', () => {
  for (const [name, input, expected] of CASES) {
    it(name, () => {
      expect(hasErrors(input)).toBe(false);
      expect(formatPvk(input)).toBe(expected);
      expectWellFormatted(input, expected);
    });
  }

  it('indent option', () => {
    expect(formatPvk('fn f() { if (a) { b(); } }', { indent: 2 })).toBe('fn f() {\n  if (a) {\n    b();\n  }\n}\n');
    expect(formatPvk('fn f() { b(); }', { indent: 8 })).toBe('fn f() {\n        b();\n}\n');
  });

  it('empty and comment-only files', () => {
    expect(formatPvk('')).toBe('');
    expect(formatPvk('  \n\n\t\n')).toBe('');
    expect(formatPvk('// only a comment   \n\n\n')).toBe('// only a comment\n');
    expect(formatPvk('/* a */ /* b */\n\n\n/* c */')).toBe('/* a */ /* b */\n\n/* c */\n');
  });

  it('returns text with syntax or lexical errors unchanged', () => {
    for (const broken of [
      'fn main() { let x = ; }',
      'fn main()   {  return 1  }\n\n\n',
      'fn f() { g(); ',
      'system s { hypervisor 4. 2; }',
      'fn f() { x = 1 @ 2; }',
      'fn f() { /* unterminated ',
      'fn f() { print("unterminated); }',
      'const X = 0x;',
      'fn f() { let s = "bad \\q"; }',
      '}',
    ]) {
      expect(hasErrors(broken), broken).toBe(true);
      expect(formatPvk(broken), broken).toBe(broken);
    }
  });

  it('keeps a byte-order mark', () => {
    expect(formatPvk('\uFEFFconst A=1;')).toBe('\uFEFFconst A = 1;\n');
  });
});

// ---------------------------------------------------------------- shipped files

describe('formatPvk: shipped files', () => {
  it('finds the examples', () => {
    expect(EXAMPLE_FILES.length).toBeGreaterThan(0);
  });
  for (const file of [...EXAMPLE_FILES, join(ROOT, 'sandbox', 'abi', 'xen.pvk')]) {
    it(`${relative(ROOT, file)} formats idempotently and keeps every token and comment`, () => {
      const text = readFileSync(file, 'utf8');
      expect(hasErrors(text)).toBe(false);
      const out = formatPvk(text);
      expectWellFormatted(text, out);
    });
  }

  it('formats the tour system with its one-line domains kept', () => {
    const text = readFileSync(join(ROOT, 'examples', 'tour', 'tour.pvk'), 'utf8');
    const out = formatPvk(text);
    expect(out).toContain('    domain dom0 { kernel "dom0.pvk"; memory 32; vcpus 1; privileged; }\n');
    expect(out).toContain('    hypervisor 4.2;\n');
  });
});

// ---------------------------------------------------------------- properties

/** Token index ranges (inclusive) of `domain … { … }` blocks, where line breaks decide the layout. */
function domainRanges(tokens: readonly Token[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 2; i < tokens.length; i++) {
    if (tokens[i].kind === 'punct' && tokens[i].text === '{' && tokens[i - 2].kind === 'keyword' && tokens[i - 2].text === 'domain') {
      let j = i;
      while (!(tokens[j].kind === 'punct' && tokens[j].text === '}')) j++;
      ranges.push([i, j]);
    }
  }
  return ranges;
}

function lineBreaks(s: string): number {
  return (s.match(/\r\n|\r|\n/g) ?? []).length;
}

/** True when `a` and `b` written with nothing between still lex as those two tokens. */
function joinable(a: string, b: string): boolean {
  const r = lex('t.pvk', a + b);
  return r.diagnostics.length === 0 && r.comments.length === 0 && r.tokens.length === 3 && r.tokens[0].end === a.length;
}

const WS_SAME_LINE = ['', ' ', '\t  ', '   '];
const WS_ONE_BREAK = ['\n', '\n    ', ' \r\n\t', '\n\t\t\t'];
const WS_BLANK = ['\n\n', '\n \n\t', '\r\n\r\n\r\n', '\n\n\n\n  '];

/**
 * Rewrites the whitespace of some gaps between two tokens (gaps next to a
 * comment are left alone, since a comment's line decides where it goes).
 * A gap's line breaks change freely between none and one; a gap with a blank
 * line keeps one; inside a `domain { … }` block the number of line breaks
 * stays in its class (none, one, more), as the one-line rule depends on it.
 * The mutated text has the same tokens, so it must format to the same text.
 */
function mutate(text: string, edits: readonly (readonly [number, number])[]): string {
  const { tokens, comments } = lex('t.pvk', text);
  const toks = tokens.slice(0, -1);
  const commentStarts = comments.map((c) => c.span.start);
  const domains = domainRanges(toks);
  const gaps: number[] = []; // gap k lies between toks[k] and toks[k + 1]
  let c = 0;
  for (let k = 0; k + 1 < toks.length; k++) {
    while (c < commentStarts.length && commentStarts[c] < toks[k].end) c++;
    const hasComment = c < commentStarts.length && commentStarts[c] < toks[k + 1].start;
    if (!hasComment && toks[k].text !== '.' && toks[k + 1].text !== '.') gaps.push(k);
  }
  if (gaps.length === 0) return text;
  const replacement = new Map<number, string>();
  for (const [g, choice] of edits) {
    const k = gaps[g % gaps.length];
    const old = text.slice(toks[k].end, toks[k + 1].start);
    const breaks = lineBreaks(old);
    const inDomain = domains.some(([lo, hi]) => k >= lo && k < hi);
    let pool: string[];
    if (breaks >= 2) pool = WS_BLANK;
    else if (inDomain) pool = breaks === 0 ? WS_SAME_LINE : WS_ONE_BREAK;
    else pool = [...WS_SAME_LINE, ...WS_ONE_BREAK];
    let ws = pool[choice % pool.length];
    if (ws === '' && !joinable(text.slice(toks[k].start, toks[k].end), text.slice(toks[k + 1].start, toks[k + 1].end))) ws = ' ';
    replacement.set(k, ws);
  }
  let out = '';
  let from = 0;
  for (const k of [...replacement.keys()].sort((a, b) => a - b)) {
    out += text.slice(from, toks[k].end) + replacement.get(k);
    from = toks[k + 1].start;
  }
  return out + text.slice(from);
}

describe('formatPvk: properties', () => {
  it('(a) whitespace between tokens does not change the result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 60 }),
        (text, edits) => {
          const mutated = mutate(text, edits);
          expect(hasErrors(mutated)).toBe(false);
          const out = formatPvk(mutated);
          expect(out).toBe(formatPvk(text));
          expect(signature(out)).toEqual(signature(mutated));
        },
      ),
      { numRuns: 300 },
    );
  });

  const FRAGMENTS = [
    'fn', 'let', 'if', 'else', 'while', 'for', 'in', 'return', 'break', 'continue', 'as', 'true', 'false',
    'pvops', 'impl', 'system', 'domain', 'abi', 'hypercall', 'u32', 'i32', 'bool', 'import', 'const', 'var',
    'x', 'main', 'cpu', 'mem32', 'native', 'kernel', '0', '42', '0x1f', '4.2', '"s"', '"a\\n"',
    '(', ')', '{', '}', '[', ']', ';', ',', ':', '.', '..', '->', '=', '==', '+', '-', '*', '/', '<<=', '!', '~', '&&',
    ' ', '  ', '\n', '\n\n', '\t', '// c\n', '/* b */', '/*', '*/', '"', '\\', '@', '#', '\r', '\uFEFF', 'é',
  ];

  it('(b) random text: never throws; unchanged when it has errors, well formatted otherwise', () => {
    const garbage = fc.oneof(
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join('')),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        const out = formatPvk(text);
        if (hasErrors(text)) expect(out).toBe(text);
        else expectWellFormatted(text, out);
      }),
      { numRuns: 2000 },
    );
  });

  it('(b) a valid program with one token removed or duplicated is returned unchanged or well formatted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.nat(), fc.boolean(), (text, n, dup) => {
        const tokens = lex('t.pvk', text).tokens.slice(0, -1);
        const t = tokens[n % tokens.length];
        const broken = dup ? text.slice(0, t.end) + ' ' + text.slice(t.start) : text.slice(0, t.start) + ' ' + text.slice(t.end);
        const out = formatPvk(broken);
        if (hasErrors(broken)) expect(out).toBe(broken);
        else expectWellFormatted(broken, out);
      }),
      { numRuns: 500 },
    );
  });

  // Random programs from a small grammar, written with random whitespace and comments between tokens.
  const name = fc.constantFrom('a', 'b', 'x', 'native', 'since', 'dom0');
  const expr: fc.Arbitrary<string[]> = fc.letrec<{ e: string[] }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
      name.map((n) => [n]),
      fc.constantFrom('0', '7', '0x1f', '0b11', '1_000', 'true', 'false').map((v) => [v]),
      fc.tuple(fc.constantFrom('-', '!', '~'), tie('e')).map(([op, e]) => [op, ...e]),
      fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '==', '!=', '<', '<=', '>', '>=', '&&', '||'), tie('e')).map(([l, op, r]) => [...l, op, ...r]),
      tie('e').map((e) => ['(', ...e, ')']),
      tie('e').map((e) => [...e, 'as', 'i32']),
      fc.tuple(name, fc.array(tie('e'), { maxLength: 3 })).map(([f, args]) => [f, '(', ...args.flatMap((a, k) => (k ? [',', ...a] : a)), ')']),
      tie('e').map((e) => ['mem32', '[', ...e, ']']),
      tie('e').map((e) => ['cpu', '.', 'op', '(', ...e, ')']),
      tie('e').map((e) => ['hypercall', 'sched_op', '(', ...e, ',', '0', ')']),
    ),
  })).e;
  const stmt: fc.Arbitrary<string[]> = fc.letrec<{ s: string[]; b: string[] }>((tie) => ({
    s: fc.oneof(
      { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
      fc.tuple(name, expr).map(([n, e]) => ['let', n, ':', 'u32', '=', ...e, ';']),
      fc.tuple(name, fc.constantFrom('=', '+=', '<<=', '^='), expr).map(([n, op, e]) => [n, op, ...e, ';']),
      fc.tuple(expr, expr).map(([a, e]) => ['mem8', '[', ...a, ']', '=', ...e, ';']),
      expr.map((e) => [...e, ';']),
      expr.map((e) => ['return', ...e, ';']),
      fc.constantFrom<string[]>(['return', ';'], ['break', ';'], ['continue', ';']),
      fc.tuple(expr, tie('b'), fc.option(fc.oneof(tie('b'), fc.tuple(expr, tie('b')).map(([c, b]) => ['if', ...c, ...b])))).map(([c, b, e]) => ['if', ...c, ...b, ...(e ? ['else', ...e] : [])]),
      fc.tuple(expr, tie('b')).map(([c, b]) => ['while', '(', ...c, ')', ...b]),
      fc.tuple(name, expr, expr, tie('b')).map(([n, lo, hi, b]) => ['for', n, 'in', ...lo, '..', ...hi, ...b]),
      tie('b'),
    ),
    b: fc.array(tie('s'), { maxLength: 4 }).map((ss) => ['{', ...ss.flat(), '}']),
  })).s;
  const item: fc.Arbitrary<string[]> = fc.oneof(
    fc.tuple(name, fc.array(stmt, { maxLength: 4 })).map(([n, ss]) => ['fn', n, '(', 'p', ':', 'u32', ',', 'q', ':', 'bool', ')', '->', 'u32', '{', ...ss.flat(), '}']),
    fc.tuple(name, expr).map(([n, e]) => ['const', n, '=', ...e, ';']),
    fc.tuple(name, fc.array(stmt, { maxLength: 2 })).map(([n, ss]) => ['impl', 'cpu', 'for', n, '{', 'fn', 'op', '(', ')', '{', ...ss.flat(), '}', '}']),
    fc.constant<string[]>(['system', 's', '{', 'hypervisor', '4', '.', '2', ';', 'domain', 'd', '{', 'kernel', '"k.pvk"', ';', 'memory', '4', ';', 'privileged', ';', '}', '}']),
    fc.constant<string[]>(['pvops', 'cpu', '{', 'fn', 'op', '(', 'v', ':', 'u32', ')', '->', 'u32', ';', '}']),
  );
  const SEPARATORS = ['', ' ', '  ', '\n', '\n\n', '\n\n\n', '\t', ' /* c */ ', ' /*\n*/', ' // c \n', '\n// own line\n'];

  it('(c) random programs: well formatted, and the same whatever whitespace the input had', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(SEPARATORS.length - 1), { minLength: 1 }), (items, seps) => {
        const toks = items.flat();
        let text = '';
        let plain = '';
        toks.forEach((t, k) => {
          if (k > 0) {
            const prev = toks[k - 1];
            // No whitespace at all inside a version such as 4.2.
            let sep = prev === '.' || t === '.' ? '' : SEPARATORS[seps[k % seps.length]];
            if (sep === '' && prev !== '.' && t !== '.' && !joinable(prev, t)) sep = ' ';
            text += sep;
            plain += prev === '.' || t === '.' ? '' : ' ';
          }
          text += t;
          plain += t;
        });
        expect(hasErrors(text), text).toBe(false);
        const out = formatPvk(text);
        expectWellFormatted(text, out);
        // Without comments or blank lines, the layout is all the formatter's (except for one-line domains).
        if (!toks.includes('domain')) expect(formatPvk(plain.replace(/ /g, '\n'))).toBe(formatPvk(plain));
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------- speed

describe('formatPvk: speed', () => {
  // Its speed is measured in `npm run bench frontend`, beside a baseline, not here.
  it('formats 10,000 lines, and formatting the result changes nothing', () => {
    // Repeated definitions are a checker error, not a syntax error: the formatter does not mind.
    const copies = Math.ceil(10_000 / (KERNEL.split('\n').length - 1));
    const text = Array.from({ length: copies }, () => KERNEL).join('\n');
    expect(hasErrors(text)).toBe(false);
    const once = formatPvk(text);
    expect(text.split('\n').length).toBeGreaterThanOrEqual(10_000);
    expect(once.split('\n').length).toBeGreaterThanOrEqual(10_000);
    expect(hasErrors(once)).toBe(false);
    expect(formatPvk(once)).toBe(once);
  });
});
