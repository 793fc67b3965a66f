// A debugger pausing pvk hypercall handlers (spec 9.1: the debugger stops
// inside handlers) must not change the run: a handler paused before any of its
// statements is finished later by replaying it silently to that point (its
// intrinsics' results taken from the first run), and the call costs 300 + cost
// + the handler's cycles as ever. Here the hook pauses at every statement (or
// every third) and the report must equal an uninterrupted run's.

import { describe, expect, it } from 'vitest';
import type { Hypervisor } from '../../../sandbox/hv/hypervisor.js';
import { runSystem } from './helpers.js';

const EXT = `abi lab {
    var total: u32 = 0;
    var seen: u32 = 0;
    fn twice(v: u32) -> u32 { return v + v; }
    hypercall add(v: u32, addr: u32) -> i32 = 64 stable since 4.2 cost 40 {
        seen += 1;
        let old = guest_load32(addr);
        for i in 0..v { total += twice(i); }
        guest_store32(addr, old + total);
        print("add ", v, " total ", total, " vcpu ", caller_vcpu());
        return total as i32;
    }
    hypercall kick(domid: u32, port: u32) -> i32 = 65 stable since 4.2 cost 10 {
        let r = notify(domid, port);
        print("kick ", r);
        return r;
    }
    hypercall crash(d: u32) -> i32 = 66 stable since 4.2 cost 1 {
        print("about to divide");
        return (10 / d) as i32;
    }
}
`;

// Two vCPUs of one domain on one pcpu with a short timeslice: slices end right after hypercalls.
const SYS = `import "lab.pvk";
system t {
    hypervisor 4.2;
    timeslice 300;
    abi lab;
    domain dom0 { kernel "k.pvk"; vcpus 2; privileged; }
    domain guest { kernel "g.pvk"; }
}
`;
const K = `import "lab.pvk";
var port: u32 = 0;
fn main() -> u32 {
    for n in 0..12 {
        // Work after the call in the same statement: it runs in the next slice when this one ended in the call.
        let r = (hypercall add(n % 7, 1024 + 4 * vcpu_id())) as u32 + mem32[1024] * 2;
        if (vcpu_id() == 0 && n % 3 == 0) { hypercall kick(1, 1); }
    }
    print("dom0 vcpu ", vcpu_id(), " slot ", mem32[1024 + 4 * vcpu_id()]);
    return 0;
}
`;
const G = `import "lab.pvk";
var events: u32 = 0;
fn on_event(p: u32) { events += 1; }
fn main() -> u32 {
    let p = hypercall event_channel_op(6, 0, 0);
    for n in 0..30 { hypercall sched_op(0, 0); }
    print("guest events ", events);
    return 0;
}
`;

const files = (k = K) => ({ '/t/sys.pvk': SYS, '/t/lab.pvk': EXT, '/t/k.pvk': k, '/t/g.pvk': G });

/**
 * Runs the system, pausing every `every`-th handler statement (never when
 * undefined), and returns its report, every scheduling decision (which vCPU
 * ran from when to when, wake-ups, events) and how many pauses there were.
 */
function run(k: string, every: number | undefined, maxCycles?: number) {
  const log: string[] = [];
  let pauses = 0;
  const report = runSystem(files(k), {
    engine: every === undefined ? 'fast' : 'step',
    maxCycles,
    beforeRun: (hv: Hypervisor) => {
      const name = (v: { domain: { id: number }; id: number }) => `${v.domain.id}.${v.id}`;
      hv.scheduling = {
        ran: (v, start, end) => log.push(`ran ${name(v)} ${start}-${end} ${v.status}`),
        woke: (v, at) => log.push(`woke ${name(v)} ${at}`),
        unpaused: (d, at) => log.push(`unpaused ${d.id} ${at}`),
        restarted: (v) => log.push(`restarted ${name(v)}`),
        stopped: (v, at) => log.push(`stopped ${name(v)} ${at}`),
        eventSent: (d, port, at) => log.push(`event ${d.id}:${port} ${at}`),
      };
      if (every === undefined) return;
      let n = 0;
      hv.handlerHook = () => {
        const stop = ++n % every === 0;
        if (stop) pauses++;
        return stop;
      };
    },
  });
  return { report, log, pauses };
}

describe('pausing handlers changes nothing in the run', () => {
  for (const every of [1, 3]) {
    it(`paused before every ${every === 1 ? '' : `${every}rd `}statement: the same report and scheduling as an uninterrupted run`, () => {
      const plain = run(K, undefined);
      expect(plain.report.end).toBe('exited');
      expect(plain.report.hvConsole).toContain('kick 0');
      const paused = run(K, every);
      expect(paused.pauses).toBeGreaterThan(every === 1 ? 200 : 60);
      expect(paused.report).toEqual(plain.report);
      expect(paused.log).toEqual(plain.log);
    });
  }

  it('a panic and the cycle limit inside a paused handler end the run as without pauses', () => {
    const crash = `import "lab.pvk";\nfn main() -> u32 {\n    let a = hypercall add(3, 1024);\n    let r = hypercall crash(0);\n    return 0;\n}\n`;
    const plain = run(crash, undefined);
    expect(plain.report.end).toBe('panic');
    expect(run(crash, 1)).toMatchObject({ report: plain.report, log: plain.log });
    for (const maxCycles of [1500, 2345, 3100]) {
      const limited = run(K, undefined, maxCycles);
      expect(limited.report.end).toBe('max-cycles');
      expect(run(K, 1, maxCycles)).toMatchObject({ report: limited.report, log: limited.log });
    }
  });
});
