/**
 * Hypercalls (spec §5): every hypercall and sub-op of the built-in table,
 * their error returns, allocation orders, the grant window, multicall,
 * the domain lifecycle, ballooning, vCPU control, scheduling ops and timers.
 * Kernels print results; tests compare console lines.
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, lines, runDomains, runKernel } from './helpers.js';

forEachEngine(() => {
  const EPERM = -1;
  const ESRCH = -3;
  const EFAULT = -14;
  const EBUSY = -16;
  const EINVAL = -22;
  const ENOSYS = -38;

  /** dom0 helper: yield until domain `domid`'s getinfo state is `s`. */
  const WAIT_STATE = `
fn wait_state(domid: u32, s: i32) {
    while (hypercall domctl(5, domid, 0) != s) {
        hypercall sched_op(0, 0);
    }
}`;

  describe('xen_version, set_pat, sysctl, versions and privilege', () => {
    it('xen_version(0) is (major << 16) + minor of the booted hypervisor; other cmds -EINVAL', () => {
      for (const [v, major, minor] of [['4.2', 4, 2], ['3.0', 3, 0], ['4.1', 4, 1]] as const) {
        const { dom } = runKernel(`fn main() -> u32 { print(hypercall xen_version(0), " ", hypercall xen_version(1)); return 0; }`, { hypervisor: v });
        expect(lines(dom)).toEqual([`${(major << 16) + minor} ${EINVAL}`]);
      }
    });

    it('set_pat exists from 4.2 on: 0 under 4.2, -ENOSYS under 4.1', () => {
      const k = `fn main() -> u32 { let r = hypercall set_pat(0x00070406); print(r); return 0; }`;
      expect(lines(runKernel(k, { hypervisor: '4.2' }).dom)).toEqual(['0']);
      expect(lines(runKernel(k, { hypervisor: '4.1' }).dom)).toEqual([`${ENOSYS}`]);
    });

    it('multicall exists from 3.2 on: -ENOSYS under 3.1, and -ENOSYS costs the same', () => {
      const k = `fn main() -> u32 { mem32[4096] = 17; let r = hypercall multicall(4096, 1); print(r, " ", mem32[4096]); return 0; }`;
      const old = runKernel(k, { hypervisor: '3.1' }).dom;
      expect(lines(old)).toEqual([`${ENOSYS} 17`]); // nothing ran, the number word is untouched
      // store 2 + let (1 + 300 + 50) + print 1 + load 1 + return 1 = 356
      expect(old.cycles).toBe(356);
      expect(lines(runKernel(k, { hypervisor: '3.2' }).dom)).toEqual([`0 ${(3 << 16) + 2}`]);
    });

    it('sysctl(1) physinfo is the number of pcpus; other cmds -EINVAL', () => {
      const { dom } = runKernel(`fn main() -> u32 { print(hypercall sysctl(1, 0), " ", hypercall sysctl(7, 0)); return 0; }`, { pcpus: 3 });
      expect(lines(dom)).toEqual([`3 ${EINVAL}`]);
    });

    it('dom0 hypercalls from a domU return -EPERM (and cost the same)', () => {
      const r = runDomains([
        { name: 'dom0', kernel: `fn main() -> u32 { return 0; }`, props: 'privileged;' },
        {
          name: 'guest',
          kernel: `fn main() -> u32 {
    let a = hypercall sysctl(1, 0);
    let b = hypercall domctl(5, 0, 0);
    let c = hypercall domctl(3, 0, 0);
    print(a, " ", b, " ", c);
    return 0;
}`,
        },
      ]);
      const g = r.domains[1];
      expect(lines(g)).toEqual([`${EPERM} ${EPERM} ${EPERM}`]);
      expect(r.domains[0].state).toBe('exited'); // the pause did not happen
      // (1 + 400) + (1 + 700) + (1 + 700) + print 1 + return 1 = 1805
      expect(g.cycles).toBe(1805);
      expect(g.hypercalls).toEqual({ domctl: 2, sysctl: 1 });
    });
  });

  describe('bad sub-ops, addresses and domains', () => {
    it('-EINVAL for a bad sub-op of every hypercall that has sub-ops', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    print("console_io ", hypercall console_io(1, 0, 0));
    print("sched_op ", hypercall sched_op(9, 0));
    print("event_channel_op ", hypercall event_channel_op(99, 0, 0));
    print("grant_table_op ", hypercall grant_table_op(99, 0, 0, 0, 0));
    print("memory_op ", hypercall memory_op(7, 0));
    print("vcpu_op ", hypercall vcpu_op(9, 0));
    print("xen_version ", hypercall xen_version(2));
    print("sysctl ", hypercall sysctl(0, 0));
    print("domctl ", hypercall domctl(99, 0, 0));
    return 0;
}`);
      expect(lines(dom)).toEqual(
        ['console_io', 'sched_op', 'event_channel_op', 'grant_table_op', 'memory_op', 'vcpu_op', 'xen_version', 'sysctl', 'domctl'].map((n) => `${n} ${EINVAL}`),
      );
      expect(dom.state).toBe('exited');
    });

    it('-EFAULT for a bad guest address (console_io, multicall, grant copy)', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    print("console ", hypercall console_io(0, 4, 0x100000));
    print("straddle ", hypercall console_io(0, 8, 16 * 4096 - 4));
    print("multicall ", hypercall multicall(0x100000, 1));
    let g = hypercall grant_table_op(100, 0, 2, 0, 0);
    print("copy ", hypercall grant_table_op(5, 0, g as u32, 0x100000, 4));
    return 0;
}`);
      expect(lines(dom)).toEqual([`console ${EFAULT}`, `straddle ${EFAULT}`, `multicall ${EFAULT}`, `copy ${EFAULT}`]);
      expect(dom.state).toBe('exited');
    });

    it('-ESRCH for no such domain', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    print("getinfo ", hypercall domctl(5, 9, 0));
    print("pause ", hypercall domctl(3, 9, 0));
    print("unpause ", hypercall domctl(4, 9, 0));
    print("destroy ", hypercall domctl(2, 9, 0));
    print("alloc_unbound ", hypercall event_channel_op(6, 9, 0));
    print("bind_interdomain ", hypercall event_channel_op(0, 9, 1));
    print("grant_access ", hypercall grant_table_op(100, 9, 1, 0, 0));
    print("map ", hypercall grant_table_op(0, 9, 1, 0, 0));
    return 0;
}`);
      expect(lines(dom)).toEqual(
        ['getinfo', 'pause', 'unpause', 'destroy', 'alloc_unbound', 'bind_interdomain', 'grant_access', 'map'].map((n) => `${n} ${ESRCH}`),
      );
    });
  });

  describe('console_io', () => {
    it('cmd 0 writes count bytes at buf to the console', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    mem32[8192] = 0x6c6c6548;  // "Hell"
    mem32[8196] = 0x0a216f;    // "o!\\n"
    print("r ", hypercall console_io(0, 7, 8192));
    return 0;
}`);
      expect(dom.console).toBe('Hello!\nr 0\n');
    });
  });

  describe('event channels: allocation', () => {
    it('ports are allocated lowest-free first from 1; a closed port is reused', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(6, 0, 0);
    let c = hypercall event_channel_op(1, 0, 0);   // bind_virq(VIRQ_TIMER)
    print(a, " ", b, " ", c);
    print("close ", hypercall event_channel_op(3, b as u32, 0));
    let d = hypercall event_channel_op(0, 0, a as u32);   // bind_interdomain to our own port 1
    print("d ", d);
    print("close free ", hypercall event_channel_op(3, 40, 0));
    print("bad port ", hypercall event_channel_op(3, 64, 0));
    return 0;
}`);
      expect(lines(dom)).toEqual(['1 2 3', 'close 0', 'd 2', `close free ${EINVAL}`, `bad port ${EINVAL}`]);
    });

    it('a domain has ports 1..63', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    let last: i32 = 0;
    for i in 0..63 { last = hypercall event_channel_op(6, 0, 0); }
    print("last ", last, " then ", hypercall event_channel_op(6, 0, 0) < 0);
    return 0;
}`);
      expect(lines(dom)).toEqual(['last 63 then true']);
    });

    it('bind_interdomain needs an unbound port allocated for this domain', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `fn main() -> u32 {
    let p = hypercall event_channel_op(6, 2, 0);        // port 1, for domain 2 only
    print("p ", p);
    return 0;
}`,
        },
        {
          name: 'one',
          kernel: `fn main() -> u32 {
    hypercall sched_op(0, 0);
    print("other domain's port ", hypercall event_channel_op(0, 0, 1) < 0);
    print("not allocated ", hypercall event_channel_op(0, 0, 5) < 0);
    return 0;
}`,
        },
        {
          name: 'two',
          kernel: `fn main() -> u32 {
    hypercall sched_op(0, 0);
    print("bound ", hypercall event_channel_op(0, 0, 1));
    print("again ", hypercall event_channel_op(0, 0, 1) < 0);
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual(['p 1']);
      expect(lines(r.domains[1])).toEqual(['other domain\'s port true', 'not allocated true']);
      expect(lines(r.domains[2])).toEqual(['bound 1', 'again true']);
    });
  });

  describe('grant tables', () => {
    it('refs lowest-free from 1, slots at 0x40000000 + slot*4096, -EBUSY while mapped, copy', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `${WAIT_STATE}
fn main() -> u32 {
    mem32[4096] = 0xAABBCCDD;       // frame 1
    mem32[8192] = 0x11111111;       // frame 2
    let r1 = hypercall grant_table_op(100, 1, 1, 0, 0);
    let r2 = hypercall grant_table_op(100, 1, 2, 1, 0);
    let r3 = hypercall grant_table_op(100, 1, 3, 0, 0);
    let e = hypercall grant_table_op(101, r2 as u32, 0, 0, 0);
    let r4 = hypercall grant_table_op(100, 1, 2, 1, 0);
    print("refs ", r1, " ", r2, " ", r3, " end ", e, " reuse ", r4);
    print("bad frame ", hypercall grant_table_op(100, 1, 16, 0, 0));
    print("no such ref ", hypercall grant_table_op(101, 9, 0, 0, 0));
    let port = hypercall event_channel_op(6, 1, 0);
    hypercall domctl(4, 1, 0);
    wait_state(1, 1);
    print("busy ", hypercall grant_table_op(101, 1, 0, 0, 0));
    print("dom0 frame 1 ", mem32[4096]);
    print("dom0 frame 3 ", mem32[12288]);
    hypercall event_channel_op(4, port as u32, 0);
    wait_state(1, 3);
    print("end after unmap ", hypercall grant_table_op(101, 1, 0, 0, 0));
    print("end again ", hypercall grant_table_op(101, 1, 0, 0, 0));
    return 0;
}`,
        },
        {
          name: 'guest',
          props: 'paused;',
          kernel: `var woke: u32 = 0;
fn on_event(port: u32) { woke = 1; }
fn main() -> u32 {
    let p = hypercall event_channel_op(0, 0, 1);
    let a1 = hypercall grant_table_op(0, 0, 1, 0, 0);
    let a2 = hypercall grant_table_op(0, 0, 2, 0, 0);
    let a3 = hypercall grant_table_op(0, 0, 3, 0, 0);
    print("maps ", a1, " ", a2, " ", a3);
    print("unmap ", hypercall grant_table_op(1, a2 as u32, 0, 0, 0));
    let a4 = hypercall grant_table_op(0, 0, 2, 0, 0);
    print("remap ", a4);
    print("bad ref ", hypercall grant_table_op(0, 0, 9, 0, 0));
    print("bad unmap ", hypercall grant_table_op(1, 0x40005000, 0, 0, 0));
    print("read ", mem32[a1 as u32]);
    mem32[a1 as u32] = 0x12345678;
    print("ro read ", mem32[a4 as u32]);
    print("copy to a read-only grant fails ", hypercall grant_table_op(5, 0, 2, 4096, 4) < 0);
    mem32[4096] = 0xCAFEF00D;
    print("copy ", hypercall grant_table_op(5, 0, 3, 4096, 4));
    print("read copied ", mem32[a3 as u32]);
    while (woke == 0) { hypercall sched_op(1, 0); }
    hypercall grant_table_op(1, a1 as u32, 0, 0, 0);
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual([
        'refs 1 2 3 end 0 reuse 2',
        `bad frame ${EINVAL}`,
        `no such ref ${EINVAL}`,
        `busy ${EBUSY}`,
        `dom0 frame 1 ${0x12345678}`,
        `dom0 frame 3 ${0xcafef00d}`,
        'end after unmap 0',
        `end again ${EINVAL}`,
      ]);
      expect(lines(r.domains[1])).toEqual([
        `maps ${0x40000000} ${0x40001000} ${0x40002000}`,
        'unmap 0',
        `remap ${0x40001000}`,
        `bad ref ${EINVAL}`,
        `bad unmap ${EINVAL}`,
        `read ${0xaabbccdd}`,
        `ro read ${0x11111111}`,
        'copy to a read-only grant fails true',
        'copy 0',
        `read copied ${0xcafef00d}`,
      ]);
      expect(r.end).toBe('exited');
      expect(r.domains.map((d) => d.state)).toEqual(['exited', 'exited']);
    });

    it('a domain cannot map a grant made for another domain', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `fn main() -> u32 {
    print("ref ", hypercall grant_table_op(100, 2, 1, 0, 0));
    hypercall domctl(4, 1, 0);
    hypercall domctl(4, 2, 0);
    return 0;
}`,
        },
        { name: 'one', props: 'paused;', kernel: `fn main() -> u32 { print("one ", hypercall grant_table_op(0, 0, 1, 0, 0) < 0); return 0; }` },
        { name: 'two', props: 'paused;', kernel: `fn main() -> u32 { print("two ", hypercall grant_table_op(0, 0, 1, 0, 0)); return 0; }` },
      ]);
      expect(lines(r.domains[1])).toEqual(['one true']);
      expect(lines(r.domains[2])).toEqual([`two ${0x40000000}`]);
    });
  });

  describe('multicall', () => {
    it("runs the entries and writes each result back over its number word", () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    let list: u32 = 8192;
    mem32[list] = 17;                 // xen_version(0)
    mem32[list + 24] = 17;            // xen_version(1): -EINVAL
    mem32[list + 28] = 1;
    mem32[list + 48] = 35;            // sysctl(1, 0)
    mem32[list + 52] = 1;
    mem32[list + 72] = 32;            // event_channel_op(6, 0, 0) → port 1
    mem32[list + 76] = 6;
    let r = hypercall multicall(list, 4);
    print(r, " ", mem32[list], " ", mem32[list + 24] as i32, " ", mem32[list + 48], " ", mem32[list + 72]);
    print("args kept ", mem32[list + 28], " ", mem32[list + 76]);
    return 0;
}`, { pcpus: 2 });
      expect(lines(dom)).toEqual([`0 ${(4 << 16) + 2} ${EINVAL} 2 1`, 'args kept 1 6']);
      // each entry is counted as its own hypercall too (implementation's choice; the spec is silent)
      expect(dom.hypercalls).toEqual({ event_channel_op: 1, multicall: 1, sysctl: 1, xen_version: 2 });
    });
  });

  describe('domctl: the domain lifecycle', () => {
    it('a paused domain waits for unpause; getinfo gives 2 paused, 0 runnable, 1 blocked, 3 exited, 4 crashed', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `${WAIT_STATE}
fn main() -> u32 {
    print("paused ", hypercall domctl(5, 1, 0), " ", hypercall domctl(5, 2, 0));
    hypercall sched_op(0, 0);
    print("still paused ", hypercall domctl(5, 1, 0));
    hypercall domctl(4, 1, 0);
    print("runnable ", hypercall domctl(5, 1, 0));
    wait_state(1, 1);
    print("blocked 1");
    let p = hypercall event_channel_op(0, 1, 1);      // bind to the waiter's port 1
    hypercall domctl(4, 2, 0);
    wait_state(2, 4);
    print("crashed 4");
    hypercall event_channel_op(4, p as u32, 0);
    wait_state(1, 3);
    print("exited 3");
    print("self ", hypercall domctl(5, 0, 0));
    return 0;
}`,
        },
        {
          name: 'waiter',
          props: 'paused;',
          kernel: `var n: u32 = 0;
fn on_event(port: u32) { n += 1; }
fn main() -> u32 {
    print("waiter runs");
    let p = hypercall event_channel_op(6, 0, 0);
    while (n == 0) { hypercall sched_op(1, 0); }
    return 5;
}`,
        },
        {
          name: 'crasher',
          props: 'paused;',
          kernel: `fn main() -> u32 { let z: u32 = 0; return 1 / z; }`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual(['paused 2 2', 'still paused 2', 'runnable 0', 'blocked 1', 'crashed 4', 'exited 3', 'self 0']);
      expect(lines(r.domains[1])).toEqual(['waiter runs']);
      expect(r.domains[1]).toMatchObject({ state: 'exited', exitCode: 5 });
      expect(r.domains[2].state).toBe('crashed');
    });

    it('pause stops a running domain until unpause', () => {
      const r = runDomains(
        [
          {
            name: 'dom0',
            props: 'privileged;',
            kernel: `fn main() -> u32 {
    hypercall sched_op(0, 0);               // let the spinner start
    print("pause ", hypercall domctl(3, 1, 0), " state ", hypercall domctl(5, 1, 0));
    let t = rdtsc();
    while (rdtsc() - t < 100000) { }         // the spinner gets no time now
    print("unpause ", hypercall domctl(4, 1, 0), " state ", hypercall domctl(5, 1, 0));
    return 0;
}`,
          },
          {
            name: 'spinner',
            kernel: `fn main() -> u32 {
    while (true) { }
    return 0;
}`,
          },
        ],
        'hypervisor 4.2; timeslice 1000;',
        { maxCycles: 300000 },
      );
      expect(lines(r.domains[0])).toEqual(['pause 0 state 2', 'unpause 0 state 0']);
      // dom0 busy-waits ~100000 cycles while the spinner is paused; the spinner
      // had at most a few timeslices before and after
      const spin = r.domains[1].cycles;
      const dom0 = r.domains[0].cycles;
      expect(dom0).toBeGreaterThan(100000);
      expect(r.end).toBe('max-cycles');
      // after dom0 exits the spinner has the pcpu alone until the limit
      expect(spin).toBeGreaterThan(300000 - dom0 - 20 * 500 - 2000);
      expect(spin).toBeLessThan(300000 - 100000);
    });

    it('destroy: state destroyed, -ESRCH afterwards, its grants revoked so mappings elsewhere fault on use', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `${WAIT_STATE}
fn main() -> u32 {
    let port = hypercall event_channel_op(6, 2, 0);     // port 1, for the mapper
    hypercall domctl(4, 1, 0);
    wait_state(1, 1);
    hypercall domctl(4, 2, 0);
    wait_state(2, 1);
    print("destroy ", hypercall domctl(2, 1, 0));
    print("getinfo ", hypercall domctl(5, 1, 0));
    print("again ", hypercall domctl(2, 1, 0));
    print("unpause ", hypercall domctl(4, 1, 0));
    hypercall event_channel_op(4, port as u32, 0);
    wait_state(2, 4);
    print("mapper crashed");
    return 0;
}`,
        },
        {
          name: 'granter',
          props: 'paused;',
          kernel: `fn main() -> u32 {
    mem32[4096] = 0x5a5a5a5a;
    print("ref ", hypercall grant_table_op(100, 2, 1, 0, 0));
    hypercall sched_op(1, 0);
    print("never");
    return 0;
}`,
        },
        {
          name: 'mapper',
          props: 'paused;',
          kernel: `var woke: u32 = 0;
fn on_event(port: u32) { woke = 1; }
fn main() -> u32 {
    hypercall event_channel_op(0, 0, 1);
    let a = hypercall grant_table_op(0, 1, 1, 0, 0);
    print("map ", a, " reads ", mem32[a as u32]);
    while (woke == 0) { hypercall sched_op(1, 0); }
    print("woke");
    let x = mem32[a as u32];
    print("still reads ", x);
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual(['destroy 0', `getinfo ${ESRCH}`, `again ${ESRCH}`, `unpause ${ESRCH}`, 'mapper crashed']);
      expect(r.domains[1].state).toBe('destroyed');
      expect(lines(r.domains[1])).toEqual(['ref 1']);
      expect(lines(r.domains[2])).toEqual([`map ${0x40000000} reads ${0x5a5a5a5a}`, 'woke']);
      expect(r.domains[2].state).toBe('crashed');
      expect(r.domains[2].fault).toMatchObject({ kind: 'out-of-range', file: '/t/mapper.pvk', line: 9 });
    });
  });

  describe('memory_op: ballooning', () => {
    it('increase and decrease return the new page count; accesses beyond fault afterwards', () => {
      const { dom } = runKernel(`
fn main() -> u32 {
    print("grow ", hypercall memory_op(0, 2));
    mem32[5 * 4096] = 77;
    print("page 5 ", mem32[5 * 4096]);
    print("shrink ", hypercall memory_op(1, 3));
    print("page 2 ", mem32[2 * 4096]);
    print("page 3 ", mem32[3 * 4096]);
    return 0;
}`, { memory: 4 });
      expect(lines(dom)).toEqual(['grow 6', 'page 5 77', 'shrink 3', 'page 2 0']);
      expect(dom.state).toBe('crashed');
      expect(dom.fault).toMatchObject({ kind: 'out-of-range', line: 8 });
    });

    it('a shrink to zero pages or below is refused (implementation: -EINVAL)', () => {
      const { dom } = runKernel(`fn main() -> u32 { print(hypercall memory_op(1, 4) < 0, " ", hypercall memory_op(1, 9) < 0); return 0; }`, { memory: 4 });
      expect(lines(dom)).toEqual(['true true']);
    });
  });

  describe('vcpu_op', () => {
    it('up, down and is_up; other vCPUs start at main; a bad vCPU is -EINVAL', () => {
      const { dom } = runKernel(`
var runs: u32 = 0;
fn main() -> u32 {
    if (vcpu_id() == 1) {
        runs += 1;
        print("vcpu1 run ", runs);
        return 0;
    }
    print("is_up ", hypercall vcpu_op(2, 1));
    print("down ", hypercall vcpu_op(1, 1));
    print("is_up ", hypercall vcpu_op(2, 1));
    hypercall sched_op(0, 0);
    print("runs ", runs);
    print("up ", hypercall vcpu_op(0, 1));
    print("is_up ", hypercall vcpu_op(2, 1));
    hypercall sched_op(0, 0);
    print("runs ", runs, " is_up ", hypercall vcpu_op(2, 1));
    print("self ", hypercall vcpu_op(2, 0));
    print("bad ", hypercall vcpu_op(2, 5));
    return 0;
}`, { vcpus: 2 });
      expect(lines(dom)).toEqual([
        'is_up 1',
        'down 0',
        'is_up 0',
        'runs 0',
        'up 0',
        'is_up 1',
        'vcpu1 run 1',
        'runs 1 is_up 0',
        'self 1',
        `bad ${EINVAL}`,
      ]);
    });
  });

  describe('sched_op', () => {
    it('yield returns 0; shutdown exits with the code and runs nothing after', () => {
      const { dom, report } = runKernel(`
fn main() -> u32 {
    print("yield ", hypercall sched_op(0, 0));
    hypercall sched_op(2, 42);
    print("never");
    return 0;
}`);
      expect(lines(dom)).toEqual(['yield 0']);
      expect(dom).toMatchObject({ state: 'exited', exitCode: 42 });
      expect(report.end).toBe('exited');
    });

    it('block with an event already pending returns 0 at once', () => {
      const { dom, report } = runKernel(`
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    print("block ", hypercall sched_op(1, 0));
    return 0;
}`);
      expect(lines(dom)).toEqual(['block 0']);
      expect(report.end).toBe('exited');
    });

    it('block with nothing pending and no timer: deadlock', () => {
      const { dom, report } = runKernel(`fn main() -> u32 { hypercall sched_op(1, 0); return 0; }`);
      expect(report.end).toBe('deadlock');
      expect(dom.state).toBe('blocked');
    });
  });

  describe('set_timer_op and VIRQ_TIMER', () => {
    it('bind_virq(VIRQ_TIMER) gets a port; the timer makes it pending and wakes a blocked vCPU', () => {
      const { dom, report } = runKernel(`
var fired: u32 = 0;
fn on_event(port: u32) { fired = port; }
fn main() -> u32 {
    let s = hypercall event_channel_op(6, 0, 0);        // port 1
    let p = hypercall event_channel_op(1, 0, 0);        // bind_virq(0): port 2
    let t = rdtsc();
    print("set ", hypercall set_timer_op(t + 50000));
    while (fired == 0) { hypercall sched_op(1, 0); }
    let late = rdtsc() - t;
    print("port ", p, " fired ", fired, " after ", late >= 50000);
    return 0;
}`);
      expect(lines(dom)).toEqual(['set 0', 'port 2 fired 2 after true']);
      expect(dom.events).toBe(1);
      // the wait is idle time: elapsed ≥ 50000, the domain consumed only ~2 thousand
      expect(report.cycles).toBeGreaterThanOrEqual(50000);
      expect(report.cycles).toBeLessThan(50000 + 3000);
      expect(dom.cycles).toBeLessThan(3000);
      expect(report.end).toBe('exited');
    });

    it('hlt wakes when the timer fires', () => {
      const { dom, report } = runKernel(`
fn main() -> u32 {
    let p = hypercall event_channel_op(1, 0, 0);
    hypercall set_timer_op(rdtsc() + 20000);
    hlt();
    print("woke at ", rdtsc() >= 20000);
    return 0;
}`, { mode: 'hvm' });
      expect(lines(dom)).toEqual(['woke at true']);
      expect(dom.vmexits).toEqual({ hlt: 1 });
      expect(report.cycles).toBeGreaterThanOrEqual(20000);
    });

    it('a blocked vCPU wakes even without a VIRQ_TIMER binding', () => {
      const { dom, report } = runKernel(`
fn main() -> u32 {
    hypercall set_timer_op(rdtsc() + 10000);
    hypercall sched_op(1, 0);
    print("woke");
    return 0;
}`);
      expect(lines(dom)).toEqual(['woke']);
      expect(report.end).toBe('exited');
      expect(report.cycles).toBeGreaterThanOrEqual(10000);
    });

    it('deadline 0 cancels the timer', () => {
      const { dom, report } = runKernel(`
fn main() -> u32 {
    let p = hypercall event_channel_op(1, 0, 0);
    hypercall set_timer_op(rdtsc() + 10000);
    hypercall set_timer_op(0);
    hypercall sched_op(1, 0);
    print("never");
    return 0;
}`);
      expect(report.end).toBe('deadlock');
      expect(dom.console).toBe('');
    });

    it('a deadline already passed fires at once', () => {
      const { dom, report } = runKernel(`
var fired: u32 = 0;
fn on_event(port: u32) { fired = 1; }
fn main() -> u32 {
    let p = hypercall event_channel_op(1, 0, 0);
    hypercall set_timer_op(1);
    while (fired == 0) { hypercall sched_op(1, 0); }
    return 0;
}`);
      expect(report.end).toBe('exited');
      expect(dom.events).toBe(1);
      expect(report.cycles).toBeLessThan(2000);
    });
  });
});
