/**
 * Property tests for the pvk front-end: whatever the input, `parse` and
 * `analyze` never throw, and every diagnostic is well-formed (span inside the
 * file, PVKnnn code, known severity, non-empty message). Valid sample programs
 * covering every construct of the spec produce no error diagnostics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../sandbox/lang/analysis.js';
import type { Diagnostic } from '../../sandbox/lang/diagnostics.js';
import { lex, type Token } from '../../sandbox/lang/lexer.js';
import { parse } from '../../sandbox/lang/parser.js';
import { Workspace } from '../../sandbox/lang/program.js';
// The shipped hypercall table, as text (vitest.config.ts loads .pvk files as strings).
import SHIPPED_ABI from '../../sandbox/abi/xen.pvk';

// ---------------------------------------------------------------- valid samples

const SYS = `// Two systems: a paravirtualized machine and bare metal.
system demo {
    hypervisor 4.2;
    pcpus 2;
    timeslice 10000;
    patch_pvops;
    domain dom0 { kernel "kernel.pvk"; memory 64; vcpus 1; privileged; }
    domain web  { kernel "guest.pvk"; memory 16; vcpus 2; mode pv; weight 512; paused; }
    domain box  { kernel "guest.pvk"; memory 16; mode hvm; cap 50; }
}

system bare {
    hypervisor none;
    pcpus 1;
    domain solo { kernel "guest.pvk"; memory 4; privileged; mode native; }
}
`;

const KERNEL = `// dom0 kernel: every item and statement form.
import "lib.pvk";

const PAGE_SIZE = 4096;
const PAGES = PAGE_SIZE / 1024 + LIB_PAGES;
const MASK = 0xFF_FF;
const BITS = 0b1010_1010;
const BIG = 1_000_000;
var ticks: u32 = 0;
var ready: bool = false;
var level: i32 = -2147483648;

pvops cpu {
    fn irq_disable();
    fn irq_enable();
    fn load_cr3(v: u32);
    fn flags() -> u32;
}

impl cpu for native {
    fn irq_disable() { cli(); }
    fn irq_enable() { sti(); }
    fn load_cr3(v: u32) { write_cr3(v); invlpg(v); }
    fn flags() -> u32 {
        outb(0x3f8, 65);
        wrmsr(0x10, inb(0x60));
        hlt();
        return rdmsr(0x10) + read_cr3();
    }
}

impl cpu for xen {
    fn irq_disable() { mem8[vcpu_info()] = 1; }
    fn irq_enable() { mem8[vcpu_info()] = 0; }
    fn load_cr3(v: u32) {
        if (hypercall xen_version(0) < 0) { return; }
        mem32[PAGE_SIZE] = v;
    }
    fn flags() -> u32 { if (xen_domain()) { return 1; } return 0; }
}

fn on_event(port: u32) {
    ticks += 1;
    print("event ", port, " ticks=", ticks);
}

fn sdiv(a: i32, b: i32) -> i32 {
    if (b == 0) { return 0; }
    return a / b % 7;
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
    let y = x + 2;
    let s: i32 = -7;
    let b = !(x == y) && y >= 3 || false;
    x = y; x += 1; x -= 1; x *= 3; x /= 2; x %= 7; x &= 0xff; x |= 0b1; x ^= 2; x <<= 3; x >>= 1;
    let a: u32 = 256;
    mem32[a] = x; mem32[a] += 1; mem32[a] -= 1; mem32[a] *= 2; mem32[a] /= 2; mem32[a] %= 1000;
    mem16[a + 4] &= MASK; mem16[a + 4] |= 1; mem8[a + 8] ^= 0x0f; mem8[a + 8] <<= 1; mem8[a + 8] >>= s;
    mem8[a + 12] = s;
    mem16[a + 14] = BITS;
    mem32[a + 16] = -1;
    if (b) {
        print("b");
    } else if (x > 3 && s < 0) {
        print("x>3");
    } else {
        print("else");
    }
    let i: u32 = 0;
    while (i < 10) {
        i += 1;
        if (i == 5) { continue; }
        if (i == 8) { break; }
    }
    for j in 0..PAGES { x += j; }
    cpu.irq_disable();
    cpu.load_cr3(PAGE_SIZE * 2);
    cpu.irq_enable();
    x += cpu.flags();
    let r: i32 = hypercall console_io(0, 4, a);
    hypercall sched_op(0, 0);
    if (hypercall set_pat(0) == -38) { print("no pat"); }
    let dom = hypercall domctl(5, 1, 0);
    let phys = hypercall sysctl(1, 0);
    print("x=", x, " s=", s, " b=", b, " r=", r, " \\"q\\"\\t\\\\\\x41\\n", dom + phys);
    let z = (x as i32) * s + sdiv(s, -2);
    let w = ~x >> 2 | x << 1 ^ x & 3;
    let c = cmpxchg(a, 0, 1);
    let t = rdtsc() + vcpu_id() + domain_id() + vcpu_info();
    let neg: i32 = -2147483648;
    let u = 0x80000000 as i32;
    let sh: i32 = s >> 1;
    let sh2 = x << s;
    ready = vcpu_id() == 0 && !ready;
    level = z + sh;
    log_value(7, level);
    let nx = -x as i32;
    return x + double(c) + checksum(a, 16) + (z + neg + u + nx) as u32 + t + w + sh2 + BIG;
}
`;

const LIB = `// Helpers shared by both kernels (import cycle with util.pvk).
import "util.pvk";

const LIB_PAGES = 2;

fn double(v: u32) -> u32 { return twice(v); }

fn log_value(tag: u32, v: i32) {
    print("[", tag, "] ", v);
}
`;

const UTIL = `import "lib.pvk";
fn twice(v: u32) -> u32 { return v * LIB_PAGES; }
`;

const GUEST = `// Guest kernel: contextual words as names, signed arithmetic, hypercalls.
import "lib.pvk";

var native: u32 = 1;
const xen = 2;

fn stable(dom0: u32, since: u32) -> u32 { return dom0 + since; }

fn cost(kernel: u32) -> u32 {
    let memory: u32 = kernel * 4;
    let mode = memory + xen;
    mode <<= 1;
    return mode;
}

fn signed_ops(a: i32, b: i32) -> i32 {
    let q = a / b;
    let r = a % b;
    if (a < b && q >= -1 || r != 0) { return q - r; }
    return -a;
}

fn main() -> u32 {
    let id = vcpu_id();
    if (id != 0) { return 0; }
    native = native + xen;
    for since in 0..xen { native += since; }
    let dom0 = stable(native, cost(3));
    let rc = hypercall event_channel_op(6, 0, 0);
    if (rc < 0) { log_value(1, rc); }
    let port = rc as u32;
    hypercall event_channel_op(4, port, 0);
    let g = hypercall grant_table_op(100, 0, 1, 0, 0);
    let ok = g >= 0;
    if (!ok) { print("grant failed ", g); }
    let v = signed_ops(-9, 2) as u32;
    hypercall sched_op(2, dom0 + v + double(1));
    return dom0;
}
`;

/** A user-written abi block parses cleanly (the checker rejects it with PVK015 by design). */
const ABI = `abi xen {
    // Console output.
    hypercall console_io(cmd: u32, count: u32, buf: u32) -> i32 = 18 stable since 3.0 cost 100;
    hypercall domctl(cmd: u32, domid: u32, arg: u32) -> i32 = 36 dom0 since 3.0 cost 400;
}
`;

const DIR = '/mem/samples';
const SAMPLES: ReadonlyMap<string, string> = new Map([
  [`${DIR}/sys.pvk`, SYS],
  [`${DIR}/kernel.pvk`, KERNEL],
  [`${DIR}/guest.pvk`, GUEST],
  [`${DIR}/lib.pvk`, LIB],
  [`${DIR}/util.pvk`, UTIL],
]);
const SAMPLE_ROOTS = [...SAMPLES.keys()];
/** Mutation sources: the samples, a user abi block and the shipped hypercall table. */
const MUTABLE: readonly { file: string; text: string }[] = [
  ...[...SAMPLES].map(([file, text]) => ({ file, text })),
  { file: `${DIR}/abi.pvk`, text: ABI },
  { file: `${DIR}/xen.pvk`, text: SHIPPED_ABI },
];

// ---------------------------------------------------------------- invariants

const SEVERITIES = new Set(['error', 'warning', 'info', 'hint']);

function describeDiag(d: Diagnostic): string {
  return JSON.stringify(d);
}

/** Throws when a diagnostic is malformed for a file of text `text`. */
function validate(ds: readonly Diagnostic[], file: string, text: string): void {
  for (const d of ds) {
    const where = `${describeDiag(d)} in ${file} (length ${text.length})`;
    if (!d.span || !Number.isInteger(d.span.start) || !Number.isInteger(d.span.end)) throw new Error(`span is not integral: ${where}`);
    if (!(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= text.length)) throw new Error(`span out of range: ${where}`);
    if (typeof d.code !== 'string' || !/^PVK\d{3}$/.test(d.code)) throw new Error(`bad code: ${where}`);
    if (!SEVERITIES.has(d.severity)) throw new Error(`bad severity: ${where}`);
    if (typeof d.message !== 'string' || d.message.trim() === '') throw new Error(`empty message: ${where}`);
    if (d.file !== file) throw new Error(`diagnostic filed under ${file} names ${d.file}: ${where}`);
  }
}

/** Throws unless the tokens are in order, inside the text, and each word or punctuator is the text it covers. */
function validateTokens(tokens: readonly Token[], file: string, text: string): void {
  let prev = 0;
  tokens.forEach((t, k) => {
    const where = `token ${k} ${JSON.stringify({ kind: t.kind, text: t.text, span: t.span })} in ${file} (length ${text.length})`;
    if (!(t.span.start >= prev && t.span.start <= t.span.end && t.span.end <= text.length)) throw new Error(`token span out of order or range: ${where}`);
    if ((t.kind === 'ident' || t.kind === 'keyword' || t.kind === 'punct' || t.kind === 'int') && text.slice(t.span.start, t.span.end) !== t.text) {
      throw new Error(`token text differs from the source it covers (${JSON.stringify(text.slice(t.span.start, t.span.end))}): ${where}`);
    }
    prev = t.span.end;
  });
  const last = tokens[tokens.length - 1];
  if (!last || last.kind !== 'eof') throw new Error(`token stream of ${file} does not end with eof`);
}

/** parse every file and analyze the roots; nothing may throw and every diagnostic must be well-formed. */
function checkFrontEnd(files: ReadonlyMap<string, string>, roots: readonly string[]): void {
  for (const [file, text] of files) {
    const r = parse(file, text);
    validate(r.diagnostics, file, text);
    validateTokens(r.tokens, file, text);
  }
  const ws = new Workspace({ readFile: (p) => files.get(p) });
  const result = analyze(ws, roots);
  for (const [file, ds] of result.diagnostics) {
    const text = files.get(file);
    if (text === undefined) throw new Error(`diagnostics for a file that does not exist: ${file}`);
    validate(ds, file, text);
  }
}

/** The input as /mem/r/a.pvk, imported by /mem/r/b.pvk; analyzed as a root or only through the import. */
function checkSingle(text: string, directRoot: boolean): void {
  const a = '/mem/r/a.pvk';
  const b = '/mem/r/b.pvk';
  const files = new Map([
    [a, text],
    [b, 'import "a.pvk";\nfn main() -> u32 { return 0; }\n'],
  ]);
  checkFrontEnd(files, directRoot ? [a, b] : [b]);
}

// ---------------------------------------------------------------- arbitraries

const KEYWORDS = [
  'import', 'const', 'var', 'fn', 'let', 'if', 'else', 'while', 'for', 'in', 'return', 'break', 'continue', 'as',
  'true', 'false', 'pvops', 'impl', 'system', 'domain', 'abi', 'hypercall', 'u32', 'i32', 'bool',
];
const CONTEXTUAL = ['native', 'xen', 'stable', 'dom0', 'since', 'cost', 'kernel', 'memory', 'mode', 'hypervisor', 'none', 'privileged', 'paused', 'pv', 'hvm'];
const PUNCT = [
  '<<=', '>>=', '..', '->', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '=', '(', ')', '{', '}', '[', ']', ';', ',', ':', '.',
];
const PIECES = [
  ...KEYWORDS, ...CONTEXTUAL, ...PUNCT,
  'x', 'y', 'main', 'f', 'G', 'op', 'cpu', 'mem8', 'mem16', 'mem32', 'print', 'cli', 'xen_domain', 'console_io', 'sched_op', '_', '_1',
  '0', '1', '42', '0x2a', '0xFF_FF', '0b101', '1_000', '0xFFFFFFFF', '0x100000000', '2147483648', '1__0', '0b102', '0x', '4.2', '3.0',
  '"', '"abc"', '"a\\n\\x41"', '"\\q"', '\\', "'", '//', '/*', '*/', '// c\n', '/* c */',
  ' ', ' ', ' ', '\n', '\r\n', '\t', '😀', 'é', '\0', '\uD800',
  'fn main() -> u32 {', 'let x: u32 = ', 'return 0;', 'pvops G { fn op(); }', 'impl G for xen {', 'system s {', 'domain d {',
  'kernel "a.pvk";', 'import "a.pvk";', 'import "b.pvk";', 'hypercall sched_op(0, 0)', 'G.op(1)',
];

const pieceArb = fc.constantFrom(...PIECES);

/** (a) random sequences of pvk-ish pieces, glued directly or with spaces. */
const pvkishArb = fc
  .tuple(fc.array(pieceArb, { maxLength: 60 }), fc.constantFrom('', ' ', '\n'))
  .map(([parts, sep]) => parts.join(sep));

/** Places a fragment in a few contexts so that it reaches deeper parser states. */
const inContext = (inner: fc.Arbitrary<string>) =>
  fc.tuple(inner, fc.nat(5)).map(([s, k]) => {
    switch (k) {
      case 1: return `fn main() -> u32 {\n${s}\n}`;
      case 2: return `fn f() { let x = ${s}; }`;
      case 3: return `system s { domain d { ${s} } }`;
      case 4: return `fn f() { print("${s}"); }`;
      default: return s;
    }
  });

/** (c) fully random UTF-16 text: any code unit (lone surrogates, NUL), any code point, and a few specials. */
const unicodeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0x3fff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('\0', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '"', '\\', '/', '*', '\n', '\r', '{', '}', '0', 'x', '_') },
  { weight: 2, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
);
const unicodeArb = fc.string({ unit: unicodeUnit, maxLength: 120 });

type Mutation = { kind: 'delete' | 'duplicate' | 'move' | 'swap' | 'piece'; a: number; b: number; len: number; piece: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'move', 'swap', 'piece'),
  a: fc.nat(),
  b: fc.nat(),
  len: fc.integer({ min: 1, max: 4 }),
  piece: pieceArb,
});

/** Applies token-sized edits to a program (token boundaries from the lexer, re-lexed after each edit). */
function mutate(file: string, text: string, muts: readonly Mutation[]): string {
  let t = text;
  for (const m of muts) {
    const toks = lex(file, t).tokens.filter((k) => k.kind !== 'eof');
    const n = toks.length;
    if (n === 0) {
      t = m.piece + t;
      continue;
    }
    const i = m.a % n;
    const j = Math.min(n - 1, i + m.len - 1);
    const s = toks[i].span.start;
    const e = toks[j].span.end;
    const at = toks[m.b % n].span.start;
    const slice = t.slice(s, e);
    switch (m.kind) {
      case 'delete':
        t = t.slice(0, s) + t.slice(e);
        break;
      case 'duplicate':
        t = t.slice(0, e) + ' ' + slice + t.slice(e);
        break;
      case 'move': // copy the slice to another token boundary
        t = t.slice(0, at) + slice + ' ' + t.slice(at);
        break;
      case 'swap': {
        const k = m.b % n;
        const l = Math.min(n - 1, k + m.len - 1);
        const s2 = toks[k].span.start;
        const e2 = toks[l].span.end;
        if (e2 <= s) t = t.slice(0, s2) + slice + t.slice(e2, s) + t.slice(s2, e2) + t.slice(e);
        else if (s2 >= e) t = t.slice(0, s) + t.slice(s2, e2) + t.slice(e, s2) + slice + t.slice(e2);
        break; // overlapping slices: no-op
      }
      case 'piece':
        t = t.slice(0, at) + m.piece + t.slice(at);
        break;
    }
  }
  return t;
}

// ---------------------------------------------------------------- tests

describe('valid sample programs', () => {
  it('parse without any syntax diagnostic', () => {
    for (const { file, text } of MUTABLE) {
      expect(parse(file, text).diagnostics.map(describeDiag), file).toEqual([]);
    }
  });

  it('analyze with zero error diagnostics (no checker false positives)', () => {
    const ws = new Workspace({ readFile: (p) => SAMPLES.get(p) });
    const result = analyze(ws, SAMPLE_ROOTS);
    expect([...result.files].sort()).toEqual([...SAMPLE_ROOTS].sort());
    for (const [file, ds] of result.diagnostics) {
      validate(ds, file, SAMPLES.get(file) as string);
      expect(ds.filter((d) => d.severity === 'error').map(describeDiag), file).toEqual([]);
    }
    // the systems were read and boot the kernels
    expect(result.systems.map((s) => [s.config.name, s.bootable])).toEqual([['demo', true], ['bare', true]]);
    expect(result.contexts.get(`${DIR}/guest.pvk`)?.length).toBe(3);
  });

  it('each kernel also checks without errors on its own', () => {
    for (const root of [`${DIR}/kernel.pvk`, `${DIR}/guest.pvk`]) {
      const ws = new Workspace({ readFile: (p) => SAMPLES.get(p) });
      const result = analyze(ws, [root]);
      for (const [file, ds] of result.diagnostics) {
        expect(ds.filter((d) => d.severity === 'error').map(describeDiag), `${root}: ${file}`).toEqual([]);
      }
    }
  });
});

describe('front-end robustness (property)', () => {
  it('(a) random pvk-ish token soup never makes parse/analyze throw; diagnostics are well-formed', () => {
    fc.assert(
      fc.property(inContext(pvkishArb), fc.boolean(), (text, direct) => {
        checkSingle(text, direct);
      }),
      { numRuns: 10000 },
    );
  });

  it('(b) token-level mutations of the valid samples never make parse/analyze throw; diagnostics are well-formed', () => {
    fc.assert(
      fc.property(
        fc.nat(MUTABLE.length - 1),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (which, muts) => {
          const { file, text } = MUTABLE[which];
          const mutated = mutate(file, text, muts);
          const files = new Map(SAMPLES);
          files.set(file, mutated);
          checkFrontEnd(files, SAMPLES.has(file) ? SAMPLE_ROOTS : [file, ...SAMPLE_ROOTS]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('(b) mutated samples also hold up as a single file imported by another', () => {
    fc.assert(
      fc.property(fc.nat(MUTABLE.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (which, muts, direct) => {
        const { file, text } = MUTABLE[which];
        checkSingle(mutate(file, text, muts), direct);
      }),
      { numRuns: 2000 },
    );
  });

  it('(c) fully random unicode text (NUL, lone surrogates, astral) never makes parse/analyze throw', () => {
    fc.assert(
      fc.property(inContext(unicodeArb), fc.boolean(), (text, direct) => {
        checkSingle(text, direct);
      }),
      { numRuns: 10000 },
    );
  });
});

describe('front-end robustness (deep input)', () => {
  // parse() "never throws" and analyze() must not either: deeply nested or very
  // long input (e.g. generated code) must not overflow the stack. A depth limit
  // reported as a diagnostic would be fine; an exception is not.
  const cases: [string, string][] = [
    ['20000 nested parentheses', `fn main() -> u32 { return ${'('.repeat(20000)}1${')'.repeat(20000)}; }`],
    ['a 20000-term sum of literals', `fn main() -> u32 { return 1${' + 1'.repeat(20000)}; }`],
    ['a 20000-term sum of a variable', `fn main() -> u32 { let a: u32 = 1; return a${' + a'.repeat(20000)}; }`],
    ['20000 nested blocks', `fn main() { ${'{'.repeat(20000)}${'}'.repeat(20000)} }`],
    ['10000 nested ifs', `fn main() { ${'if (true) { '.repeat(10000)}${'}'.repeat(10000)} }`],
    ['a 20000-long else-if chain', `fn main() { if (true) { }${' else if (true) { }'.repeat(20000)} }`],
    ['50000 unary operators', `fn main() { let x = ${'~'.repeat(50000)}1; }`],
  ];
  it.each(cases)('%s: parse does not throw', (_name, text) => {
    let diagnostics: Diagnostic[] = [];
    expect(() => {
      diagnostics = parse('/mem/deep.pvk', text).diagnostics;
    }).not.toThrow();
    validate(diagnostics, '/mem/deep.pvk', text);
  });
  it.each(cases)('%s: analyze does not throw', (_name, text) => {
    expect(() => checkSingle(text, true)).not.toThrow();
  });
});
