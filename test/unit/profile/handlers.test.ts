/**
 * Profiles of extension hypercalls (spec 9.1, issue 14): a pvk handler's
 * functions and lines are frames under its `[hypercall NAME]` frame, which
 * keeps the fixed part (300 + cost); every cycle is still in exactly one node
 * and line, the run is the one every engine gives, and a handler that panics
 * or reaches the cycle limit is profiled up to there.
 */
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../../sandbox/lang/program.js';
import { profileSystem } from '../../../sandbox/profile/profileSystem.js';
import type { Profile, ProfileNode } from '../../../sandbox/profile/types.js';
import type { EngineKind } from '../../../sandbox/run/boot.js';
import type { RunReport } from '../../../sandbox/run/report.js';
import { runSystem } from '../sandbox/helpers.js';

const LAB = [
  'abi lab {', //                                                        1
  '    var total: u32 = 0;', //                                           2
  '    fn clamp(v: u32) -> u32 {', //                                     3
  '        if (v > 1000) { return 1000; }', //                            4
  '        return v;', //                                                 5
  '    }', //                                                             6
  '    fn addup(n: u32) -> u32 {', //                                     7
  '        let s: u32 = 0;', //                                           8
  '        for i in 0..n { s += clamp(i * 100); }', //                    9
  '        return s;', //                                                10
  '    }', //                                                            11
  '    hypercall counter_op(cmd: u32, a: u32) -> i32 = 64 stable since 4.2 cost 40 {', // 12
  '        if (cmd == 0) { total += addup(a); return total as i32; }', // 13
  '        return -22;', //                                              14
  '    }', //                                                            15
  '    fn down(n: u32) -> u32 {', //                                     16
  '        if (n == 0) { return 0; }', //                                17
  '        return down(n - 1) + 1;', //                                  18
  '    }', //                                                            19
  '    hypercall deep(n: u32) -> i32 = 65 stable since 4.2 cost 2 {', // 20
  '        return down(n) as i32;', //                                   21
  '    }', //                                                            22
  '    hypercall crash(d: u32) -> i32 = 69 stable since 4.2 cost 1 {', // 23
  '        let x: u32 = addup(2);', //                                   24
  '        return (10 / d) as i32;', //                                  25
  '    }', //                                                            26
  '    hypercall spin(n: u32) -> i32 = 70 stable since 4.2 cost 0 {', // 27
  '        let s: u32 = 0;', //                                          28
  '        for i in 0..n { s += i; }', //                                29
  '        return s as i32;', //                                         30
  '    }', //                                                            31
  '}',
  '',
].join('\n');

const SYSTEM = 'import "lab.pvk";\nsystem t {\n    hypervisor 4.2;\n    abi lab;\n    domain dom0 { kernel "k.pvk"; privileged; }\n}\n';

function files(main: string): Record<string, string> {
  return { '/t/sys.pvk': SYSTEM, '/t/lab.pvk': LAB, '/t/k.pvk': `import "lab.pvk";\nfn main() -> u32 {\n${main}    return 0;\n}\n` };
}

function profileOf(fs: Record<string, string>, maxCycles = 1_000_000_000): { profile: Profile; report: RunReport } {
  const r = profileSystem(new Workspace({ readFile: (p) => fs[p] }), { file: '/t/sys.pvk', options: { maxCycles } });
  if (!r.ok) throw new Error(`${r.message}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r;
}

const byName = (p: Profile, name: string): ProfileNode[] => p.nodes.filter((n) => n.name === name);
const only = (p: Profile, name: string): ProfileNode => {
  const found = byName(p, name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
const kids = (p: Profile, n: ProfileNode): ProfileNode[] => n.children.map((c) => p.nodes[c]);
const subtreeSelf = (p: Profile, n: ProfileNode): number => n.self + kids(p, n).reduce((a, c) => a + subtreeSelf(p, c), 0);
const linesOf = (n: ProfileNode): Record<number, number> => Object.fromEntries(n.lines.map((l) => [l.line, l.cycles]));

/** Every cycle of the domain in one node: its subtree, its lines plus the named frames, the profile's total. */
function expectExact(p: Profile, report: RunReport): void {
  const dom = p.nodes.find((n) => n.kind === 'domain') as ProfileNode;
  expect(dom.total).toBe(report.domains[0].cycles);
  expect(subtreeSelf(p, dom)).toBe(report.domains[0].cycles);
  const named = p.nodes.filter((n) => n.domain === 0 && n.kind !== 'function').reduce((a, n) => a + n.self, 0);
  const lines = p.lines.filter((l) => l.domain === 0).reduce((a, l) => a + l.cycles, 0);
  expect(lines + named).toBe(report.domains[0].cycles);
  for (const n of p.nodes.filter((x) => x.kind === 'function')) expect(n.lines.reduce((a, l) => a + l.cycles, 0), n.name).toBe(n.self);
  expect(p.total).toBe(report.cycles);
}

describe('a handler and its helpers in the profile', () => {
  const fs = files('    for i in 0..3 { let r = hypercall counter_op(0, 12); }\n');
  const { profile, report } = profileOf(fs);

  it('are function frames under [hypercall counter_op], at their own file and lines', () => {
    const hc = only(profile, '[hypercall counter_op]');
    expect(hc.count).toBe(3);
    const handler = only(profile, 'counter_op');
    const addup = only(profile, 'addup');
    const clamp = only(profile, 'clamp');
    expect(kids(profile, hc)).toEqual([handler]);
    expect(kids(profile, handler)).toEqual([addup]);
    expect(kids(profile, addup)).toEqual([clamp]);
    for (const n of [handler, addup, clamp]) {
      expect(n.kind).toBe('function');
      expect(profile.files[n.file]).toBe('/t/lab.pvk');
      expect(n.domain).toBe(0);
      expect(n.vcpu).toBe(0);
    }
    expect([handler.line, addup.line, clamp.line]).toEqual([12, 7, 3]);
    expect([handler.count, addup.count, clamp.count]).toEqual([3, 3, 36]);
  });

  it('get the cycles of their own lines by section 4, and the hypercall frame keeps 300 + cost', () => {
    const handler = only(profile, 'counter_op');
    // the if, the statement, the call of addup (+5) and the return; three calls
    expect(linesOf(handler)).toEqual({ 13: 3 * 8 });
    // let; for: 1 + 13 tests; 12 × (statement + call 5); return
    expect(linesOf(only(profile, 'addup'))).toEqual({ 8: 3, 9: 3 * (14 + 12 * 6), 10: 3 });
    // 12 ifs, the one v > 1000 returns on line 4, the other 11 on line 5
    expect(linesOf(only(profile, 'clamp'))).toEqual({ 4: 3 * 13, 5: 3 * 11 });
    const handlerCycles = 3 * (8 + 88 + 24);
    expect(handler.total).toBe(handlerCycles);
    const hc = only(profile, '[hypercall counter_op]');
    expect(hc.self).toBe(3 * (300 + 40));
    expect(hc.total).toBe(3 * (300 + 40) + handlerCycles);
    // the call site still costs the whole hypercall, as in the hypercall statistics
    expect(profile.sites.find((s) => s.kind === 'hypercall')).toMatchObject({ name: 'counter_op', count: 3, cycles: hc.total });
    expect(profile.summary.domains[0].hypercalls.counter_op.cycles).toBe(hc.total);
  });

  it("are in the profile's line costs of the calling domain, and every cycle is counted once", () => {
    const lab = profile.files.indexOf('/t/lab.pvk');
    expect(profile.lines.filter((l) => l.file === lab).map((l) => [l.line, l.cycles])).toEqual([
      [4, 39],
      [5, 33],
      [8, 3],
      [9, 258],
      [10, 3],
      [13, 24],
    ]);
    expectExact(profile, report);
  });

  it('the profiled run is the run every engine gives', () => {
    for (const engine of ['interpreter', 'fast', 'step'] as EngineKind[]) expect(runSystem(fs, { engine }), engine).toEqual(report);
  });

  it('the same system gives the same profile, byte for byte', () => {
    expect(JSON.stringify(profileOf(fs).profile)).toBe(JSON.stringify(profile));
  });
});

describe('handler frames in other runs', () => {
  it('a recursive helper gets one frame per call depth, as guest functions do', () => {
    const { profile, report } = profileOf(files('    let r = hypercall deep(3);\n    r = hypercall deep(3);\n'));
    const chain = byName(profile, 'down');
    expect(chain).toHaveLength(4);
    expect(chain.map((n) => profile.nodes[n.parent].name)).toEqual(['deep', 'down', 'down', 'down']);
    expect(chain.map((n) => n.count)).toEqual([2, 2, 2, 2]);
    // the innermost returns at line 17; the others test there and return (with the call, 1 + 5) at 18
    expect(chain.map(linesOf)).toEqual([{ 17: 2, 18: 12 }, { 17: 2, 18: 12 }, { 17: 2, 18: 12 }, { 17: 4 }]);
    expect(only(profile, '[hypercall deep]').self).toBe(2 * 302);
    expectExact(profile, report);
  });

  it('in a multicall, each entry gets a [hypercall NAME] frame below the multicall with its handler below it', () => {
    const main = [
      '    mem32[256] = 64; mem32[260] = 0; mem32[264] = 3;',
      '    mem32[280] = 64; mem32[284] = 0; mem32[288] = 2;',
      '    let r = hypercall multicall(256, 2);',
      '',
    ].join('\n');
    const { profile, report } = profileOf(files(main));
    const multi = only(profile, '[hypercall multicall]');
    const entry = only(profile, '[hypercall counter_op]');
    expect(kids(profile, multi)).toEqual([entry]);
    expect(entry.count).toBe(2);
    // the entries' fixed costs stay in the multicall's frame; the handler's cycles are below
    expect(entry.self).toBe(0);
    const handler = only(profile, 'counter_op');
    expect(kids(profile, entry)).toEqual([handler]);
    expect(handler.count).toBe(2);
    expect(only(profile, 'clamp').count).toBe(5);
    expect(multi.total).toBe(profile.sites.find((s) => s.name === 'multicall')?.cycles);
    expectExact(profile, report);
  });

  it('a handler that panics: profiled up to the fault, and the profile still sums to the run', () => {
    const { profile, report } = profileOf(files('    let r = hypercall crash(0);\n'));
    expect(report.end).toBe('panic');
    expect(profile.end).toBe('panic');
    const hc = only(profile, '[hypercall crash]');
    expect(hc.self).toBe(300 + 1);
    const crash = only(profile, 'crash');
    // the let with its call (1 + 5), then the return statement; the division faults uncharged
    expect(linesOf(crash)).toEqual({ 24: 6, 25: 1 });
    expect(kids(profile, crash).map((n) => n.name)).toEqual(['addup']);
    expectExact(profile, report);
  });

  it('a handler that reaches the cycle limit: its frames hold the cycles up to the limit exactly', () => {
    const { profile, report } = profileOf(files('    let r = hypercall spin(1000000);\n'), 5000);
    expect(report.end).toBe('max-cycles');
    expect(report.cycles).toBe(5000);
    const hc = only(profile, '[hypercall spin]');
    expect(hc.self).toBe(300);
    // main's let (1), the fixed 300, and the handler up to the limit
    expect(only(profile, 'spin').self).toBe(5000 - 1 - 300);
    expectExact(profile, report);
  });
});

/**
 * The profiler counts handler calls in call-path frames and places them in
 * the call tree only when a path is new and at the end: these runs make
 * paths appear late, alternate, mix with multicalls and stop in a handler.
 */
describe('handler frames across hypercalls', () => {
  it('a helper first called in a later hypercall gets its frame then, after the ones called before', () => {
    const { profile, report } = profileOf(files('    let r = hypercall counter_op(1, 0);\n    r = hypercall counter_op(0, 0);\n    r = hypercall counter_op(0, 3);\n    r = hypercall counter_op(1, 0);\n'));
    const handler = only(profile, 'counter_op');
    const addup = only(profile, 'addup');
    const clamp = only(profile, 'clamp');
    expect(kids(profile, handler)).toEqual([addup]);
    expect(kids(profile, addup)).toEqual([clamp]);
    expect([handler.count, addup.count, clamp.count]).toEqual([4, 2, 3]);
    // four ifs at line 13; two go on there (the statement with its call, 1 + 5, and the return), two return -22 at line 14
    expect(linesOf(handler)).toEqual({ 13: 4 + 2 * 7, 14: 2 * 1 });
    // addup(0): let, for start and test, return; addup(3): let, for start + 4 tests, 3 × (statement + call 5), return
    expect(linesOf(addup)).toEqual({ 8: 2, 9: 2 + 5 + 3 * 6, 10: 2 });
    expectExact(profile, report);
  });

  it('one handler called from two guest functions in turn: its frames under each, counted apart', () => {
    const main = 'fn f() -> i32 { return hypercall counter_op(0, 1); }\nfn g() -> i32 { return hypercall counter_op(0, 2); }\n';
    const fs = files('    for i in 0..3 { let a = f(); let b = g(); }\n');
    fs['/t/k.pvk'] = fs['/t/k.pvk'].replace('fn main()', `${main}fn main()`);
    const { profile, report } = profileOf(fs);
    const calls = byName(profile, '[hypercall counter_op]');
    expect(calls.map((n) => profile.nodes[n.parent].name)).toEqual(['f', 'g']);
    expect(calls.map((n) => n.count)).toEqual([3, 3]);
    expect(calls.map((n) => n.self)).toEqual([3 * 340, 3 * 340]);
    const clamps = byName(profile, 'clamp');
    expect(clamps.map((n) => n.count)).toEqual([3, 6]);
    // clamp(0) and clamp(100): the if at line 4, the return at line 5
    expect(clamps.map(linesOf)).toEqual([
      { 4: 3, 5: 3 },
      { 4: 6, 5: 6 },
    ]);
    expectExact(profile, report);
  });

  it('direct calls and multicall entries of one handler from the same frame, in turn, stay apart', () => {
    const main = [
      '    for i in 0..2 {',
      '        let r = hypercall counter_op(0, 1);',
      '        mem32[256] = 64; mem32[260] = 0; mem32[264] = 2;',
      '        mem32[280] = 64; mem32[284] = 0; mem32[288] = 3;',
      '        r = hypercall multicall(256, 2);',
      '    }',
      '',
    ].join('\n');
    const { profile, report } = profileOf(files(main));
    const calls = byName(profile, '[hypercall counter_op]');
    expect(calls.map((n) => profile.nodes[n.parent].name)).toEqual(['main', '[hypercall multicall]']);
    expect(calls.map((n) => n.count)).toEqual([2, 4]);
    expect(calls.map((n) => n.self)).toEqual([2 * 340, 0]);
    expect(byName(profile, 'counter_op').map((n) => n.count)).toEqual([2, 4]);
    expect(byName(profile, 'clamp').map((n) => n.count)).toEqual([2, 10]);
    expectExact(profile, report);
  });

  it('the cycle limit in a handler after many calls of it: every call before and the part up to the limit are in its frames', () => {
    const main = '    for i in 0..50 { let r = hypercall spin(10); }\n';
    const full = profileOf(files(main));
    // spin(10): let, for start + 11 tests, 10 statements, return = 24; with main's for test and let and the 300, 326 a round
    expect(only(full.profile, 'spin').self).toBe(50 * 24);
    // main's for start, 20 rounds, and the 21st up to 7 cycles into its handler
    const limit = 1 + 20 * 326 + 2 + 300 + 7;
    const { profile, report } = profileOf(files(main), limit);
    expect(report.end).toBe('max-cycles');
    expect(report.cycles).toBe(limit);
    const spin = only(profile, 'spin');
    expect(spin.count).toBe(21);
    expect(spin.self).toBe(20 * 24 + 7);
    // line 29 a whole call: the for start, 11 tests, 10 statements; the 21st: the let, then 6 at line 29 (start, test, statement, test, statement, test)
    expect(linesOf(spin)).toEqual({ 28: 21, 29: 20 * 22 + 6, 30: 20 });
    expectExact(profile, report);
  });
});
