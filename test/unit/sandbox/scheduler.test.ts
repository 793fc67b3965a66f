/**
 * Scheduling (spec §6, §7): weights share pcpu time in proportion, `cap`
 * limits a domain to N% of one pcpu, how a run ends (exited, deadlock,
 * max-cycles) and its exit status, paused domains at the end, and several
 * pcpus running in parallel.
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, cliRun, runDomains } from './helpers.js';

forEachEngine(() => {
  const SPIN = `fn main() -> u32 {
    while (true) { }
    return 0;
}`;

  /** CPU-bound too, with fewer loop iterations per cycle (1 test + 1 let + rdtsc 20 = 22): kinder to the interpreter. */
  const BUSY = `fn main() -> u32 {
    while (true) { let t = rdtsc(); }
    return 0;
}`;

  /** A fixed amount of work: `n` loop iterations of 2 cycles, then exit. */
  const work = (n: number) => `fn main() -> u32 {
    let s: u32 = 0;
    for i in 0..${n} { s += i; }
    return 0;
}`;

  describe('weights', () => {
    it('two CPU-bound domains with weights 256 and 512 share one pcpu 1:2 (within 5%)', () => {
      const r = runDomains(
        [
          { name: 'light', kernel: BUSY, props: 'privileged; weight 256;' },
          { name: 'heavy', kernel: BUSY, props: 'weight 512;' },
        ],
        'hypervisor 4.2; pcpus 1;',
        { maxCycles: 5_000_000 },
      );
      expect(r.end).toBe('max-cycles');
      const [light, heavy] = r.domains.map((d) => d.cycles);
      const ratio = heavy / light;
      expect(Math.abs(ratio - 2) / 2).toBeLessThan(0.05);
      // the domains used nearly all of the elapsed time (the rest is context switches)
      expect(light + heavy).toBeGreaterThan(0.9 * r.cycles);
    });

    it('weights 256, 512 and 768 share 1:2:3 (within 5%)', () => {
      const r = runDomains(
        [
          { name: 'a', kernel: BUSY, props: 'privileged;' },
          { name: 'b', kernel: BUSY, props: 'weight 512;' },
          { name: 'c', kernel: BUSY, props: 'weight 768;' },
        ],
        'hypervisor 4.2;',
        { maxCycles: 6_000_000 },
      );
      const [a, b, c] = r.domains.map((d) => d.cycles);
      expect(Math.abs(b / a - 2) / 2).toBeLessThan(0.05);
      expect(Math.abs(c / a - 3) / 3).toBeLessThan(0.05);
    });

    it('equal (default) weights share equally', () => {
      const r = runDomains(
        [
          { name: 'a', kernel: BUSY, props: 'privileged;' },
          { name: 'b', kernel: BUSY },
          { name: 'c', kernel: BUSY },
        ],
        'hypervisor 4.2;',
        { maxCycles: 3_000_000 },
      );
      const cycles = r.domains.map((d) => d.cycles);
      const mean = cycles.reduce((a, b) => a + b, 0) / 3;
      for (const c of cycles) expect(Math.abs(c - mean) / mean).toBeLessThan(0.05);
    });
  });

  describe('cap', () => {
    it('a domain with cap 25 gets at most ~25% of one pcpu while another domain is busy', () => {
      const r = runDomains(
        [
          { name: 'busy', kernel: BUSY, props: 'privileged;' },
          { name: 'capped', kernel: BUSY, props: 'cap 25;' },
        ],
        'hypervisor 4.2;',
        { maxCycles: 4_000_000 },
      );
      const share = r.domains[1].cycles / r.cycles;
      expect(share).toBeLessThanOrEqual(0.26);
      expect(share).toBeGreaterThan(0.2);
      expect(r.domains[0].cycles / r.cycles).toBeGreaterThan(0.7);
    });

    it('a capped domain alone still gets at most ~25% (the rest is idle time)', () => {
      const r = runDomains(
        [
          { name: 'dom0', kernel: `fn main() -> u32 { return 0; }`, props: 'privileged;' },
          { name: 'capped', kernel: BUSY, props: 'cap 25;' },
        ],
        'hypervisor 4.2;',
        { maxCycles: 4_000_000 },
      );
      const share = r.domains[1].cycles / r.cycles;
      expect(share).toBeLessThanOrEqual(0.26);
      expect(share).toBeGreaterThan(0.2);
    });
  });

  describe('how a run ends', () => {
    it('deadlock: a vCPU blocked with nothing pending and no timer → end "deadlock", exit status 1', () => {
      const files = {
        'sys.pvk': `system s {
    hypervisor 4.2;
    domain dom0 { kernel "dom0.pvk"; privileged; }
    domain waiter { kernel "waiter.pvk"; }
}`,
        'dom0.pvk': `fn main() -> u32 { return 0; }`,
        'waiter.pvk': `fn main() -> u32 { hypercall sched_op(1, 0); return 0; }`,
      };
      const { status, report } = cliRun(files);
      expect(report.end).toBe('deadlock');
      expect(status).toBe(1);
      expect(report.domains.map((d) => d.state)).toEqual(['exited', 'blocked']);
    });

    it('two domains each blocked waiting for the other deadlock', () => {
      const r = runDomains([
        { name: 'dom0', kernel: `fn main() -> u32 { let p = hypercall event_channel_op(6, 1, 0); hypercall sched_op(1, 0); return 0; }`, props: 'privileged;' },
        { name: 'u', kernel: `fn main() -> u32 { let p = hypercall event_channel_op(0, 0, 1); hypercall sched_op(1, 0); return 0; }` },
      ]);
      expect(r.end).toBe('deadlock');
      expect(r.domains.map((d) => d.state)).toEqual(['blocked', 'blocked']);
    });

    it('max-cycles: end "max-cycles", elapsed not far past the limit, exit status 1', () => {
      const files = {
        'sys.pvk': `system s { hypervisor 4.2; domain dom0 { kernel "k.pvk"; privileged; } }`,
        'k.pvk': SPIN,
      };
      const { status, report } = cliRun(files, ['--max-cycles', '123457']);
      expect(report.end).toBe('max-cycles');
      expect(status).toBe(1);
      expect(report.cycles).toBeGreaterThanOrEqual(123457);
      expect(report.cycles).toBeLessThan(123457 + 10); // the spin loop stops at its next test
      expect(report.domains[0].state).toBe('running');
    });

    it('max-cycles also bounds a run with several domains and context switches', () => {
      const r = runDomains(
        [
          { name: 'a', kernel: SPIN, props: 'privileged;' },
          { name: 'b', kernel: SPIN },
        ],
        'hypervisor 4.2; timeslice 1000;',
        { maxCycles: 50_000 },
      );
      expect(r.end).toBe('max-cycles');
      expect(r.cycles).toBeGreaterThanOrEqual(50_000);
      expect(r.cycles).toBeLessThan(50_000 + 600);
    });

    it('max-cycles bounds idle time too: a timer beyond the limit ends the run at the limit', () => {
      const r = runDomains(
        [{ name: 'dom0', kernel: `fn main() -> u32 { hypercall set_timer_op(10000000); hypercall sched_op(1, 0); return 0; }`, props: 'privileged;' }],
        'hypervisor 4.2;',
        { maxCycles: 1_000_000 },
      );
      expect(r.end).toBe('max-cycles');
      expect(r.cycles).toBe(1_000_000);
      expect(r.domains[0].state).toBe('blocked');
    });

    it('a domain blocked on a timer is not a deadlock: the clock jumps to the deadline', () => {
      const r = runDomains([
        {
          name: 'dom0',
          kernel: `fn main() -> u32 { hypercall set_timer_op(rdtsc() + 1000000); hypercall sched_op(1, 0); return 3; }`,
          props: 'privileged;',
        },
      ]);
      expect(r.end).toBe('exited');
      expect(r.domains[0].exitCode).toBe(3);
      expect(r.cycles).toBeGreaterThanOrEqual(1_000_000);
      expect(r.domains[0].cycles).toBeLessThan(1000);
    });

    it('exited: a domain still paused at the end keeps state paused, exit status 0', () => {
      const files = {
        'sys.pvk': `system s {
    hypervisor 4.2;
    domain dom0 { kernel "dom0.pvk"; privileged; }
    domain sleeper { kernel "sleeper.pvk"; paused; }
}`,
        'dom0.pvk': `fn main() -> u32 { print("dom0"); return 0; }`,
        'sleeper.pvk': `fn main() -> u32 { print("never"); return 0; }`,
      };
      const { status, report } = cliRun(files);
      expect(report.end).toBe('exited');
      expect(status).toBe(0);
      expect(report.domains[1]).toMatchObject({ state: 'paused', cycles: 0, console: '', exitCode: null });
    });
  });

  describe('several pcpus', () => {
    it('two pcpus run two domains in parallel: elapsed well below the sum of domain cycles', () => {
      const r = runDomains(
        [
          { name: 'a', kernel: work(100_000), props: 'privileged;' },
          { name: 'b', kernel: work(100_000) },
        ],
        'hypervisor 4.2; pcpus 2;',
      );
      expect(r.end).toBe('exited');
      // each: let 1 + for (1 + 100001 tests + 100000 body) + return 1 = 200004
      expect(r.domains.map((d) => d.cycles)).toEqual([200004, 200004]);
      const sum = r.domains[0].cycles + r.domains[1].cycles;
      expect(r.cycles).toBeLessThan(0.6 * sum);
      expect(r.cycles).toBeGreaterThanOrEqual(200004);
    });

    it('the same two domains on one pcpu take at least the sum', () => {
      const r = runDomains(
        [
          { name: 'a', kernel: work(100_000), props: 'privileged;' },
          { name: 'b', kernel: work(100_000) },
        ],
        'hypervisor 4.2; pcpus 1;',
      );
      expect(r.cycles).toBeGreaterThanOrEqual(2 * 200004);
    });

    it('four pcpus, four domains: about a quarter of the sum', () => {
      const doms = [0, 1, 2, 3].map((i) => ({ name: `d${i}`, kernel: work(50_000), props: i === 0 ? 'privileged;' : '' }));
      const r = runDomains(doms, 'hypervisor 4.2; pcpus 4;');
      const sum = r.domains.reduce((a, d) => a + d.cycles, 0);
      expect(sum).toBe(4 * 100004); // let 1 + 1 + 50001 + 50000 + return 1
      expect(r.cycles).toBeLessThan(0.35 * sum);
    });

    it('the vCPUs of one domain run in parallel on two pcpus', () => {
      const r = runDomains(
        [
          {
            name: 'smp',
            props: 'privileged; vcpus 2;',
            kernel: `var done: u32 = 0;
fn main() -> u32 {
    for i in 0..100000 { }
    done += 1;
    while (done < 2) { }
    return 0;
}`,
          },
        ],
        'hypervisor 4.2; pcpus 2;',
        { maxCycles: 10_000_000 },
      );
      expect(r.end).toBe('exited');
      // each vCPU's loop is 1 + 100001 tests; both in parallel: elapsed ≈ one loop, not two
      expect(r.cycles).toBeLessThan(150_000);
    });
  });
});
