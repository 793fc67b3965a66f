/**
 * Faults (spec §4): every fault kind stops only the faulting domain (state
 * `crashed`, with kind, message, file and line); the other domains run on to
 * completion; `pvlab run` exits 1 when a domain crashed (§7).
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, cliRun, lines, runDomains, runKernel, runSystem } from './helpers.js';

forEachEngine(() => {
  /** dom0 grants its frame 1 read-only to domain 1 (ref 1), lets the others run, and reports. */
  const DOM0 = `fn main() -> u32 {
    mem32[4096] = 0x1234;
    let g = hypercall grant_table_op(100, 1, 1, 1, 0);
    for i in 0..4 { hypercall sched_op(0, 0); }
    print("dom0 done, frame 1 = ", mem32[4096]);
    return 0;
}`;

  const GOOD = `fn main() -> u32 {
    for i in 0..3 { hypercall sched_op(0, 0); }
    print("good done");
    return 7;
}`;

  interface FaultCase {
    name: string;
    kind: string;
    /** Line 2 of the bad kernel (setup). */
    setup: string;
    /** Line 3 of the bad kernel: faults. */
    fault: string;
    /** Extra items after main (from line 7). */
    after?: string;
    line?: number;
  }

  const CASES: FaultCase[] = [
    { name: 'u32 /', kind: 'divide-by-zero', setup: 'let z: u32 = 0;', fault: 'let x = 10 / z;' },
    { name: 'u32 %', kind: 'divide-by-zero', setup: 'let z: u32 = 0;', fault: 'let x = 10 % z;' },
    { name: 'i32 /', kind: 'divide-by-zero', setup: 'let z: i32 = 0;', fault: 'let x: i32 = -5 / z;' },
    { name: 'i32 %', kind: 'divide-by-zero', setup: 'let z: i32 = 0;', fault: 'let x: i32 = -5 % z;' },
    { name: '/= compound', kind: 'divide-by-zero', setup: 'let x: u32 = 5;', fault: 'x /= x - 5;' },
    { name: 'load past the last page', kind: 'out-of-range', setup: 'let top: u32 = 16 * 4096;', fault: 'let x = mem32[top];' },
    { name: 'mem8 store at 0xFFFFFFFF', kind: 'out-of-range', setup: '', fault: 'mem8[0xFFFFFFFF] = 1;' },
    { name: 'unmapped grant window', kind: 'out-of-range', setup: '', fault: 'let x = mem8[0x40000000];' },
    { name: 'misaligned mem16 load', kind: 'misaligned', setup: '', fault: 'let x = mem16[4097];' },
    { name: 'misaligned mem32 store', kind: 'misaligned', setup: '', fault: 'mem32[4098] = 1;' },
    { name: 'misaligned cmpxchg', kind: 'misaligned', setup: '', fault: 'let x = cmpxchg(4097, 0, 1);' },
    {
      name: 'write to a read-only grant',
      kind: 'read-only',
      setup: 'let a = hypercall grant_table_op(0, 0, 1, 0, 0);',
      fault: 'mem32[a as u32] = 0xdead;',
    },
    {
      name: 'stack-overflow above 256 frames',
      kind: 'stack-overflow',
      setup: '',
      fault: 'f(0);',
      after: `fn f(n: u32) {
    f(n + 1);
}`,
      line: 8,
    },
  ];

  function badKernel(c: FaultCase): string {
    return `fn main() -> u32 {
    ${c.setup}
    ${c.fault}
    print("never");
    return 0;
}
${c.after ?? ''}`;
  }

  describe('every fault kind crashes only the faulting domain', () => {
    for (const c of CASES) {
      it(`${c.name} → ${c.kind}`, () => {
        const r = runDomains([
          { name: 'dom0', kernel: DOM0, props: 'privileged;' },
          { name: 'bad', kernel: badKernel(c) },
          { name: 'good', kernel: GOOD },
        ]);
        const [dom0, bad, good] = r.domains;
        expect(bad.state).toBe('crashed');
        expect(bad.exitCode).toBeNull();
        expect(bad.console).toBe('');
        expect(bad.fault).toMatchObject({ kind: c.kind, file: '/t/bad.pvk', line: c.line ?? 3 });
        expect(typeof bad.fault?.message).toBe('string');
        expect(bad.fault?.message.length).toBeGreaterThan(0);
        expect(Object.keys(bad.fault ?? {}).sort()).toEqual(['file', 'kind', 'line', 'message']);
        // the others run on to completion; a read-only mapping never changed dom0's frame
        expect(dom0).toMatchObject({ state: 'exited', exitCode: 0, fault: null });
        expect(lines(dom0)).toEqual([`dom0 done, frame 1 = ${0x1234}`]);
        expect(good).toMatchObject({ state: 'exited', exitCode: 7, fault: null, console: 'good done\n' });
        expect(r.end).toBe('exited');
      });
    }

    it('the call depth limit is exactly 256 frames', () => {
      const { dom } = runKernel(
        `fn f(n: u32) {
    if (n >= 255) { print("depth ", n); }
    f(n + 1);
}
fn main() -> u32 {
    f(2);
    return 0;
}`,
        { mode: 'native' },
      );
      // main is frame 1, f(n) is frame n: frames 255 and 256 run, the call to a 257th faults
      expect(lines(dom)).toEqual(['depth 255', 'depth 256']);
      expect(dom.fault).toMatchObject({ kind: 'stack-overflow', line: 3 });
    });

    it('no-hypervisor: a hypercall under `hypervisor none` faults', () => {
      const { dom, report } = runKernel(
        `fn main() -> u32 {
    print("before");
    let v = hypercall xen_version(0);
    print("after");
    return 0;
}`,
        { mode: 'native' },
      );
      expect(lines(dom)).toEqual(['before']);
      expect(dom.state).toBe('crashed');
      expect(dom.fault).toMatchObject({ kind: 'no-hypervisor', file: '/t/k.pvk', line: 3 });
      expect(report.hypervisor).toBe('none');
      expect(report.end).toBe('exited');
    });

    it('a fault in an imported file reports that file and line', () => {
      const r = runSystem({
        '/t/sys.pvk': `system s { hypervisor 4.2; domain d { kernel "k.pvk"; privileged; } }`,
        '/t/k.pvk': `import "lib/div.pvk";
fn main() -> u32 {
    return div(1, 0);
}`,
        '/t/lib/div.pvk': `// helper
fn div(a: u32, b: u32) -> u32 {
    return a / b;
}`,
      });
      expect(r.domains[0].fault).toMatchObject({ kind: 'divide-by-zero', file: '/t/lib/div.pvk', line: 3 });
    });

    it('a fault in on_event crashes the domain', () => {
      const { dom } = runKernel(`
var d: u32 = 0;
fn on_event(port: u32) {
    let x = port / d;
}
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    while (true) { }
    return 0;
}`);
      expect(dom.state).toBe('crashed');
      expect(dom.events).toBe(1);
      expect(dom.fault).toMatchObject({ kind: 'divide-by-zero', line: 4 });
    });

    it('a fault on one vCPU stops the whole domain, and the run still ends', () => {
      const r = runDomains(
        [
          { name: 'dom0', kernel: `fn main() -> u32 { for i in 0..5 { hypercall sched_op(0, 0); } print("dom0 done"); return 0; }`, props: 'privileged;' },
          {
            name: 'smp',
            props: 'vcpus 2;',
            kernel: `fn main() -> u32 {
    if (vcpu_id() == 1) {
        hypercall sched_op(0, 0);
        let x = mem32[0x7fff0000];
    }
    while (true) { }
    return 0;
}`,
          },
        ],
        'hypervisor 4.2; timeslice 1000;',
        { maxCycles: 10_000_000 },
      );
      expect(r.domains[1]).toMatchObject({ state: 'crashed', fault: { kind: 'out-of-range', line: 4 } });
      expect(r.domains[0]).toMatchObject({ state: 'exited', console: 'dom0 done\n' });
      expect(r.end).toBe('exited');
      expect(r.cycles).toBeLessThan(100_000);
    });
  });

  describe('pvlab run exit status with a crashed domain', () => {
    it('exits 1 when a domU crashed although the run ended exited', () => {
      const c = CASES.find((x) => x.kind === 'read-only') as FaultCase;
      const { status, report } = cliRun({
        'sys.pvk': `system s {
    hypervisor 4.2;
    domain dom0 { kernel "dom0.pvk"; privileged; }
    domain bad { kernel "bad.pvk"; }
    domain good { kernel "good.pvk"; }
}`,
        'dom0.pvk': DOM0,
        'bad.pvk': badKernel(c),
        'good.pvk': GOOD,
      });
      expect(status).toBe(1);
      expect(report.end).toBe('exited');
      expect(report.domains.map((d) => d.state)).toEqual(['exited', 'crashed', 'exited']);
      const f = report.domains[1].fault;
      expect(f?.kind).toBe('read-only');
      expect(f?.line).toBe(3);
      expect(f?.file.endsWith('bad.pvk')).toBe(true);
    });

    it('exits 1 for a no-hypervisor fault', () => {
      const { status, report } = cliRun({
        'sys.pvk': `system s { hypervisor none; domain d { kernel "k.pvk"; privileged; } }`,
        'k.pvk': `fn main() -> u32 {\n    return hypercall xen_version(0) as u32;\n}`,
      });
      expect(status).toBe(1);
      expect(report.domains[0].fault).toMatchObject({ kind: 'no-hypervisor', line: 2 });
    });

    it('exits 0 when every domain exited, whatever the exit codes', () => {
      const { status, report } = cliRun({
        'sys.pvk': `system s { hypervisor 4.2; domain d { kernel "k.pvk"; privileged; } }`,
        'k.pvk': `fn main() -> u32 { return 3; }`,
      });
      expect(status).toBe(0);
      expect(report.domains[0]).toMatchObject({ state: 'exited', exitCode: 3 });
    });
  });
});
