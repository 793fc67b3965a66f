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

/**
 * The fast engine adds the static costs of a straight run of statements in
 * one step; a fault in the middle of such a run must still charge exactly
 * what ran before it (spec §4), as the interpreter does one cost at a time.
 */
/** A one-domain system around a kernel whose `main` has this body (and `fn id` for calls). */
function kernelCase(label: string, body: string, system = 'hypervisor none;', memory = 1): Case {
  return kernelFileCase(label, `fn id(x: u32) -> u32 { return x; }\nfn main() -> u32 {\n    ${body}\n}\n`, system, memory);
}

/** A one-domain system around a whole kernel file. */
function kernelFileCase(label: string, kernel: string, system = 'hypervisor none;', memory = 1): Case {
  return {
    label,
    file: '/k/sys.pvk',
    host: memoryHost({
      '/k/sys.pvk': `system k { ${system} domain d { kernel "k.pvk"; memory ${memory}; privileged; } }`,
      '/k/k.pvk': kernel,
    }),
  };
}

describe('deferred costs and intrinsics: rdtsc sees the exact count, a skipped operand charges nothing', () => {
  const kernels: [string, string][] = [
    ['an intrinsic in an operand that || skips, after a load (fuzz seed 652)', 'mem16[8] = 5; mem16[8] -= mem32[0] | (true || xen_domain()) as u32; return mem16[8];'],
    ['rdtsc after loads in the same statement', 'let a = mem32[0] + mem32[4] + rdtsc() + mem32[8]; return a;'],
    ['rdtsc in an operand && evaluates, after loads', 'let t = mem32[0] == 0 && rdtsc() > 3; if (t) { return rdtsc(); } return 0;'],
    ['a loop test that leaves, with a load before it', 'let s: u32 = 0; let i: u32 = 0; while (i < 50) { s += mem32[i * 4]; i += 1; if (s > 100) { break; } } return s + rdtsc();'],
  ];
  for (const [label, body] of kernels) {
    it(label, () => {
      const c = kernelCase(label, body);
      const reference = parsed(report(boot(c, 'interpreter')));
      expect(reference.domains[0].state).toBe('exited');
      expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
    });
  }
});

describe('a fault in the middle of straight-line code charges exactly what ran before it', () => {
  const kernels: [string, string][] = [
    ['load out of range after loads and stores', 'let a = mem32[0]; mem32[4] = a + 1; let b = mem8[8] + mem32[4]; let c = mem32[0x7ffffff0] + b; return c;'],
    ['store out of range after loads', 'let a = mem32[0] + mem32[4]; mem8[12] = 3; mem32[0x7ffffff0] = a; return a;'],
    ['misaligned load inside an expression', 'let a = mem32[0]; let b = a + mem16[8] + mem32[6]; return b;'],
    ['division by zero after loads', 'let z = mem32[0]; let a = mem32[4] + 7; let q = a / z; return q;'],
    ['remainder by zero in a return', 'let z = mem8[1]; return (mem32[8] + 5) % z;'],
    ['fault in a loop body after deferred costs', 'let s: u32 = 0; for i in 0..10 { s += mem32[i * 4]; mem32[i * 4 + 4] = s; if (i == 7) { s += mem32[0x7ffffff0]; } } return s;'],
    ['fault in a callee argument after deferred costs', 'let a = mem32[0]; let r = id(a + mem32[0x7ffffff0]); return r;'],
    ['short-circuit right operand that faults', 'let a = mem32[0]; if (a == 0 && mem32[0x7ffffff0] == 1) { return 1; } return 2;'],
  ];
  for (const [label, body] of kernels) {
    it(label, () => {
      const c = kernelCase(label, body);
      const reference = parsed(report(boot(c, 'interpreter')));
      expect(reference.domains[0].state).toBe('crashed');
      expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
      expect(parsed(report(boot(c, 'step')))).toEqual(reference);
    });
  }
});

/** The fast path skips the alignment test only where the address is a multiple of the width for every value. */
describe('alignment: provably aligned addresses skip the test, everything else still faults misaligned', () => {
  const kernels: [string, string, 'exited' | 'crashed'][] = [
    ['i * 4 + 8 is aligned', 'let s: u32 = 0; for i in 0..8 { mem32[i * 4 + 8] = i; s += mem32[8 + i * 4]; } return s;', 'exited'],
    ['i << 2 is aligned', 'let s: u32 = 0; for i in 0..8 { mem32[i << 2] = i; s += mem32[i << 2]; } return s;', 'exited'],
    ['i * 4 + 2 is not: a 32-bit access there faults', 'let i: u32 = 3; return mem32[i * 4 + 2];', 'crashed'],
    ['i * 2 is not 4-aligned', 'let i: u32 = 3; mem32[i * 2] = 1; return 0;', 'crashed'],
    ['(x & 0xfffc) is aligned, (x | 1) is not', 'let x: u32 = 7; mem32[x & 0xfffc] = 5; return mem16[x | 1];', 'crashed'],
    ['i * 4 - 2 is not', 'let i: u32 = 2; mem16[i * 4 - 2] = 1; return mem32[i * 4 - 2];', 'crashed'],
  ];
  for (const [label, body, state] of kernels) {
    it(label, () => {
      const c = kernelCase(label, body);
      const reference = parsed(report(boot(c, 'interpreter')));
      expect(reference.domains[0].state).toBe(state);
      if (state === 'crashed') expect(reference.domains[0].fault?.kind).toBe('misaligned');
      expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
    });
  }
});

describe('division by a constant is inlined with the same results as the checked helpers', () => {
  it('u32 and i32 division and remainder by constants, including -1 and large unsigned divisors', () => {
    const c = kernelFileCase('const division', `fn main() -> u32 {
    let m: i32 = -2147483647 - 1;
    let x: u32 = 0xfffffff1;
    print(x / 7, " ", x % 7, " ", x / 0x80000001, " ", x % 0x80000001);
    let a: i32 = -17;
    let b: i32 = 17;
    print(m / -1, " ", m % -1, " ", a / 5, " ", a % 5, " ", b / -5, " ", b % -5);
    let s: u32 = 0;
    for i in 0..100 { s += i % 7 + i / 3; }
    return s;
}
`);
    const reference = parsed(report(boot(c, 'interpreter')));
    expect(reference.domains[0].console).toBe('613566754 3 1 2147483632\n-2147483648 0 -3 -2 -3 2\n');
    expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
  });
});

/**
 * Loads through the exact-size views; the plain fast engine also reads an aligned word at a
 * side-effect-free address through the words view, indexed by the address over 4.
 */
describe('loads through the exact-size views: after a balloon shrink, in the grant window, and indexed by the address over 4', () => {
  const kernels: [string, string, 'exited' | 'crashed'][] = [
    ['mem8 beyond the limit after a shrink faults', 'hypercall memory_op(1, 2); let s: u32 = 0; for i in 0..3 { s += mem8[i * 4096 + 5]; } return s;', 'crashed'],
    ['aligned mem32 beyond the limit after a shrink faults', 'mem32[4096 * 2] = 9; hypercall memory_op(1, 2); let s: u32 = 0; for i in 0..3 { s += mem32[i * 4096]; } return s;', 'crashed'],
    ['grow, write and read back through both views', 'hypercall memory_op(0, 2); mem32[4096 * 5 + 8] = 77; mem8[4096 * 5 + 1] = 5; return mem32[4096 * 5 + 8] + mem8[4096 * 5 + 1];', 'exited'],
    ['negative and grant-window addresses with nothing mapped fault', 'let a: u32 = 0x40000000; return mem8[a];', 'crashed'],
    ['a word index that wraps past 2^32 reads the wrapped address', 'mem32[8] = 1234; let i: u32 = 0x40000002; return mem32[i * 4];', 'exited'],
    [
      'constants, sums, differences, shifts and products of a word index',
      'for i in 0..16 { mem32[i * 4] = i * 3 + 1; } let s: u32 = 0; for i in 1..8 { s += mem32[(i << 2) + 8] + mem32[i * 4 - 4] + mem32[4 * i] + mem32[2 * (i * 2)] + mem32[(i * 4) * 2] + mem32[(i << 3) - (i << 2)]; } return s;',
      'exited',
    ],
    ['a negative word address faults', 'let i: u32 = 0xffffffff; return mem32[i * 4];', 'crashed'],
    ['a word address past the memory faults after deferred costs', 'let a = mem32[0]; mem32[4] = a; let b = mem32[4] + mem32[a * 4 + 0x7ffffff0]; return b;', 'crashed'],
    ['a grant-window word address goes to the checked path', 'let i: u32 = 3; return mem32[0x40000000 + i * 4];', 'crashed'],
  ];
  for (const [label, body, state] of kernels) {
    it(label, () => {
      const c = kernelCase(label, body, 'hypervisor 4.2;', 4);
      const reference = parsed(report(boot(c, 'interpreter')));
      expect(reference.domains[0].state).toBe(state);
      expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
      expect(parsed(report(boot(c, 'step')))).toEqual(reference);
    });
  }
});

/** Plain generated code passes the call depth along instead of counting it in shared state: event delivery must still see it. */
describe('an event delivered deep in recursion sees the call depth', () => {
  it('on_event runs below a frame 102 calls deep, and faults below one 256 deep, as in the interpreter', () => {
    const c = kernelFileCase('deep event', `var got: u32 = 0;
fn on_event(port: u32) { got += 1; }
fn deep(n: u32, port: u32) -> u32 {
    if (n == 0) { hypercall event_channel_op(4, port, 0); return 1; }
    return deep(n - 1, port) + 1;
}
fn main() -> u32 {
    let p1 = hypercall event_channel_op(6, domain_id(), 0);
    let port = hypercall event_channel_op(0, domain_id(), p1 as u32);
    mem8[vcpu_info()] = 0;
    let a = deep(100, port as u32);
    print("got ", got, " a ", a);
    return deep(254, port as u32);
}
`, 'hypervisor 4.2;');
    const reference = parsed(report(boot(c, 'interpreter')));
    expect(reference.domains[0].console).toBe('got 1 a 101\n');
    expect(reference.domains[0].fault?.message).toContain('delivering an event to on_event');
    expect(parsed(report(boot(c, 'fast')))).toEqual(reference);
    expect(parsed(report(boot(c, 'step')))).toEqual(reference);
  });
});
