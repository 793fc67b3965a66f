/**
 * Depth limits count nesting, not length (docs/LANGUAGE-NOTES.md, "Limits"):
 * long flat code — sums of 10,000 terms, `&&` chains, `else if` chains of
 * 1,000 branches and more — checks without diagnostics, formats, and runs on
 * all three engines with byte-identical reports (and profiles exactly); real nesting past the limit
 * is still a clean PVK001.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../sandbox/lang/analysis.js';
import type { Diagnostic } from '../../sandbox/lang/diagnostics.js';
import { formatPvk } from '../../sandbox/lang/format.js';
import { MAX_NESTING, parse } from '../../sandbox/lang/parser.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { profileSystem } from '../../sandbox/profile/profileSystem.js';
import { evaluate } from '../../sandbox/debug/evaluate.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import type { DomainReport } from '../../sandbox/run/report.js';
import { runSystem } from './sandbox/helpers.js';

const ENGINES: EngineKind[] = ['fast', 'step', 'interpreter'];
const SYSTEM = `system s {\n    hypervisor 4.2;\n    domain d0 { kernel "k.pvk"; memory 4; privileged; }\n}\n`;

function diagnosticsOf(kernel: string): Diagnostic[] {
  const files = new Map([['/t/sys.pvk', SYSTEM], ['/t/k.pvk', kernel]]);
  const analysis = analyze(new Workspace({ readFile: (p) => files.get(p) }), ['/t/sys.pvk']);
  return [...analysis.diagnostics.values()].flat();
}

/** Checks the kernel (no diagnostic at all), runs it on every engine (identical reports) and returns the domain. */
function checkAndRun(kernel: string): DomainReport {
  expect(diagnosticsOf(kernel).map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const reports = ENGINES.map((engine) => JSON.stringify(runSystem({ '/t/sys.pvk': SYSTEM, '/t/k.pvk': kernel }, { engine, maxCycles: 50_000_000 })));
  for (const r of reports.slice(1)) expect(r).toBe(reports[0]);
  const dom = (JSON.parse(reports[0]) as { domains: DomainReport[] }).domains[0];
  expect(dom.fault).toBeNull();
  // The profiling engine: the same run, every cycle attributed to a line or a named frame.
  const files = new Map([['/t/sys.pvk', SYSTEM], ['/t/k.pvk', kernel]]);
  const profiled = profileSystem(new Workspace({ readFile: (p) => files.get(p) }), { file: '/t/sys.pvk', options: { maxCycles: 50_000_000 } });
  if (!profiled.ok) throw new Error(profiled.message);
  expect(JSON.stringify(profiled.report)).toBe(reports[0]);
  const lines = profiled.profile.lines.reduce((a, l) => a + l.cycles, 0);
  const named = profiled.profile.nodes.filter((n) => n.domain === 0 && n.kind !== 'function').reduce((a, n) => a + n.self, 0);
  expect(lines + named).toBe(dom.cycles);
  return dom;
}

/** The formatter keeps long code (and is idempotent on it). */
function formatsStably(text: string): void {
  const once = formatPvk(text);
  expect(formatPvk(once)).toBe(once);
}

const terms = (n: number, term: (i: number) => string, op: string) => Array.from({ length: n }, (_, i) => term(i)).join(` ${op} `);

describe('long flat expressions check and run', () => {
  it('a sum of 10,000 terms of a variable', () => {
    const k = `fn main() -> u32 {\n    let a: u32 = 1;\n    let s = ${terms(10_000, () => 'a', '+')};\n    return s;\n}\n`;
    expect(checkAndRun(k)).toMatchObject({ state: 'exited', exitCode: 10_000 });
    formatsStably(k);
  });

  it('a sum of 10,000 literals: a const, a global initial value and a return value', () => {
    const sum = terms(10_000, () => '1', '+');
    const k = `const N = ${sum};\nvar g: u32 = ${sum};\nfn main() -> u32 {\n    print(N, " ", g);\n    return ${sum};\n}\n`;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 10_000, console: '10000 10000\n' });
  });

  it('10,000 terms mixing precedences, a 10,000-factor right operand, memory and print', () => {
    const k = `fn main() -> u32 {
    let a: u32 = 1;
    mem32[${terms(10_000, () => 'a', '*')} * 64] = ${terms(5_000, (i) => `a * ${i % 7}`, '+')};
    print(mem32[64], " ", a + ${terms(10_000, () => 'a', '*')});
    return mem32[${terms(10_000, () => 'a', '-')} + 10062];
}\n`;
    const expected = Array.from({ length: 5_000 }, (_, i) => i % 7).reduce((s, x) => s + x, 0);
    expect(checkAndRun(k)).toMatchObject({ exitCode: expected, console: `${expected} 2\n` });
  });

  it('&& and || chains of 10,000 comparisons decide branches', () => {
    const k = `fn main() -> u32 {
    let a: u32 = 3;
    let r: u32 = 0;
    if (${terms(10_000, (i) => `a != ${i + 4}`, '&&')}) { r += 1; }
    if (${terms(10_000, (i) => `a == ${i + 4}`, '||')}) { r += 10; }
    while (${terms(10_000, () => 'r < 5', '&&')}) { r += 2; }
    return r;
}\n`;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 5 });
  });

  it('a sum of 2,000 calls (each hoisted out of the expression, in order)', () => {
    const k = `var order: u32 = 0;
fn f(i: u32) -> u32 { order = order * 3 + i; return i; }
fn main() -> u32 {
    let s = ${terms(2_000, (i) => `f(${i + 1})`, '+')};
    print(order);
    return s;
}\n`;
    let order = 0;
    for (let i = 1; i <= 2_000; i++) order = (Math.imul(order, 3) + i) >>> 0;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 2_001_000, console: `${order}\n` });
  });
});

describe('a long chain split into temporaries keeps left-to-right evaluation', () => {
  // The same 200 terms written flat (lowered in pieces through temporaries) and
  // in parenthesised groups of 40 (lowered as before): every observable —
  // rdtsc, console, cycles, the fault and where — must be the same.
  const flat = (term: string) => terms(200, () => term, '+');
  const grouped = (term: string) => Array.from({ length: 5 }, () => `(${terms(40, () => term, '+')})`).join(' + ');
  const cases: [string, (chain: string) => string][] = [
    ['a store: its address (with rdtsc) before its value', (c) => `fn main() -> u32 { mem32[0x100] = 1; mem32[(rdtsc() & 0x3f) * 4 + 0x400] = ${c}; print(rdtsc()); let i: u32 = 0; while (mem32[0x400 + i * 4] == 0) { i += 1; } print(i, " ", mem32[0x400 + i * 4]); return 0; }`],
    ['a store whose address load faults before the value runs', (c) => `fn main() -> u32 { mem32[0x100] = 1; mem32[mem32[0xfffff000]] = ${c}; return 0; }`],
    ['print and hypercall arguments', (c) => `fn main() -> u32 { mem32[0x100] = 1; print(rdtsc(), " ", ${c}, " ", rdtsc()); let r = hypercall event_channel_op(9, rdtsc(), ${c}); return r as u32 + rdtsc(); }`],
    ['&& and || with a long right operand', (c) => `fn main() -> u32 { mem32[0x100] = 1; let n: u32 = 0; if (rdtsc() > 0xffffff && ${c} > 0) { n += 1; } if (rdtsc() < 5 || ${c} > 3) { n += 2; } return n + rdtsc(); }`],
    ['a loop condition', (c) => `fn main() -> u32 { mem32[0x100] = 1; let n: u32 = 0; while (n * 100 < ${c}) { n += 1; } return n + rdtsc(); }`],
  ];
  it.each(cases)('%s', (_what, kernel) => {
    for (const engine of ['fast', 'interpreter'] as const) {
      const run = (k: string) => JSON.stringify(runSystem({ '/t/sys.pvk': SYSTEM, '/t/k.pvk': k }, { engine }).domains[0]);
      expect(run(kernel(flat('mem32[0x100]')))).toBe(run(kernel(grouped('mem32[0x100]'))));
    }
  });
});

describe("the debugger's evaluate takes long expressions too", () => {
  it('a 10,000-term sum in a watch expression', () => {
    const files = new Map([['/t/sys.pvk', SYSTEM], ['/t/k.pvk', 'fn main() -> u32 { return 0; }']]);
    const boot = bootSystem(new Workspace({ readFile: (p) => files.get(p) }), { file: '/t/sys.pvk', options: { maxCycles: 1000 } });
    if (!boot.ok) throw new Error(boot.message);
    const domain = boot.hv.domains[0];
    domain.memory.store(32, 16, 3, { file: 0, line: 1, column: 1 });
    const scope = { vcpu: domain.vcpus[0], domain, frame: undefined, consts: new Map<string, number>() };
    expect(evaluate(terms(10_000, () => 'mem32[16]', '+'), scope)).toEqual({ v: 30_000, t: 'u32' });
    expect(evaluate(terms(10_000, (i) => `${i} < 10000`, '&&'), scope)).toEqual({ v: 1, t: 'bool' });
  });
});

describe('long else-if chains check and run', () => {
  const chain = (n: number) => {
    const branches = Array.from({ length: n }, (_, i) => `if (x == ${i}) {\n            r = ${i * 10};\n            if (x == 997) { break; }\n        }`);
    return `fn pick(x: u32) -> u32 {
    let r: u32 = 99999;
    while (true) {
        ${branches.join(' else ')} else {
            r = 5;
        }
        r += 1;
        break;
    }
    return r;
}
fn main() -> u32 {
    print(pick(0), " ", pick(777), " ", pick(997), " ", pick(${n - 1}), " ", pick(${n + 5}));
    return 0;
}\n`;
  };

  it('a chain lowered flat behaves as the same chain nested: cycles, rdtsc, calls in conditions and branches, a fault in a condition', () => {
    const branch = (i: number) => `if (probe(x, ${i}) == ${i}) {\n            r += rdtsc() & 0;\n            r += ${i} + f(x);\n            if (x == 31) { continue; }\n        }`;
    const flat = Array.from({ length: 40 }, (_, i) => branch(i)).join(' else ');
    const nested = `${Array.from({ length: 20 }, (_, i) => branch(i)).join(' else ')} else {\n        ${Array.from({ length: 20 }, (_, i) => branch(i + 20)).join(' else ')} else { r += 1000; }\n        }`;
    const kernel = (c: string, lastElse: string) => `fn f(x: u32) -> u32 { return x * 2; }
fn probe(x: u32, i: u32) -> u32 { if (x == 45 && i == 39) { return 1 / (x - 45); } return x; }
fn main() -> u32 {
    let r: u32 = 0;
    for x in 0..46 {
        ${c}${lastElse}
        r += rdtsc() & 1;
    }
    return r;
}\n`;
    for (const engine of ENGINES) {
      const run = (k: string) => JSON.stringify(runSystem({ '/t/sys.pvk': SYSTEM, '/t/k.pvk': k }, { engine }).domains[0]);
      const a = run(kernel(flat, ' else { r += 1000; }'));
      expect(a).toBe(run(kernel(nested, '')));
      expect(JSON.parse(a).fault).toMatchObject({ kind: 'divide-by-zero', line: 2 });
    }
  });

  it('1,000 branches: each branch and the final else, break inside a branch', () => {
    const k = chain(1_000);
    expect(checkAndRun(k).console).toBe(`1 7771 9970 9991 6\n`);
    formatsStably(k);
  });

  it('4,000 branches', () => {
    expect(checkAndRun(chain(4_000)).console).toBe(`1 7771 9970 39991 6\n`);
  });
});

describe('real nesting past the limit is a clean PVK001', () => {
  const deep = MAX_NESTING + 50;
  it.each([
    ['parentheses', `fn main() -> u32 { return ${'('.repeat(deep)}1${')'.repeat(deep)}; }`],
    ['blocks', `fn main() { ${'{ '.repeat(deep)}${'} '.repeat(deep)}}`],
    ['nested ifs', `fn main() { ${'if (true) { '.repeat(deep)}${'} '.repeat(deep)}}`],
    ['unary operators', `fn main() -> u32 { return ${'~'.repeat(deep)}1; }`],
    ['casts', `fn main() -> u32 { return 1${' as u32'.repeat(deep)}; }`],
    ['right-nested sums', `fn main() -> u32 { return ${'1 + ('.repeat(deep)}1${')'.repeat(deep)}; }`],
  ])('%s', (_what, k) => {
    // The error, then at most what recovery finds after it (a '}' left over from the deep blocks).
    const ds = diagnosticsOf(k).filter((d) => d.severity === 'error');
    expect(new Set(ds.map((d) => d.code))).toEqual(new Set(['PVK001']));
    expect(ds[0].message).toMatch(/nested too deeply/);
  });
});

describe('real nesting just inside the limit checks and runs', () => {
  const n = MAX_NESTING - 12;
  it.each([
    ['parentheses', `fn main() -> u32 { let a: u32 = 2; return ${'('.repeat(n)}a${')'.repeat(n)}; }`, 2],
    ['blocks', `fn main() -> u32 { let a: u32 = 2; ${'{ '.repeat(n)}a += 1; ${'} '.repeat(n)}return a; }`, 3],
    ['nested ifs and loops', `fn main() -> u32 { let a: u32 = 0; ${'if (a < 9) { while (a < 1) { '.repeat(Math.floor(n / 3))}a += 1; ${'} } '.repeat(Math.floor(n / 3))}return a; }`, 1],
    ['unary operators', `fn main() -> u32 { let a: u32 = 2; return ${'~'.repeat(n - (n % 2))}a; }`, 2],
    ['right-nested sums', `fn main() -> u32 { let a: u32 = 1; return ${'a + ('.repeat(n / 2)}a${')'.repeat(n / 2)}; }`, n / 2 + 1],
  ])('%s', (_what, k, exitCode) => {
    expect(checkAndRun(k)).toMatchObject({ state: 'exited', exitCode });
  });
});

describe('large functions recursing to the call-depth limit', () => {
  // Every activation of a generated function is a host stack frame: one with
  // thousands of locals or parameters, 250 deep, must not exhaust the host's stack.
  it('3,000 locals, 250 frames deep', () => {
    const lets = Array.from({ length: 3_000 }, (_, i) => `    let x${i}: u32 = d + ${i};`).join('\n');
    const k = `fn f(d: u32) -> u32 {\n${lets}\n    if (d == 0) { return x2999; }\n    return f(d - 1) + x1;\n}\nfn main() -> u32 { return f(250); }\n`;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 2999 + 250 + (250 * 251) / 2 });
  });

  it('100 locals kept in an array: frames suspend and resume with them (a yield at every level)', () => {
    const lets = Array.from({ length: 100 }, (_, i) => `    let x${i}: u32 = d * ${i};`).join('\n');
    const k = `fn f(d: u32) -> u32 {\n${lets}\n    if (d == 0) { return x99; }\n    let r = f(d - 1) + x3;\n    hypercall sched_op(0, 0);\n    return r + x99;\n}\nfn main() -> u32 { return f(60); }\n`;
    const tri = (60 * 61) / 2;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 3 * tri + 99 * tri });
  });

  it('a function of 1,000 parameters, 250 frames deep; a pvop of 300', () => {
    const params = Array.from({ length: 1_000 }, (_, i) => `a${i}: u32`).join(', ');
    const args = (d: string) => [d, ...Array.from({ length: 999 }, (_, i) => `${i + 1}`)].join(', ');
    const ops = Array.from({ length: 300 }, (_, i) => `b${i}: u32`).join(', ');
    const opArgs = Array.from({ length: 300 }, (_, i) => `${i}`).join(', ');
    const k = `pvops big { fn op(${ops}) -> u32; }
impl big for xen { fn op(${ops}) -> u32 { return b299 + b1; } }
impl big for native { fn op(${ops}) -> u32 { return b299; } }
fn f(${params}) -> u32 {
    if (a0 == 0) { return a999 + big.op(${opArgs}); }
    return f(${args('a0 - 1')}) + a1;
}
fn main() -> u32 { return f(${args('250')}); }\n`;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 999 + 300 + 250 });
  });

  it('a function with 1,000 statements in a loop (profiled: one counter per position)', () => {
    const body = Array.from({ length: 1_000 }, (_, i) => `        s += ${i % 3};`).join('\n');
    const k = `fn f(d: u32) -> u32 {\n    let s: u32 = 0;\n    for i in 0..2 {\n${body}\n    }\n    if (d == 0) { return s; }\n    return f(d - 1) + s;\n}\nfn main() -> u32 { return f(250); }\n`;
    expect(checkAndRun(k)).toMatchObject({ exitCode: 251 * 2 * 999 });
  });
});

describe('long names', () => {
  it('an unknown name of 100,000 characters beside a declared one just as long: one PVK002, no suggestion search over it', () => {
    const long = 'n'.repeat(100_000);
    const k = `fn main() -> u32 {\n    let ${long}a: u32 = 1;\n    return ${long}b;\n}\n`;
    const ds = diagnosticsOf(k);
    expect(ds.map((d) => d.code)).toEqual(['PVK002']);
    expect(ds[0].message).not.toContain('did you mean');
  });
});

describe('many documented declarations', () => {
  it('100,000 hypercall declarations each with its doc comment parse in linear time, each keeping its own doc', () => {
    const n = 100_000;
    const text = `abi big {\n${Array.from({ length: n }, (_, i) => `    // doc ${i}\n    hypercall h${i}(a: u32) -> i32 = ${i} stable since 3.0 cost 1;`).join('\n')}\n}\n`;
    const ast = parse('/t/big.pvk', text).ast;
    const abi = ast.items[0];
    if (abi.kind !== 'abi') throw new Error('no abi block');
    expect(abi.hypercalls.length).toBe(n);
    expect([abi.hypercalls[0].doc, abi.hypercalls[77_777].doc, abi.hypercalls[n - 1].doc]).toEqual(['doc 0', 'doc 77777', `doc ${n - 1}`]);
  });
});

describe('statement walks over long else-if chains', () => {
  it('forEachStmt visits every branch of a 20,000-branch chain in source order, without recursing per branch', async () => {
    const { forEachStmt } = await import('../../sandbox/lang/walk.js');
    const branches = 20_000;
    const chain = Array.from({ length: branches }, (_, i) => `if (x == ${i}) { y = ${i}; }`).join(' else ');
    const { ast } = parse('/t/k.pvk', `fn f(x: u32) -> u32 { let y: u32 = 0; ${chain} else { y = 1; } return y; }\n`);
    const fn = ast.items[0];
    if (fn.kind !== 'fn') throw new Error('expected a function');
    const kinds: string[] = [];
    forEachStmt(fn.body, (s) => kinds.push(s.kind));
    expect(kinds.filter((k) => k === 'if')).toHaveLength(branches);
    // block, let, the chain's ifs with their then-blocks and assignments, the else block and its assignment, return
    expect(kinds).toHaveLength(1 + 1 + branches * 3 + 2 + 1);
    expect(kinds.slice(0, 5)).toEqual(['block', 'let', 'if', 'block', 'assign']);
  });
});
