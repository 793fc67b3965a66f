import { describe, expect, it } from 'vitest';
import { boot, exampleCases, memoryHost, parsed, report, reportSwitchingEngines, reportWithStops, type Case } from './harness.js';

/** Kernels that stress suspension: upcalls landing in nested calls, blocking inside calls, pvops, two pcpus. */
const stress: Case = {
  label: 'stress',
  file: '/stress/sys.pvk',
  host: memoryHost({
    '/stress/sys.pvk': `
system stress {
    hypervisor 4.2; pcpus 2; timeslice 700;
    domain dom0 { kernel "a.pvk"; memory 2; privileged; }
    domain u1 { kernel "b.pvk"; memory 2; vcpus 2; }
    domain u2 { kernel "b.pvk"; memory 2; weight 512; }
}`,
    '/stress/a.pvk': `
var got: u32 = 0;
fn on_event(port: u32) { got += port; if (got % 3 == 0) { print("dom0 got ", got); } }
fn spin(n: u32) -> u32 { let s: u32 = 0; for i in 0..n { s += i * i; } return s; }
fn main() -> u32 {
    let p1 = hypercall event_channel_op(6, 1, 0);
    let p2 = hypercall event_channel_op(6, 2, 0);
    let total: u32 = 0;
    for round in 0..30 {
        total += spin(40 + round);
        hypercall event_channel_op(4, p1 as u32, 0);
        hypercall event_channel_op(4, p2 as u32, 0);
        if (round % 5 == 0) { hypercall sched_op(0, 0); }
    }
    print("dom0 total ", total, " events ", got);
    return total % 251;
}`,
    '/stress/b.pvk': `
pvops ops { fn work(x: u32) -> u32; }
impl ops for native { fn work(x: u32) -> u32 { return x + 1; } }
impl ops for xen { fn work(x: u32) -> u32 { mem8[vcpu_info()] = 1; let r = x * 3; mem8[vcpu_info()] = 0; return r; } }
var seen: u32 = 0;
fn deep(n: u32) -> u32 { if (n == 0) { return ops.work(seen); } return deep(n - 1) + 1; }
fn on_event(port: u32) { seen += deep(port + 3); }
fn main() -> u32 {
    let me = vcpu_id();
    let port: i32 = -1;
    while (port < 0) { port = hypercall event_channel_op(0, 0, domain_id()); if (port < 0) { hypercall sched_op(0, 0); } }
    let acc: u32 = 0;
    for i in 0..25 {
        acc += deep(i % 6) + me;
        if (i % 4 == 0) { hypercall sched_op(1, 0); }
    }
    print(domain_id(), ".", me, " acc ", acc, " seen ", seen);
    return 0;
}`,
  }),
};

const cases = [...exampleCases(), stress];

describe('the three engines agree', () => {
  for (const c of cases) {
    it(`${c.label}: fast, step and interpreter give byte-identical reports`, () => {
      const fast = report(boot(c, 'fast'));
      expect(report(boot(c, 'step'))).toBe(fast);
      expect(report(boot(c, 'interpreter'))).toBe(fast);
      expect(report(boot(c, 'fast'))).toBe(fast);
    });
  }

  it('the stress system really exercises events, blocking and several vCPUs', () => {
    const r = parsed(report(boot(stress, 'fast')));
    expect(r.domains.map((d) => d.events).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect(r.domains[0].console).toContain('dom0 total');
    expect(r.domains[2].console).toMatch(/^2\.0 acc \d+ seen \d+\n$/);
  });
});

describe('a debugger stop is invisible to the machine', () => {
  for (const c of cases) {
    for (const engine of ['step', 'interpreter'] as const) {
      it(`${c.label}: ${engine} stopped before every 1st, 3rd and 17th boundary ends exactly as without stops`, () => {
        const plain = report(boot(c, engine));
        for (const k of [1, 3, 17]) {
          const { json, stops } = reportWithStops(c, engine, k);
          expect(stops).toBeGreaterThan(0);
          expect(json).toBe(plain);
        }
      });
    }
  }
});

describe('frames carry over between engines', () => {
  for (const c of cases) {
    it(`${c.label}: switching engine at every scheduling step changes nothing`, () => {
      expect(reportSwitchingEngines(c)).toBe(report(boot(c, 'interpreter')));
    });
  }
});

describe('the stepping engine asks only at armed boundaries', () => {
  it('arming one boundary id stops exactly at each execution of it', async () => {
    const { FastEngine } = await import('../../../sandbox/vm/fastEngine.js');
    const c = exampleCases()[1];
    const hv = boot(c, 'step');
    const engine = hv.engine as InstanceType<typeof FastEngine>;
    const program = hv.domains[0].program;
    // The `for` test inside main: executed 101 times.
    const armed = new Uint8Array(program.boundaryCount);
    const asked: number[] = [];
    engine.boundaryHook = (_v, b) => {
      asked.push(b.id);
      return true;
    };
    const forTest = engine.sourceOf(program).match(/HM\[(\d+)\]/g)?.map((m) => Number(/\d+/.exec(m)?.[0]));
    expect(forTest && forTest.length).toBeGreaterThan(0);
    let target = -1;
    const plain = parsed(report(boot(c, 'interpreter')));
    // Find the for-test boundary of main's first loop through the interpreter's hook.
    const probe = boot(c, 'interpreter');
    probe.engine.boundaryHook = (_v, b) => {
      if (target < 0 && b.kind === 'for-test') target = b.id;
      return false;
    };
    probe.run();
    armed[target] = 1;
    engine.armed.set(program, armed);
    let stops = 0;
    while (hv.end === undefined) if (hv.step() === 'breakpoint') stops++;
    expect(stops).toBe(101);
    expect(asked.every((id) => id === target)).toBe(true);
    expect(hv.domains[0].cycles).toBe(plain.domains[0].cycles);
  });
});
