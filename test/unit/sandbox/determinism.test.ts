/**
 * Determinism (spec §4 "exact and deterministic, the same in every engine",
 * §6 "the same interleaving every run"): the examples run twice through
 * `pvlab run --json` give byte-identical output; the tour prints what its
 * kernels say; the paravirt demo's cycle counts follow from the cost table.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES, lines, pvlab, runDomains, type CliRun } from './helpers.js';
import type { RunReport } from '../../../sandbox/run/report.js';

const TOUR = 'examples/tour/tour.pvk';
const PARAVIRT = 'examples/paravirt/paravirt.pvk';

const runs: [string, string[]][] = [
  ['tour', [TOUR]],
  ['paravirt bare_metal', [PARAVIRT, '--system', 'bare_metal']],
  ['paravirt pv', [PARAVIRT, '--system', 'pv']],
  ['paravirt pv_patched', [PARAVIRT, '--system', 'pv_patched']],
];

function run(args: string[], extra: string[] = []): CliRun {
  return pvlab(['run', ...args, '--json', ...extra]);
}

describe('the examples are deterministic through the CLI', () => {
  for (const [name, args] of runs) {
    it(`${name}: two runs give byte-identical stdout`, () => {
      const a = run(args);
      const b = run(args);
      expect(a.status).toBe(0);
      expect(a.stderr).toBe('');
      expect(b.stdout).toBe(a.stdout);
      expect(b.status).toBe(a.status);
      const report = JSON.parse(a.stdout) as RunReport;
      expect(report.end).toBe('exited');
      // the §7 shape
      expect(Object.keys(report)).toEqual(['system', 'hypervisor', 'cycles', 'end', 'domains']);
      for (const d of report.domains) {
        expect(Object.keys(d)).toEqual([
          'id', 'name', 'mode', 'state', 'exitCode', 'fault', 'console', 'cycles', 'hypercalls', 'traps', 'vmexits', 'events', 'pvopCalls',
        ]);
      }
    });
  }

  for (const [name, args] of runs) {
    it(`${name}: every engine gives the same report`, () => {
      const outs = ENGINES.map((engine) => run(args, ['--engine', engine]));
      for (const o of outs) expect(o.status).toBe(0);
      for (const o of outs.slice(1)) expect(o.stdout).toBe(outs[0].stdout);
    });
  }
});

describe('the tour', () => {
  it('prints the expected console lines and ends exited', () => {
    const r = run([TOUR]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report).toMatchObject({ system: 'tour', hypervisor: '4.2', end: 'exited' });
    const [dom0, ping, pong] = report.domains;
    expect(report.domains.map((d) => [d.id, d.name, d.mode, d.state, d.exitCode, d.fault])).toEqual([
      [0, 'dom0', 'pv', 'exited', 0, null],
      [1, 'ping', 'pv', 'exited', 0, null],
      [2, 'pong', 'pv', 'exited', 0, null],
    ]);
    expect(lines(dom0)).toEqual([
      'dom0: hypervisor 4.2', // xen_version(0) = (4 << 16) + 2
      'dom0: ring is up, sending the token',
      'dom0: token back after round 1, sending it again',
      'dom0: token back after round 2, sending it again',
      'dom0: 3 rounds done',
    ]);
    expect(lines(ping)).toEqual([
      'ping: granted page 1 to pong as ref 1, ring port 2', // refs and ports lowest-free from 1
      'ping: token (hop 1), passing it to pong',
      'ping: token (hop 2), passing it to pong',
      'ping: token (hop 3), passing it to pong',
    ]);
    expect(lines(pong)).toEqual([
      `pong: mapped ping's page at ${0x40000000}, it says:`, // slot 0 of the grant window
      'hello from ping!', // console_io of the 16 granted bytes, then print("")
      'pong: token (hop 1), returning it to dom0',
      'pong: token (hop 2), returning it to dom0',
      'pong: token (hop 3), returning it to dom0',
    ]);
    // each hop is one upcall
    expect(report.domains.map((d) => d.events)).toEqual([3, 3, 3]);
    expect(pong.hypercalls.console_io).toBe(1);
    expect(ping.hypercalls.grant_table_op).toBe(1);
    // two pcpus: elapsed is below the sum of what the domains consumed
    const sum = report.domains.reduce((a, d) => a + d.cycles, 0);
    expect(report.cycles).toBeLessThan(sum);
  });
});

describe('the paravirt demo: cycles from the cost table', () => {
  // kernel.pvk, by hand. Impl bodies: native irq_disable/irq_enable = stmt 1 + cli/sti 2 = 3,
  // load_cr3 = 1 + write_cr3 200 = 201; xen irq_* = stmt 1 + store 1 = 2, load_cr3 = stmt 1 + store 1 = 2
  // (the lazy port of test/fixtures/lazyport: 1 + 200 + trap 1000 = 1201).
  // update(i) = (1 + P + irq) + (1 + load 1 + store 1) + 1 + (1 + P + irq), P the pvop cost.
  // main = for (1 + 101 tests + 100 × (1 + 5 + update)) + (1 + P + load_cr3) + let 1
  //        + for (1 + 17 tests + 16 × (1 + load 1)) + print 1 + return 1.
  const LAZY_PORT = 'test/fixtures/lazyport/paravirt.pvk';
  const expected: [string, string, number, Record<string, number>][] = [
    // update = 12 + 3 + 1 + 12 = 28; 102 + 3400 + (1 + 8 + 201) + 1 + 50 + 2 = 3765
    [PARAVIRT, 'bare_metal', 3765, {}],
    // update = 11 + 4 + 11 = 26; 102 + 3200 + (1 + 8 + 2) + 1 + 50 + 2 = 3366
    [PARAVIRT, 'pv', 3366, {}],
    // update = 8 + 4 + 8 = 20; 102 + 2600 + (1 + 5 + 2) + 1 + 50 + 2 = 2763
    [PARAVIRT, 'pv_patched', 2763, {}],
    // the lazy port: 102 + 3200 + (1 + 8 + 1201) + 1 + 50 + 2 = 4565
    [LAZY_PORT, 'pv', 4565, { write_cr3: 1 }],
    // 102 + 2600 + (1 + 5 + 1201) + 1 + 50 + 2 = 3962
    [LAZY_PORT, 'pv_patched', 3962, { write_cr3: 1 }],
  ];
  for (const [file, system, cycles, traps] of expected) {
    it(`${file === PARAVIRT ? 'the example' : 'the lazy port'}, ${system}: ${cycles} cycles`, () => {
      const r = run([file, '--system', system]);
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as RunReport;
      expect(report.system).toBe(system);
      const d = report.domains[0];
      expect(d.console).toBe('sum 4950 after 100 critical sections\n'); // 0 + 1 + … + 99
      expect(d.cycles).toBe(cycles);
      expect(report.cycles).toBe(cycles); // one domain, one pcpu, no switch, no idle
      expect(d.traps).toEqual(traps);
      expect(d.pvopCalls).toBe(201); // 100 × 2 + load_cr3
      expect(d.mode).toBe(system === 'bare_metal' ? 'native' : 'pv');
    });
  }
});

describe('interleavings are deterministic in-process too', () => {
  it('a busy multi-domain, multi-pcpu system gives the same report twice', () => {
    const guest = (n: number) => `var got: u32 = 0;
fn on_event(port: u32) { got += 1; }
fn main() -> u32 {
    let p = hypercall event_channel_op(0, 0, ${n});
    for i in 0..200 {
        hypercall event_channel_op(4, p as u32, 0);
        if (i % 7 == 0) { hypercall sched_op(0, 0); }
        for j in 0..(i * 13 % 50) { }
    }
    return got;
}`;
    const dom0 = `var got: u32 = 0;
fn on_event(port: u32) { got += 1; print("from port ", port, " at ", rdtsc()); }
fn main() -> u32 {
    for d in 1..4 { hypercall event_channel_op(6, d, 0); }
    let t = rdtsc();
    while (rdtsc() - t < 300000) { hypercall sched_op(0, 0); }
    return got;
}`;
    const doms = [
      { name: 'dom0', kernel: dom0, props: 'privileged;' },
      { name: 'g1', kernel: guest(1), props: 'weight 300;' },
      { name: 'g2', kernel: guest(2), props: 'vcpus 2;' },
      { name: 'g3', kernel: guest(3), props: 'cap 40;' },
    ];
    const a = runDomains(doms, 'hypervisor 4.2; pcpus 3; timeslice 700;');
    const b = runDomains(doms, 'hypervisor 4.2; pcpus 3; timeslice 700;');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.domains[0].events).toBeGreaterThan(0);
    for (const engine of ENGINES) {
      const c = runDomains(doms, 'hypervisor 4.2; pcpus 3; timeslice 700;', { engine });
      expect({ engine, report: c }).toEqual({ engine, report: a });
    }
  });
});
