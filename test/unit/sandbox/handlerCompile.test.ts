// Extension handlers compiled to JavaScript (the fast engine's, sandbox/hv/
// handlerCompile.ts) against the hypervisor's evaluator (pvkHandlers.ts, the
// step engine's and the interpreter's): for each semantic edge, the same
// result, cycles, fault (kind, message, file, line, cycles), cycle-limit
// stop, hypervisor console, globals, guest memory and profiler observations,
// at every cycle budget from 0 up.

import { describe, expect, it } from 'vitest';
import type * as A from '../../../sandbox/lang/ast.js';
import { Workspace } from '../../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../../sandbox/run/boot.js';
import { runReport } from '../../../sandbox/run/report.js';
import type { Hypervisor } from '../../../sandbox/hv/hypervisor.js';
import { statementSlots } from '../../../sandbox/hv/handlerSlots.js';
import { HandlerFrames, type HandlerPath } from '../../../sandbox/profile/handlerFrames.js';
import { generateHandlers, HandlerLayout } from '../../../sandbox/hv/handlerCompile.js';
import { COSTS } from '../../../sandbox/machine/costs.js';
import type { CallTreeNode } from '../../../sandbox/vm/profiling.js';

const EDGE = `const BIG = 4000000000;
abi edge {
    var u: u32 = 4294967295;
    var s: i32 = -2147483648;
    var flag: bool = false;
    fn fact(n: u32) -> u32 {
        if (n <= 1) { return 1; }
        return n * fact(n - 1);
    }
    fn dive(n: u32) -> u32 {
        if (n == 0) { return 0; }
        return dive(n - 1) + 1;
    }
    fn half(v: i32) -> i32 { return v / 2; }
    // u32 and i32 wrap-around, signed and unsigned division, shifts, comparisons, casts, constants
    hypercall arith(a: u32, b: i32) -> i32 = 64 stable since 4.2 cost 7 {
        u += a;
        s -= b;
        let q: i32 = s / b;
        let r: u32 = u % (a | 1);
        let sh: u32 = (u >> 28) + ((s >> 28) as u32) + (a << 31);
        let neg: i32 = -b;
        let inv: u32 = ~a;
        flag = (s < b) && !(u >= a) || (b as u32) > a;
        let m: u32 = fact(a & 7) * BIG;
        return ((q as u32) ^ r ^ sh ^ (neg as u32) ^ inv ^ m) as i32 + half(b) + (s % 7);
    }
    // loops: for (start and every test), while, break, continue, nested, an empty range
    hypercall loops(n: u32) -> i32 = 65 stable since 4.2 cost 0 {
        let t: u32 = 0;
        for i in 0..n {
            if (i == 3) { continue; }
            if (i == 7) { break; }
            for j in i..2 { t += j; }
            t += i;
        }
        for k in 5..1 { t += 100; }
        let w: u32 = 0;
        while (w < n) {
            w += 2;
            if (w == 6) { continue; }
            t ^= w;
        }
        return t as i32;
    }
    // guest memory: a good address, or -EFAULT at once (misaligned, out of range)
    hypercall mem(a: u32, v: u32) -> i32 = 66 stable since 4.2 cost 3 {
        u = 1;
        guest_store32(a, v);
        u = 2;
        let back: u32 = guest_load32(a);
        u = 3;
        return back as i32;
    }
    // caller, caller_vcpu, print of each type, notify's results
    hypercall who(port: u32) -> i32 = 67 stable since 4.2 cost 1 {
        print("caller ", caller(), "/", caller_vcpu(), " ", flag, " ", s, " ", u, " \\"q\\" ");
        let bad = notify(99, port);
        let out = notify(caller(), 64);
        return notify(caller(), port) * 1000 + bad * 10 + out;
    }
    // divide and remainder by zero, in an expression and a compound assignment
    hypercall div(a: i32, b: i32) -> i32 = 68 stable since 4.2 cost 2 {
        let x: i32 = 1;
        x %= b;
        return a / b + x;
    }
    // call depth: the handler is frame 1, each dive one more
    hypercall deep(n: u32) -> i32 = 69 stable since 4.2 cost 1 {
        return dive(n) as i32;
    }
    hypercall spin(n: u32) -> i32 = 70 stable since 4.2 cost 0 {
        let s2: u32 = 0;
        for i in 0..n { s2 += i; }
        return s2 as i32;
    }
}
`;

const KERNEL = 'import "edge.pvk";\nvar got: u32 = 0;\nfn on_event(p: u32) { got += p; }\nfn main() -> u32 {\n    let p = hypercall event_channel_op(6, 0, 0);\n    return 0;\n}\n';
const SYSTEM = 'import "edge.pvk";\nsystem t {\n    hypervisor 4.2;\n    abi edge;\n    domain dom0 { kernel "k.pvk"; memory 1; vcpus 2; privileged; }\n}\n';
const FILES: Record<string, string> = { '/e/sys.pvk': SYSTEM, '/e/edge.pvk': EDGE, '/e/k.pvk': KERNEL };

function bootEdge(files: Record<string, string> = FILES, engine: EngineKind = 'fast', maxCycles = 1_000_000_000): Hypervisor {
  const map = new Map(Object.entries(files));
  const boot = bootSystem(new Workspace({ readFile: (f) => map.get(f) }), { file: '/e/sys.pvk', options: { maxCycles }, engine });
  if (!boot.ok) throw new Error(`${boot.message}: ${boot.diagnostics.map((d) => d.message).join('; ')}`);
  return boot.hv;
}

/** What a profiler saw of handler runs (its call-path frames): each path's calls and cycles by statement offset. */
function observed(frames: HandlerFrames): string[] {
  const lines: string[] = [];
  const visit = (f: HandlerPath, indent: string): void => {
    const fn = f.fn as A.FnItem;
    const offsets = statementSlots(fn).offsets;
    f.settle();
    const charged = [...f.cy].flatMap((c, i) => (c === 0 ? [] : [`${c} at ${offsets[i]}`]));
    lines.push(`${indent}${fn.name.name} x${f.n}: ${charged.join(', ')}`);
    for (const callee of f.calls) visit(callee, `${indent}  `);
  };
  for (const caller of frames.pending) for (const run of caller.calls) visit(run, '');
  return lines;
}

/** A guest frame's call-tree node, as a profiler's cursor holds it while the hypercall runs. */
const GUEST_FRAME: CallTreeNode = { parent: null, ln: new Float64Array(1), cur: 0, kf: -1, kn: null, count: 0, bc: new Float64Array(0) };

/**
 * Runs hypercall `name` once on a machine fresh from boot (after vCPU 0 ran
 * main, so port 1 is bound), compiled or in the evaluator, with `budget`
 * cycles: everything that can be observed of it.
 */
function outcome(name: string, args: number[], budget: number, compiled: boolean, vcpu = 0, observe = true): string {
  const hv = bootEdge();
  hv.run();
  const decl = [...hv.extensions.byNumber.values()].find((h) => h.name.name === name) as A.HypercallDecl;
  // The guest frame making the call: one, as the recorder's cursor would hold (the same for every call here).
  const log = new HandlerFrames({ top: GUEST_FRAME });
  const maxCycles = budget + COSTS.hypercallBase + decl.cost;
  let result: unknown;
  try {
    result = hv.extensions.run(hv, decl, hv.domains[0].vcpus[vcpu], args, 0, maxCycles, undefined, observe ? log : null, compiled);
  } catch (e) {
    const { name: kind, message } = e as Error;
    result = { thrown: kind === 'Error' ? e?.constructor.name : kind, message, ...(e as object) };
  }
  const d = hv.domains[0];
  return JSON.stringify({ result, log: observed(log), console: hv.extensions.console, globals: [...hv.extensions.globals.values()], word: d.memory.view.getUint32(0x400, true), pending: d.ports.map((p) => p.pending) });
}

/**
 * Compiled and evaluated agree at every budget from 0 to past what the call
 * needs (every `stride`-th one, and the last few); returns the unlimited outcome.
 */
function agreeAtEveryBudget(name: string, args: number[], vcpu = 0, stride = 1): { value: number; cycles: number } | { thrown: string; kind?: string; message: string; line?: number; cycles: number } {
  const full = JSON.parse(outcome(name, args, 1_000_000, false, vcpu)) as { result: { cycles: number } };
  const needed = full.result.cycles;
  for (let budget = 0; budget <= needed + 1; budget += budget >= needed - 3 ? 1 : stride) {
    const evaluated = outcome(name, args, budget, false, vcpu);
    expect(outcome(name, args, budget, true, vcpu), `${name}(${args.join(', ')}) with budget ${budget}`).toBe(evaluated);
  }
  // Without an observer (the plain compiled variant) too.
  expect(outcome(name, args, 1_000_000, true, vcpu, false)).toBe(outcome(name, args, 1_000_000, false, vcpu, false));
  return full.result as never;
}

describe('compiled handlers do what the evaluator does, at every cycle budget', () => {
  it('u32 and i32 arithmetic: wrap-around, signed and unsigned division and remainder, shifts, casts, helper calls', () => {
    for (const [a, b] of [[2, 1], [0xffffffff, -1], [5, -2147483648], [0x80000000, 3], [7, -7]]) {
      const r = agreeAtEveryBudget('arith', [a, b]);
      expect('value' in r).toBe(true);
    }
  });

  it('exact values and cycles of arith(2, 1): u wraps to 1, s to 2147483647', () => {
    const hv = bootEdge();
    hv.run();
    const decl = hv.extensions.byNumber.get(64) as A.HypercallDecl;
    const r = hv.extensions.run(hv, decl, hv.domains[0].vcpus[0], [2, 1], 0, 1e9, undefined, null, true);
    expect([...hv.extensions.globals.values()]).toEqual([1, 2147483647, 0]);
    // q = 2147483647 / 1; r = 1 % 3; sh = 0 + 7 + 0; neg = -1; inv = ~2; m = fact(2) * BIG (wraps)
    const m = Math.imul(2, 4000000000) >>> 0;
    const x = ((2147483647 ^ 1 ^ 7 ^ 0xffffffff ^ (~2 >>> 0) ^ m) | 0) + 0 + (2147483647 % 7);
    expect(r.value).toBe(x | 0);
    // 10 statements; fact(2): call 5 + if + return, fact(1): call 5 + if + return; half: call 5 + return
    expect(r.cycles).toBe(10 + 7 + 7 + 6);
  });

  it('loops: a for start and every test, while conditions, break and continue, an empty range', () => {
    for (const n of [0, 1, 5, 9, 12]) agreeAtEveryBudget('loops', [n]);
    const hv = bootEdge();
    hv.run();
    const r = hv.extensions.run(hv, hv.extensions.byNumber.get(65) as A.HypercallDecl, hv.domains[0].vcpus[0], [0], 0, 1e9, undefined, null, true);
    // let, for start + 1 test, for start + 1 test, let, while condition, return
    expect(r).toEqual({ value: 0, cycles: 1 + 2 + 2 + 1 + 1 + 1 });
  });

  it('guest memory: a store and a load; -EFAULT at once on a misaligned or out-of-range address (the access not charged)', () => {
    expect(agreeAtEveryBudget('mem', [0x400, 0xdeadbeef])).toEqual({ value: 0xdeadbeef | 0, cycles: 1 + 1 + 5 + 1 + 1 + 5 + 1 + 1 });
    expect(agreeAtEveryBudget('mem', [0x402, 1])).toEqual({ value: -14, cycles: 2 });
    const limit = bootEdge().domains[0].memory.limit;
    expect(agreeAtEveryBudget('mem', [limit - 4, 5])).toEqual({ value: 5, cycles: 16 });
    expect(agreeAtEveryBudget('mem', [limit, 1])).toEqual({ value: -14, cycles: 2 });
    expect(agreeAtEveryBudget('mem', [0xfffffffc, 1])).toEqual({ value: -14, cycles: 2 });
  });

  it('caller, caller_vcpu, print of u32, i32 and bool, and notify (0, -ESRCH, -EINVAL)', () => {
    agreeAtEveryBudget('who', [1], 1);
    agreeAtEveryBudget('who', [2]);
    const out = JSON.parse(outcome('who', [1], 1_000_000, true, 1)) as { result: { value: number }; console: string[]; pending: boolean[] };
    expect(out.console).toEqual(['caller 0/1 false -2147483648 4294967295 "q" \n']);
    expect(out.result.value).toBe(0 * 1000 + -3 * 10 + -22);
    expect(out.pending[1]).toBe(true);
  });

  it('division and remainder by zero: a panic with the same kind, message, file, line and cycles', () => {
    const r = agreeAtEveryBudget('div', [7, 0]);
    expect(r).toMatchObject({ kind: 'divide-by-zero', message: 'remainder by zero in hypervisor code (div)', file: '/e/edge.pvk', line: EDGE.split('\n').findIndex((l) => l.includes('x %= b')) + 1, cycles: 2 });
    expect(agreeAtEveryBudget('div', [-7, 2])).toEqual({ value: -3 + 1, cycles: 3 });
  });

  it('call depth: 255 nested helpers run, the call that would make frame 257 panics at its call site, uncharged', () => {
    expect(agreeAtEveryBudget('deep', [254], 0, 61)).toEqual({ value: 254, cycles: 1 + 254 * (5 + 2) + 5 + 2 });
    const r = agreeAtEveryBudget('deep', [255], 0, 61);
    expect(r).toMatchObject({ kind: 'stack-overflow', message: 'hypervisor call depth above 256 frames calling dive', line: EDGE.split('\n').findIndex((l) => l.includes('return dive(n - 1) + 1')) + 1 });
    expect(r.cycles).toBe(1 + 255 * (5 + 2));
  });
});

describe('compiled handlers in whole runs', () => {
  it('the cycle limit inside a handler ends the run at exactly --max-cycles on every engine', () => {
    const k = 'import "edge.pvk";\nfn main() -> u32 {\n    let r = hypercall spin(100000000);\n    return 0;\n}\n';
    const reports = (['fast', 'step', 'interpreter'] as const).map((e) => {
      const hv = bootEdge({ ...FILES, '/e/k.pvk': k }, e, 123_457);
      return runReport(hv, hv.run());
    });
    expect(reports[0].end).toBe('max-cycles');
    expect(reports[0].cycles).toBe(123_457);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
  });

  it('only the fast engine compiles handlers; the stepping engine (the debugger) and the interpreter evaluate them', () => {
    expect(bootEdge(FILES, 'fast').engine.compiledHandlers).toBe(true);
    expect(bootEdge(FILES, 'step').engine.compiledHandlers).toBe(false);
    expect(bootEdge(FILES, 'interpreter').engine.compiledHandlers).toBeFalsy();
  });
});

describe('generated handler code keeps user names and strings inert', () => {
  const NAMES = ['constructor', '__proto__', 'process', 'require', 'globalThis', 'eval', 'Function', 'prototype', 'toString', 'rt', 'X', 'GV', 'c', 'B', 'O', 'f0', 'l0', 't0', 'EF'];
  const STRINGS = ['"); process.exit(1); ("', '*/ process.exit(2); /*', '${process.exit(3)}', "'; require('fs'); '", '\\\\', '\u2028'];
  const hostile = [
    'abi hostile {',
    ...NAMES.map((n, i) => `    var ${n}: u32 = ${i};`),
    ...NAMES.map((n) => `    fn ${n}_fn(${n}: u32) -> u32 { let ${n}_l: u32 = ${n} + 1; return ${n}_l; }`),
    '    hypercall process_op(constructor_a: u32) -> i32 = 64 stable since 4.2 cost 1 {',
    '        let total: u32 = constructor_a;',
    ...NAMES.map((n) => `        total += ${n}_fn(${n});`),
    ...STRINGS.map((s) => `        print("${s.replace(/"/g, '\\"')}", total);`),
    '        return total as i32;',
    '    }',
    '}',
    '',
  ].join('\n');
  const files = {
    '/e/sys.pvk': 'import "hostile.pvk";\nsystem t {\n    hypervisor 4.2;\n    abi hostile;\n    domain dom0 { kernel "k.pvk"; privileged; }\n}\n',
    '/e/hostile.pvk': hostile,
    '/e/k.pvk': 'import "hostile.pvk";\nfn main() -> u32 {\n    print(hypercall process_op(1));\n    return 0;\n}\n',
  };

  it('runs alike on every engine, printing the strings as written', () => {
    const reports = (['fast', 'step', 'interpreter'] as const).map((e) => {
      const hv = bootEdge(files, e);
      return runReport(hv, hv.run());
    });
    const total = 1 + NAMES.reduce((sum, _n, i) => sum + i + 1, 0);
    expect(reports[0].domains[0].console).toBe(`${total}\n`);
    expect(reports[0].hvConsole).toBe(STRINGS.map((s) => `${s.replace(/\\\\/g, '\\')}${total}\n`).join(''));
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
  });

  it('the generated source names none of them outside string literals', () => {
    const hv = bootEdge(files);
    const source = generateHandlers(new HandlerLayout(hv.extensions.booted.map((b) => b.abi)), true).source;
    const code = source.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const n of ['constructor', '__proto__', 'process', 'require', 'globalThis', 'eval', 'Function', 'prototype', 'toString']) expect(code).not.toContain(n);
    // The strings are there, but only as JSON string literals.
    for (const s of STRINGS) expect(source).toContain(JSON.stringify(s.replace(/\\\\/g, '\\')));
  });
});
