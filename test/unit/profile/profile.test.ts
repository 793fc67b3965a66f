/**
 * The profiler (issue 6): every cycle of a run lands in exactly one call-tree
 * node and source line, the named frames carry the hypercall, trap, VM exit,
 * upcall and hypervisor cycles, and profiling never changes the run.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskHost } from '../../../sandbox/lang/fileHost.js';
import { Workspace } from '../../../sandbox/lang/program.js';
import { bootSystem } from '../../../sandbox/run/boot.js';
import { runReport } from '../../../sandbox/run/report.js';
import { profileSystem } from '../../../sandbox/profile/profileSystem.js';
import type { Profile, ProfileNode } from '../../../sandbox/profile/types.js';
import { ROOT } from '../sandbox/helpers.js';

const TOUR = path.join(ROOT, 'examples/tour/tour.pvk');
const PARAVIRT = path.join(ROOT, 'examples/paravirt/paravirt.pvk');
/** The paravirt example as a lazy port: its xen load_cr3 still runs write_cr3, which traps. */
const LAZY_PORT = path.join(ROOT, 'test/fixtures/lazyport/paravirt.pvk');

function profileOf(files: Record<string, string> | string, system?: string, extra: { maxCycles?: number; patchPvops?: boolean } = {}): { profile: Profile; report: ReturnType<typeof runReport> } {
  const ws = typeof files === 'string' ? new Workspace(diskHost) : new Workspace({ readFile: (p) => files[p] });
  const file = typeof files === 'string' ? files : Object.keys(files)[0];
  const r = profileSystem(ws, { file, system, options: { maxCycles: extra.maxCycles ?? 1_000_000_000, patchPvops: extra.patchPvops } });
  if (!r.ok) throw new Error(`${r.message}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r;
}

function plainRun(file: string, system?: string): ReturnType<typeof runReport> {
  const ws = new Workspace(diskHost);
  const boot = bootSystem(ws, { file, system, options: { maxCycles: 1_000_000_000 } });
  if (!boot.ok) throw new Error(boot.message);
  return runReport(boot.hv, boot.hv.run());
}

function subtreeSelf(p: Profile, id: number): number {
  const n = p.nodes[id];
  return n.self + n.children.reduce((a, c) => a + subtreeSelf(p, c), 0);
}

function find(p: Profile, pred: (n: ProfileNode) => boolean): ProfileNode[] {
  return p.nodes.filter(pred);
}

/** A one-domain system (no hypervisor) running the kernel `lines`, as in-memory files. */
function oneKernel(lines: string[]): Record<string, string> {
  return { '/p/sys.pvk': 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n', '/p/k.pvk': [...lines, ''].join('\n') };
}

/** The profile's tree under the one domain holds exactly the cycles its run charged. */
function expectEveryCycle(profile: Profile, report: ReturnType<typeof runReport>): void {
  const domain = profile.nodes.find((n) => n.kind === 'domain') as ProfileNode;
  expect(subtreeSelf(profile, domain.id)).toBe(report.domains[0].cycles);
}

const EXAMPLES: [string, string, string | undefined][] = [
  ['tour', TOUR, undefined],
  ['paravirt bare_metal', PARAVIRT, 'bare_metal'],
  ['paravirt pv', PARAVIRT, 'pv'],
  ['paravirt pv_patched', PARAVIRT, 'pv_patched'],
];

describe('profiles of the examples', () => {
  for (const [name, file, system] of EXAMPLES) {
    it(`${name}: sums exactly to the run's cycles per domain, and the run is the same as without profiling`, () => {
      const { profile, report } = profileOf(file, system);
      expect(report).toEqual(plainRun(file, system));
      for (const d of report.domains) {
        const node = profile.nodes.find((n) => n.kind === 'domain' && n.domain === d.id) as ProfileNode;
        expect(node.total, `domain ${d.name}`).toBe(d.cycles);
        expect(subtreeSelf(profile, node.id)).toBe(d.cycles);
        // the per-line costs of a domain add up to its cycles outside the named frames
        const named = profile.nodes.filter((n) => n.domain === d.id && n.kind !== 'function').reduce((a, n) => a + n.self, 0);
        const lines = profile.lines.filter((l) => l.domain === d.id).reduce((a, l) => a + l.cycles, 0);
        expect(lines + named).toBe(d.cycles);
      }
      const hv = profile.nodes.find((n) => n.kind === 'hypervisor') as ProfileNode;
      const idle = profile.nodes.find((n) => n.kind === 'idle') as ProfileNode;
      expect(hv.self).toBe(profile.summary.hypervisor);
      expect(profile.nodes[0].total).toBe(report.domains.reduce((a, d) => a + d.cycles, 0) + hv.self + idle.self);
      expect(profile.total).toBe(profile.nodes[0].total);
      // one pcpu: machine time is all accounted for
      if (profile.pcpus === 1) expect(profile.total).toBe(report.cycles);
      // hypercall and trap frames match the report's counts
      for (const d of report.domains) {
        for (const [hc, count] of Object.entries(d.hypercalls)) {
          const frames = find(profile, (n) => n.domain === d.id && n.kind === 'hypercall' && n.name === `[hypercall ${hc}]`);
          expect(frames.reduce((a, n) => a + n.count, 0), `${d.name} ${hc}`).toBe(count);
          expect(profile.summary.domains[d.id].hypercalls[hc].count).toBe(count);
        }
        for (const [t, count] of Object.entries(d.traps)) {
          expect(find(profile, (n) => n.domain === d.id && n.name === `[trap ${t}]`).reduce((a, n) => a + n.count, 0)).toBe(count);
        }
        expect(profile.summary.domains[d.id].running).toBe(d.cycles);
        expect(profile.summary.domains[d.id].upcalls.count).toBe(d.events);
      }
    });

    it(`${name}: the same system gives the same profile, byte for byte`, () => {
      expect(JSON.stringify(profileOf(file, system).profile)).toBe(JSON.stringify(profileOf(file, system).profile));
    });
  }
});

describe('attribution', () => {
  it("puts the spec's 10-cycle example on its lines: 1 + 8 + 1", () => {
    const sys = '/p/sys.pvk';
    const k = '/p/k.pvk';
    const { profile } = profileOf({
      [sys]: 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      [k]: 'fn main() -> u32 {\n    let s: u32 = 0;\n    for i in 0..3 { s += i; }\n    return s;\n}\n',
    });
    const main = profile.nodes.find((n) => n.kind === 'function' && n.name === 'main') as ProfileNode;
    expect(main.lines).toEqual([
      { line: 2, cycles: 1 },
      { line: 3, cycles: 8 },
      { line: 4, cycles: 1 },
    ]);
    expect(main.self).toBe(10);
    expect(profile.files[main.file]).toBe(k);
    expect(main.line).toBe(1);
  });

  it('attributes loops, continue, break and branches to their lines', () => {
    const { profile, report } = profileOf({
      '/p/sys.pvk': 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      '/p/k.pvk': [
        'fn main() -> u32 {',
        '    let s: u32 = 0;',
        '    let i: u32 = 0;',
        '    while (i < 10) {',
        '        i += 1;',
        '        if (i == 2) { continue; }',
        '        if (i == 5) { break; }',
        '        s += mem8[i];',
        '    }',
        '    if (s == 0) { s = 1; } else { s = 2; }',
        '    return s;',
        '}',
        '',
      ].join('\n'),
    });
    const main = profile.nodes.find((n) => n.name === 'main') as ProfileNode;
    // while: 5 tests; i += 1: 5; line 6: 5 tests + 1 continue; line 7: 4 tests + 1 break;
    // line 8: 3 × (statement + load); line 10: the test and the then-branch
    expect(main.lines).toEqual([
      { line: 2, cycles: 1 },
      { line: 3, cycles: 1 },
      { line: 4, cycles: 5 },
      { line: 5, cycles: 5 },
      { line: 6, cycles: 6 },
      { line: 7, cycles: 5 },
      { line: 8, cycles: 6 },
      { line: 10, cycles: 2 },
      { line: 11, cycles: 1 },
    ]);
    expect(report.domains[0].cycles).toBe(32);
  });

  it('attributes each of many loops in one function to its own line (more loop counters than fit in locals)', () => {
    const loops = Array.from({ length: 70 }, () => '    for i in 0..3 { s += i; }');
    const { profile, report } = profileOf({
      '/p/sys.pvk': 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      '/p/k.pvk': ['fn main() -> u32 {', '    let s: u32 = 0;', ...loops, '    return s;', '}', ''].join('\n'),
    });
    const main = profile.nodes.find((n) => n.name === 'main') as ProfileNode;
    // As in the 10-cycle example: each loop's line takes 8.
    expect(main.lines).toEqual([{ line: 2, cycles: 1 }, ...loops.map((_, i) => ({ line: 3 + i, cycles: 8 })), { line: 73, cycles: 1 }]);
    expect(report.domains[0].cycles).toBe(2 + 70 * 8);
  });

  it('faults at the file of the kernel that ran when two systems boot the same kernel text from different files', () => {
    const kernel = ['fn main() -> u32 {', '    let z: u32 = 0;', '    for i in 0..4 { z += i; }', '    return 10 / (z - 6);', '}', ''].join('\n');
    for (const dir of ['/a', '/b']) {
      const { profile, report } = profileOf({
        [`${dir}/sys.pvk`]: 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
        [`${dir}/k.pvk`]: kernel,
      });
      expect(report.domains[0].fault).toMatchObject({ kind: 'divide-by-zero', file: `${dir}/k.pvk`, line: 4 });
      const main = profile.nodes.find((n) => n.name === 'main') as ProfileNode;
      expect(profile.files[main.file]).toBe(`${dir}/k.pvk`);
    }
  });

  it('charges a call to the calling line and the callee to its own node, once per call path', () => {
    const sys = '/p/sys.pvk';
    const { profile } = profileOf({
      [sys]: 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      '/p/k.pvk': [
        'fn leaf(x: u32) -> u32 {',
        '    return x + mem32[0];',
        '}',
        'fn main() -> u32 {',
        '    let a: u32 = leaf(1);',
        '    a = a + leaf(2);',
        '    return a;',
        '}',
        '',
      ].join('\n'),
    });
    const main = profile.nodes.find((n) => n.name === 'main') as ProfileNode;
    const leaf = profile.nodes.filter((n) => n.name === 'leaf');
    expect(leaf).toHaveLength(1);
    expect(leaf[0].parent).toBe(main.id);
    expect(leaf[0].count).toBe(2);
    // return statement (1) + load (1), twice
    expect(leaf[0].lines).toEqual([{ line: 2, cycles: 4 }]);
    // let: 1 + call 5; assignment: 1 + call 5; return: 1
    expect(main.lines).toEqual([
      { line: 5, cycles: 6 },
      { line: 6, cycles: 6 },
      { line: 7, cycles: 1 },
    ]);
  });

  it('counts two calls along straight code exactly, also when the run stops or faults inside the first', () => {
    const files = (divisor: string) => ({
      '/p/sys.pvk': 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      '/p/k.pvk': [
        'fn f(x: u32) -> u32 {',
        '    let s: u32 = 0;',
        '    for i in 0..100 { s += i; }',
        `    return s / ${divisor};`,
        '}',
        'fn main() -> u32 {',
        '    let a: u32 = f(1);',
        '    a = a + f(2);',
        '    return a;',
        '}',
        '',
      ].join('\n'),
    });
    const lines = (p: Profile) => (p.nodes.find((n) => n.name === 'main') as ProfileNode).lines;
    const calls = (p: Profile) => (p.nodes.find((n) => n.name === 'f') as ProfileNode).count;
    // Both calls: let 1 + call 5, assignment 1 + call 5, return 1.
    const whole = profileOf(files('x')).profile;
    expect(calls(whole)).toBe(2);
    expect(lines(whole)).toEqual([
      { line: 7, cycles: 6 },
      { line: 8, cycles: 6 },
      { line: 9, cycles: 1 },
    ]);
    // Stopped (max-cycles) or crashed (x - 1 is 0) inside the first call: the second was never made.
    const stopped = profileOf(files('x'), undefined, { maxCycles: 100 });
    expect(stopped.report.end).toBe('max-cycles');
    const crashed = profileOf(files('(x - 1)'));
    expect(crashed.report.domains[0].fault?.kind).toBe('divide-by-zero');
    for (const { profile } of [stopped, crashed]) {
      expect(calls(profile)).toBe(1);
      expect(lines(profile)).toEqual([{ line: 7, cycles: 6 }]);
    }
  });

  it('profiles a run that crashes inside a call whose next call, to a function never called, was counted ahead', () => {
    // run() is entered fresh, so its two calls along straight code are counted as one block ahead; f crashes
    // (divide by zero) inside the first, and g, which nothing ever calls, gets no node: the profile still builds.
    const files = oneKernel(['fn f(x: u32) -> u32 {', '    return 100 / (x - 1);', '}', 'fn g(x: u32) -> u32 {', '    return x + 1;', '}', 'fn run() -> u32 {', '    return g(f(1));', '}', 'fn main() -> u32 {', '    return run();', '}']);
    const { profile, report } = profileOf(files);
    expect(report.domains[0].fault).toMatchObject({ kind: 'divide-by-zero', line: 2 });
    expect(profile.nodes.filter((n) => n.name === 'g')).toEqual([]);
    expect((profile.nodes.find((n) => n.name === 'f') as ProfileNode).count).toBe(1);
    expectEveryCycle(profile, report);
  });

  it('accounts for every cycle of a compound memory assignment that faults in a function called fresh', () => {
    // `mem16[a] %= d` loads, divides and stores at one source location; d is 0, so the division faults
    // with the statement and the load pending: the profile must still hold every cycle the run charged.
    const files = oneKernel(['fn bump(d: u32) -> u32 {', '    mem16[0x100] %= d;', '    return 0;', '}', 'fn main() -> u32 {', '    bump(3);', '    return bump(0);', '}']);
    const { profile, report } = profileOf(files);
    expect(report.domains[0].fault).toMatchObject({ kind: 'divide-by-zero', line: 2 });
    expectEveryCycle(profile, report);
  });

  it('profiles calls of one function in both branches of an if, when only the else branch runs', () => {
    const files = oneKernel(['fn g(a: u32) -> u32 {', '    return a;', '}', 'fn pick(x: u32) -> u32 {', '    if (x == 1) {', '        g(1);', '    } else {', '        g(2);', '    }', '    return 0;', '}', 'fn main() -> u32 {', '    return pick(0);', '}']);
    const { profile, report } = profileOf(files);
    expect(report.domains[0].fault ?? null).toBeNull();
    expect((profile.nodes.find((n) => n.name === 'g') as ProfileNode).count).toBe(1);
    expectEveryCycle(profile, report);
  });

  it('runs a call whose argument skips an intrinsic (`false && rdtsc() > 0`) for exactly the cycles of a plain run', () => {
    const files = oneKernel(['fn f(a: u32, b: bool) -> u32 {', '    return a;', '}', 'fn main() -> u32 {', '    let s: u32 = 0;', '    for i in 0..100 {', '        s += f(i, i > 1000 && rdtsc() > 0);', '    }', '    return s;', '}']);
    const boot = bootSystem(new Workspace({ readFile: (p) => files[p] }), { file: '/p/sys.pvk', options: { maxCycles: 1_000_000_000 } });
    if (!boot.ok) throw new Error(boot.message);
    const plain = runReport(boot.hv, boot.hv.run());
    const { profile, report } = profileOf(files);
    expect(report).toEqual(plain);
    expectEveryCycle(profile, report);
  });

  it('charges what a statement runs after a call to its line, also when the next check point stops the run', () => {
    const files = {
      '/p/sys.pvk': 'system s {\n    hypervisor none;\n    domain d { kernel "k.pvk"; memory 1; privileged; }\n}\n',
      '/p/k.pvk': ['fn leaf(x: u32) -> u32 {', '    return x;', '}', 'fn main() -> u32 {', '    mem32[0] = leaf(1);', '    let a: u32 = mem32[0];', '    return a;', '}', ''].join('\n'),
    };
    // line 5: 1 + call 5 + the store after it 1; leaf: 1. The run stops at line 6's check point, which never runs.
    for (const maxCycles of [8, 1_000]) {
      const { profile, report } = profileOf(files, undefined, { maxCycles });
      const main = profile.nodes.find((n) => n.name === 'main') as ProfileNode;
      expect(main.lines[0]).toEqual({ line: 5, cycles: 7 });
      if (maxCycles === 8) {
        expect(report.end).toBe('max-cycles');
        expect(main.lines).toHaveLength(1);
        expect(report.domains[0].cycles).toBe(8);
      }
    }
  });

  it('gives the pv trap, the pvop impls and the hypercalls their own frames (the lazy port of paravirt, pv)', () => {
    const { profile } = profileOf(LAZY_PORT, 'pv');
    const trap = profile.nodes.filter((n) => n.kind === 'trap');
    expect(trap.map((n) => [n.name, n.self, n.count])).toEqual([['[trap write_cr3]', 1000, 1]]);
    // the trap's frame sits under the xen impl that executed write_cr3
    expect(profile.nodes[trap[0].parent].name).toBe('cpu.load_cr3 [xen]');
    const pvop = profile.sites.filter((s) => s.kind === 'pvop');
    expect(pvop.reduce((a, s) => a + s.count, 0)).toBe(201);
    expect(pvop.reduce((a, s) => a + s.cycles, 0)).toBe(201 * 8);
    const trapSite = profile.sites.find((s) => s.kind === 'trap') as Profile['sites'][number];
    expect(trapSite).toMatchObject({ name: 'write_cr3', count: 1, cycles: 1000 });
    expect(path.basename(profile.files[trapSite.file])).toBe('cpu.pvk');
  });

  it('patched pvops cost 5 per call at their sites', () => {
    const { profile } = profileOf(PARAVIRT, 'pv_patched');
    const pvop = profile.sites.filter((s) => s.kind === 'pvop');
    expect(pvop.reduce((a, s) => a + s.cycles, 0)).toBe(201 * 5);
  });

  it('puts hypercalls, upcalls, context switches and idle time in named frames (tour)', () => {
    const { profile, report } = profileOf(TOUR);
    const hypercalls = profile.nodes.filter((n) => n.kind === 'hypercall');
    expect(hypercalls.length).toBeGreaterThan(0);
    for (const h of hypercalls) expect(h.name).toMatch(/^\[hypercall [a-z_]+\]$/);
    const upcalls = profile.nodes.filter((n) => n.kind === 'upcall');
    const events = report.domains.reduce((a, d) => a + d.events, 0);
    expect(upcalls.reduce((a, n) => a + n.count, 0)).toBe(events);
    expect(upcalls.reduce((a, n) => a + n.self, 0)).toBe(events * 200);
    // on_event runs below the upcall frame
    for (const u of upcalls) expect(u.children.map((c) => profile.nodes[c].name)).toContain('on_event');
    expect(profile.nodes.find((n) => n.kind === 'hypervisor')?.self).toBeGreaterThan(0);
  });
});
