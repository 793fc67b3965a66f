/**
 * Grants (spec §5): a granted frame mapped by another domain appears at
 * 0x40000000 + slot*4096; every access there goes to the granter's frame;
 * read-only grants refuse writes (fault `read-only`); nothing else of another
 * domain is ever reachable (every other access outside the domain's own pages
 * faults `out-of-range`).
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, lines, runDomains, type DomainSpec } from './helpers.js';

forEachEngine(() => {
  const WAIT_STATE = `
fn wait_state(domid: u32, s: i32) {
    while (hypercall domctl(5, domid, 0) != s) {
        hypercall sched_op(0, 0);
    }
}`;

  describe('read-only grants', () => {
    const cases: [string, string][] = [
      ['mem8 store', 'mem8[a + 3] = 1;'],
      ['mem16 store', 'mem16[a + 2] = 1;'],
      ['mem32 store', 'mem32[a] = 1;'],
      ['compound store', 'mem32[a + 8] += 1;'],
    ];
    for (const [name, write] of cases) {
      it(`${name} through a read-only mapping faults read-only; reads work`, () => {
        const r = runDomains([
          {
            name: 'dom0',
            props: 'privileged;',
            kernel: `${WAIT_STATE}
fn main() -> u32 {
    mem32[4096] = 0x01020304;
    mem32[4104] = 99;
    hypercall grant_table_op(100, 1, 1, 1, 0);
    hypercall domctl(4, 1, 0);
    wait_state(1, 4);
    print("after ", mem32[4096], " ", mem32[4104]);
    return 0;
}`,
          },
          {
            name: 'reader',
            props: 'paused;',
            kernel: `fn main() -> u32 {
    let a = hypercall grant_table_op(0, 0, 1, 0, 0) as u32;
    print("reads ", mem32[a], " ", mem16[a + 2], " ", mem8[a + 3]);
    ${write}
    print("never");
    return 0;
}`,
          },
        ]);
        expect(lines(r.domains[1])).toEqual([`reads ${0x01020304} ${0x0102} 1`]);
        expect(r.domains[1].fault).toMatchObject({ kind: 'read-only', line: 4, file: '/t/reader.pvk' });
        // the granter's frame is unchanged
        expect(lines(r.domains[0])).toEqual([`after ${0x01020304} 99`]);
      });
    }
  });

  describe('writable grants', () => {
    it("a writable mapping sees the granter's frame live, and the granter sees its writes", () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `${WAIT_STATE}
fn main() -> u32 {
    mem32[3 * 4096 + 16] = 1111;
    hypercall grant_table_op(100, 1, 3, 0, 0);
    hypercall domctl(4, 1, 0);
    wait_state(1, 1);                                  // the mapper wrote and blocks
    print("dom0 sees ", mem32[3 * 4096 + 16], " ", mem8[3 * 4096 + 4095]);
    mem32[3 * 4096 + 16] = 3333;
    let p = hypercall event_channel_op(0, 1, 1);
    hypercall event_channel_op(4, p as u32, 0);
    wait_state(1, 3);
    return 0;
}`,
        },
        {
          name: 'mapper',
          props: 'paused; memory 2;',
          kernel: `fn main() -> u32 {
    let port = hypercall event_channel_op(6, 0, 0);
    let a = hypercall grant_table_op(0, 0, 1, 0, 0) as u32;
    print("mapper sees ", mem32[a + 16]);
    mem32[a + 16] = 2222;
    mem8[a + 4095] = 0xee;
    hypercall sched_op(1, 0);
    print("mapper sees ", mem32[a + 16]);
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual(['dom0 sees 2222 238']);
      expect(lines(r.domains[1])).toEqual(['mapper sees 1111', 'mapper sees 3333']);
      expect(r.end).toBe('exited');
    });

    it('an access crossing the end of a mapped slot faults (a 4 KiB frame, nothing beyond it)', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `fn main() -> u32 {
    hypercall grant_table_op(100, 1, 1, 0, 0);
    hypercall domctl(4, 1, 0);
    return 0;
}`,
        },
        {
          name: 'mapper',
          props: 'paused;',
          kernel: `fn main() -> u32 {
    let a = hypercall grant_table_op(0, 0, 1, 0, 0) as u32;
    print("last word ", mem32[a + 4092]);
    let x = mem32[a + 4096];
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[1])).toEqual(['last word 0']);
      expect(r.domains[1].fault).toMatchObject({ kind: 'out-of-range', line: 4 });
    });
  });

  // ------------------------------------------------------------ isolation property

  /** mulberry32: a small deterministic PRNG. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PAGE = 4096;
  const WINDOW = 0x40000000;
  const DOM0_PAGES = 4;
  const VICTIM_PAGES = 4;
  const PROBER_PAGES = 2;
  /** dom0's word at byte address x (x a multiple of 4): a recognisable pattern. */
  const dom0Word = (x: number) => (0xd00d0000 + x) >>> 0;
  const VICTIM_BASE = 0xbad00000;

  interface Probe {
    addr: number;
    width: 8 | 16 | 32;
    store: boolean;
  }

  type Expected = { ok: true; value?: number } | { ok: false; kind: 'out-of-range' | 'read-only' };

  /** What the spec says an access by a prober must do. Slot 0 maps dom0's frame 1 writable, slot 1 its frame 2 read-only. */
  function expected(p: Probe): Expected {
    const n = p.width / 8;
    const readDom0 = (frame: number, off: number): number => {
      let v = 0;
      for (let i = 0; i < n; i++) {
        const x = frame * PAGE + off + i;
        const byte = (dom0Word(x & ~3) >>> (8 * (x & 3))) & 0xff;
        v |= byte << (8 * i);
      }
      return v >>> 0;
    };
    if (p.addr + n <= PROBER_PAGES * PAGE) return { ok: true, value: 0 };
    for (const [slot, frame, readonly] of [[0, 1, false], [1, 2, true]] as const) {
      const base = WINDOW + slot * PAGE;
      if (p.addr >= base && p.addr + n <= base + PAGE) {
        if (p.store) return readonly ? { ok: false, kind: 'read-only' } : { ok: true };
        return { ok: true, value: readDom0(frame, p.addr - base) };
      }
    }
    return { ok: false, kind: 'out-of-range' };
  }

  function makeProbes(count: number): Probe[] {
    const r = rng(0x5eed_1234);
    const probes: Probe[] = [];
    for (let i = 0; i < count; i++) {
      const width = ([8, 16, 32] as const)[Math.floor(r() * 3)];
      const c = r();
      let addr: number;
      if (c < 0.2) addr = Math.floor(r() * 4294967296); // anywhere
      else if (c < 0.4) addr = Math.floor(r() * (DOM0_PAGES + 2) * PAGE); // own pages and just past: where other domains keep their bytes
      else if (c < 0.6) addr = WINDOW - 64 + Math.floor(r() * (66 * PAGE + 128)); // the grant window: 2 mapped slots, 62 unmapped, just past
      else if (c < 0.72) addr = WINDOW + Math.floor(r() * 3 * PAGE); // the two mapped slots and the first unmapped one
      else if (c < 0.82) addr = 0xffffffff - Math.floor(r() * 256); // top of the address space (wrap-around)
      else if (c < 0.92) addr = PROBER_PAGES * PAGE - 8 + Math.floor(r() * 16); // the own-memory boundary
      else addr = 0x80000000 + Math.floor(r() * 0x100000); // negative as i32
      addr = (addr & ~(width / 8 - 1)) >>> 0; // aligned: the fault must be out-of-range, not misaligned
      probes.push({ addr, width, store: r() < 0.3 });
    }
    return probes;
  }

  function proberKernel(p: Probe, refW: number, refR: number): string {
    const addr = `0x${p.addr.toString(16)}`;
    const access = p.store ? `mem${p.width}[${addr}] = 0x77777777; print("stored");` : `print("v ", mem${p.width}[${addr}]);`;
    return `fn main() -> u32 {
    let w = hypercall grant_table_op(0, 0, ${refW}, 0, 0);
    let r = hypercall grant_table_op(0, 0, ${refR}, 0, 0);
    ${access}
    return 0;
}`;
  }

  const PROBERS_PER_SYSTEM = 62; // 64 domains at most: dom0, victim and 62 probers

  function runBatch(probes: Probe[]) {
    // domids: dom0 0, victim 1, probers 2…; dom0 grants each prober two refs, in order
    const n = probes.length;
    const dom0 = `${WAIT_STATE}
fn main() -> u32 {
    for i in 0..${(DOM0_PAGES * PAGE) / 4} { mem32[i * 4] = 0xd00d0000 + i * 4; }
    for d in 2..${n + 2} {
        hypercall grant_table_op(100, d, 1, 0, 0);
        hypercall grant_table_op(100, d, 2, 1, 0);
    }
    let port = hypercall event_channel_op(6, 1, 0);
    hypercall domctl(4, 1, 0);
    wait_state(1, 1);
    for d in 2..${n + 2} { hypercall domctl(4, d, 0); }
    for d in 2..${n + 2} {
        while (hypercall domctl(5, d, 0) < 3) { hypercall sched_op(0, 0); }
    }
    let bad: u32 = 0;
    for i in ${(2 * PAGE) / 4}..${(DOM0_PAGES * PAGE) / 4} {
        if (mem32[i * 4] != 0xd00d0000 + i * 4) { bad += 1; }
    }
    print("dom0 changed words ", bad);
    hypercall event_channel_op(4, port as u32, 0);
    wait_state(1, 3);
    return 0;
}`;
    const victim = `fn main() -> u32 {
    for i in 0..${(VICTIM_PAGES * PAGE) / 4} { mem32[i * 4] = ${VICTIM_BASE} + i * 4; }
    let p = hypercall event_channel_op(0, 0, 1);
    hypercall sched_op(1, 0);
    let bad: u32 = 0;
    for i in ${PAGE / 4}..${(VICTIM_PAGES * PAGE) / 4} {
        if (mem32[i * 4] != ${VICTIM_BASE} + i * 4) { bad += 1; }
    }
    print("victim changed words ", bad);
    return 0;
}`;
    const domains: DomainSpec[] = [
      { name: 'dom0', kernel: dom0, props: `privileged; memory ${DOM0_PAGES};` },
      { name: 'victim', kernel: victim, props: `paused; memory ${VICTIM_PAGES};` },
      ...probes.map((p, i) => ({
        name: `p${i}`,
        kernel: proberKernel(p, 2 * i + 1, 2 * i + 2),
        props: `paused; memory ${PROBER_PAGES};`,
      })),
    ];
    return runDomains(domains);
  }

  describe('isolation: nothing of another domain is reachable', () => {
    it('~2000 pseudo-random accesses from domUs: own pages and mapped grants only, everything else faults out-of-range', () => {
      const probes = makeProbes(2000);
      const failures: string[] = [];
      let faults = 0;
      let inGrants = 0;
      for (let start = 0; start < probes.length; start += PROBERS_PER_SYSTEM) {
        const batch = probes.slice(start, start + PROBERS_PER_SYSTEM);
        const r = runBatch(batch);
        expect(r.end).toBe('exited');
        expect(lines(r.domains[0])).toEqual(['dom0 changed words 0']);
        expect(lines(r.domains[1])).toEqual(['victim changed words 0']);
        batch.forEach((p, i) => {
          const d = r.domains[i + 2];
          const want = expected(p);
          const what = `${p.store ? 'store' : 'load'} mem${p.width}[0x${p.addr.toString(16)}]`;
          if (p.addr >= WINDOW && p.addr < WINDOW + 2 * PAGE) inGrants++;
          if (want.ok) {
            const line = p.store ? 'stored' : `v ${want.value}`;
            if (d.state !== 'exited' || d.console !== `${line}\n`) failures.push(`${what}: want "${line}", got ${d.state} ${JSON.stringify(d.console)} ${d.fault?.kind ?? ''}`);
          } else {
            faults++;
            if (d.state !== 'crashed' || d.fault?.kind !== want.kind || d.console !== '') {
              failures.push(`${what}: want fault ${want.kind}, got ${d.state} ${d.fault?.kind ?? ''} ${JSON.stringify(d.console)}`);
            }
          }
        });
      }
      expect(failures).toEqual([]);
      // the sample exercises both sides of the property
      expect(faults).toBeGreaterThan(1000);
      expect(inGrants).toBeGreaterThan(100);
      expect(probes.length - faults).toBeGreaterThan(200);
    });
  });
});
