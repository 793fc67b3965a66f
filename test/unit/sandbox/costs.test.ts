/**
 * The cycle cost model (spec §3 intrinsics table, §4 cost table, §5 hypercall
 * costs), row by row, with exact domain cycle counts worked out by hand from
 * the spec. Every expectation carries its arithmetic.
 *
 * Conventions: `main`'s first entry is free; every statement, condition,
 * `for` start and `for` test is 1. Kernels run as the only (privileged)
 * domain of a one-pcpu system unless a test says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, cliRun, runKernel, runSystem } from './helpers.js';

forEachEngine(() => {
  const native = (k: string) => runKernel(k, { mode: 'native' }).dom;
  const pv = (k: string, o = {}) => runKernel(k, { mode: 'pv', ...o }).dom;
  const hvm = (k: string) => runKernel(k, { mode: 'hvm' }).dom;

  describe('statements and control flow', () => {
    it("the spec's example: 10 cycles, exit code 3", () => {
      const d = native(`
fn main() -> u32 {
    let s: u32 = 0;
    for i in 0..3 { s += i; }
    return s;
}`);
      // let 1 + for (1 start + 4 tests + 3 statements) + return 1 = 10
      expect(d.cycles).toBe(10);
      expect(d.exitCode).toBe(3);
      expect(d.state).toBe('exited');
    });

    it('the first entry into main is free', () => {
      // an empty main runs no statement: 0 cycles, exit code 0 (returns nothing)
      const empty = native(`fn main() { }`);
      expect(empty.cycles).toBe(0);
      expect(empty.exitCode).toBe(0);
      // only the return: 1
      expect(native(`fn main() -> u32 { return 7; }`)).toMatchObject({ cycles: 1, exitCode: 7 });
    });

    it('let, assignment and compound assignment are 1 each', () => {
      const d = native(`
fn main() -> u32 {
    let a: u32 = 1;
    let b = a + 2;
    a = b * 3;
    a += 1;
    a <<= 1;
    return a;
}`);
      // 2 lets + 3 assignments + return = 6; a = ((1+2)*3+1)<<1 = 20
      expect(d).toMatchObject({ cycles: 6, exitCode: 20 });
    });

    it('an expression statement is 1 (print itself costs 0)', () => {
      const d = native(`
fn main() -> u32 {
    print("a");
    print("b ", 1, " ", true);
    return 0;
}`);
      // 2 expression statements + return = 3
      expect(d.cycles).toBe(3);
      expect(d.console).toBe('a\nb 1 true\n');
    });

    it('global assignment costs like a local one', () => {
      const d = native(`
var g: u32 = 5;
fn main() -> u32 {
    g += 2;
    return g;
}`);
      // assignment 1 + return 1 = 2
      expect(d).toMatchObject({ cycles: 2, exitCode: 7 });
    });

    it('if: 1 per condition evaluated, only the branch taken runs', () => {
      const d = native(`
fn main() -> u32 {
    let x: u32 = 0;
    if (x == 1) { x = 10; } else if (x == 2) { x = 20; } else { x = 30; }
    if (x == 30) { x += 1; }
    return x;
}`);
      // let 1 + (cond 1 + cond 1 + assign 1) + (cond 1 + assign 1) + return 1 = 7
      expect(d).toMatchObject({ cycles: 7, exitCode: 31 });
    });

    it('while: 1 per condition evaluation (n+1 for n iterations)', () => {
      const d = native(`
fn main() -> u32 {
    let i: u32 = 0;
    while (i < 4) { i += 1; }
    return i;
}`);
      // let 1 + 5 tests + 4 body statements + return 1 = 11
      expect(d).toMatchObject({ cycles: 11, exitCode: 4 });
    });

    it('for: 1 to start and n+1 tests; an empty range is start + 1 test', () => {
      expect(native(`fn main() -> u32 { for i in 0..0 { } return 0; }`).cycles).toBe(3); // 1 start + 1 test + return 1
      expect(native(`fn main() -> u32 { for i in 0..5 { } return 0; }`).cycles).toBe(8); // 1 + 6 tests + return 1
      // hi is evaluated once: growing n in the body does not add iterations
      expect(native(`fn main() -> u32 { let n: u32 = 3; let s: u32 = 0; for i in 0..n { n += 1; s += 1; } return s; }`)).toMatchObject({
        cycles: 14, // 2 lets + (1 start + 4 tests + 3 × 2 body) + return 1 = 14
        exitCode: 3,
      });
    });

    it('break and continue are 1 each', () => {
      const b = native(`
fn main() -> u32 {
    while (true) { break; }
    return 0;
}`);
      // cond 1 + break 1 + return 1 = 3
      expect(b.cycles).toBe(3);

      const c = native(`
fn main() -> u32 {
    let i: u32 = 0;
    while (i < 3) { i += 1; continue; }
    return i;
}`);
      // let 1 + 4 tests + 3 × (assign 1 + continue 1) + return 1 = 12
      expect(c).toMatchObject({ cycles: 12, exitCode: 3 });

      const f = native(`
fn main() -> u32 {
    let s: u32 = 0;
    for i in 0..10 {
        if (i == 2) { break; }
        if (i == 0) { continue; }
        s += 1;
    }
    return s;
}`);
      // let 1; for start 1;
      // i=0: test 1, cond 1, cond 1, continue 1 = 4
      // i=1: test 1, cond 1, cond 1, assign 1 = 4
      // i=2: test 1, cond 1, break 1 = 3
      // return 1 → 1 + 1 + 4 + 4 + 3 + 1 = 14
      expect(f).toMatchObject({ cycles: 14, exitCode: 1 });
    });
  });

  describe('memory accesses', () => {
    it('each load and store is +1, for mem8, mem16 and mem32', () => {
      const d = native(`
fn main() -> u32 {
    mem8[1] = 7;
    mem16[2] = 9;
    mem32[4] = 100;
    let a = mem8[1] + mem16[2] + mem32[4];
    return a;
}`);
      // 3 stores × (1 + 1) = 6; let 1 + 3 loads = 4; return 1 → 11
      expect(d).toMatchObject({ cycles: 11, exitCode: 116 });
    });

    it('a compound store is one load and one store', () => {
      const d = native(`
fn main() -> u32 {
    mem32[256] += 5;
    mem32[256] += 6;
    return mem32[256];
}`);
      // 2 × (1 + load 1 + store 1) = 6; return 1 + load 1 = 2 → 8
      expect(d).toMatchObject({ cycles: 8, exitCode: 11 });
    });

    it('loads in loop conditions count on every test', () => {
      const d = native(`
fn main() -> u32 {
    while (mem32[256] < 3) { mem32[256] += 1; }
    return 0;
}`);
      // 4 tests × (1 + load 1) = 8; 3 × (1 + 1 + 1) = 9; return 1 → 18
      expect(d.cycles).toBe(18);
    });

    it('cmpxchg is counted only in its own 10 (no +1 memory access)', () => {
      const d = native(`
fn main() -> u32 {
    mem32[256] = 4;
    let old = cmpxchg(256, 4, 9);
    let fail = cmpxchg(256, 4, 11);
    return old * 100 + fail * 10 + mem32[256];
}`);
      // store 1 + 1 = 2; 2 lets × (1 + 10) = 22; return 1 + load 1 = 2 → 26
      // old 4, fail 9 (value unchanged), mem 9 → 400 + 90 + 9
      expect(d).toMatchObject({ cycles: 26, exitCode: 499 });
    });
  });

  describe('calls and pvops', () => {
    it('a pvk call is +5', () => {
      const d = native(`
fn nothing() { }
fn inc(x: u32) -> u32 { return x + 1; }
fn main() -> u32 {
    nothing();
    let y = inc(1) + inc(2);
    return y;
}`);
      // nothing(): stmt 1 + 5 + 0 = 6
      // let: 1 + 2 × (5 + return 1) = 13
      // return 1 → 20; y = 2 + 3
      expect(d).toMatchObject({ cycles: 20, exitCode: 5 });
    });

    it('&& and || short-circuit: a call on the right costs only when it runs', () => {
      const d = native(`
var n: u32 = 0;
fn f() -> bool { n += 1; return true; }
fn main() -> u32 {
    let a = false && f();
    let b = true && f();
    let c = true || f();
    let e = false || f();
    return n;
}`);
      // a: 1; b: 1 + 5 + (1 + 1); c: 1; e: 1 + 5 + 2; return 1 → 1 + 8 + 1 + 8 + 1 = 19
      expect(d).toMatchObject({ cycles: 19, exitCode: 2 });
    });

    const PVOPS = `
pvops ops { fn get() -> u32; }
impl ops for native { fn get() -> u32 { return 1; } }
impl ops for xen { fn get() -> u32 { return 2; } }
fn main() -> u32 {
    let v = ops.get();
    return v;
}`;

    it('a pvop call through the ops table is +8 instead of +5; pv binds the xen impl', () => {
      const d = pv(PVOPS);
      // let 1 + 8 + impl return 1 + return 1 = 11
      expect(d).toMatchObject({ cycles: 11, exitCode: 2, pvopCalls: 1 });
    });

    it('native and hvm domains bind the native impl, also +8', () => {
      // let 1 + 8 + 1 + 1 = 11
      expect(native(PVOPS)).toMatchObject({ cycles: 11, exitCode: 1, pvopCalls: 1 });
      expect(hvm(PVOPS)).toMatchObject({ cycles: 11, exitCode: 1, pvopCalls: 1 });
    });

    it('patch_pvops (system property) makes a pvop call +5', () => {
      const d = runKernel(PVOPS, { mode: 'pv', systemExtra: 'patch_pvops;' }).dom;
      // let 1 + 5 + 1 + 1 = 8
      expect(d).toMatchObject({ cycles: 8, exitCode: 2, pvopCalls: 1 });
    });

    it('the patchPvops boot option (--patch-pvops) makes a pvop call +5', () => {
      const d = runKernel(PVOPS, { mode: 'pv', patchPvops: true }).dom;
      expect(d).toMatchObject({ cycles: 8, exitCode: 2, pvopCalls: 1 }); // 1 + 5 + 1 + 1
    });

    it('--patch-pvops on the command line makes a pvop call +5', () => {
      const files = {
        'sys.pvk': `system s { hypervisor 4.2; domain d0 { kernel "k.pvk"; privileged; } }`,
        'k.pvk': PVOPS,
      };
      const plain = cliRun(files);
      expect(plain.status).toBe(0);
      expect(plain.report.domains[0].cycles).toBe(11); // 1 + 8 + 1 + 1
      const patched = cliRun(files, ['--patch-pvops']);
      expect(patched.status).toBe(0);
      expect(patched.report.domains[0].cycles).toBe(8); // 1 + 5 + 1 + 1
    });

    it('every pvop call is counted in pvopCalls, plain calls are not', () => {
      const d = pv(`
pvops ops { fn nop(); }
impl ops for native { fn nop() { } }
impl ops for xen { fn nop() { } }
fn f() { }
fn main() -> u32 {
    for i in 0..3 { ops.nop(); f(); }
    return 0;
}`);
      // for: 1 + 4 tests + 3 × ((1 + 8) + (1 + 5)) = 5 + 45 = 50; return 1 → 51
      expect(d).toMatchObject({ cycles: 51, pvopCalls: 3 });
    });
  });

  describe('intrinsics: native cost', () => {
    // Each kernel: `let x = <intrinsic>;` (1 + cost) then `return x;` (1), bare metal.
    const cases: [string, number][] = [
      ['inb(0x60)', 150],
      ['rdmsr(0x10)', 50],
      ['read_cr3()', 2],
      ['rdtsc()', 20],
      ['vcpu_id()', 0],
      ['domain_id()', 0],
      ['vcpu_info()', 0],
      ['xen_domain() as u32', 0],
    ];
    for (const [expr, cost] of cases) {
      it(`${expr}: ${cost}`, () => {
        const d = native(`fn main() -> u32 { let x = ${expr}; return 0; }`);
        expect(d.cycles).toBe(1 + cost + 1); // let 1 + cost + return 1
        expect(d.traps).toEqual({});
        expect(d.vmexits).toEqual({});
      });
    }
    const stmts: [string, number][] = [
      ['cli()', 2],
      ['sti()', 2],
      ['outb(0x80, 1)', 150],
      ['wrmsr(0x10, 1)', 100],
      ['write_cr3(0x1000)', 200],
      ['invlpg(0x1000)', 100],
      ['cmpxchg(256, 0, 1)', 10],
    ];
    for (const [call, cost] of stmts) {
      it(`${call}: ${cost}`, () => {
        const d = native(`fn main() -> u32 { ${call}; return 0; }`);
        expect(d.cycles).toBe(1 + cost + 1); // expression statement 1 + cost + return 1
      });
    }

    it('hlt: 1 (+ idle); with nothing to wait for the run deadlocks', () => {
      const { report, dom } = runKernel(`fn main() -> u32 { hlt(); return 0; }`, { mode: 'native' });
      // expression statement 1 + hlt 1 = 2, then blocked for ever
      expect(dom.cycles).toBe(2);
      expect(dom.state).toBe('blocked');
      expect(report.end).toBe('deadlock');
    });

    it('values: inb reads 0xFF, MSRs and cr3 are 0 until written, per vCPU', () => {
      const d = native(`
fn main() -> u32 {
    print(inb(0x60), " ", rdmsr(0x174), " ", read_cr3());
    wrmsr(0x174, 77);
    write_cr3(0x5000);
    print(rdmsr(0x174), " ", read_cr3(), " ", rdmsr(0x175));
    return 0;
}`);
      expect(d.console).toBe('255 0 0\n77 20480 0\n');
    });

    it('rdtsc: machine time advances by every cycle charged', () => {
      const d = native(`
fn main() -> u32 {
    let t1 = rdtsc();
    let t2 = rdtsc();
    return t2 - t1;
}`);
      // between the two reads: rdtsc 20 + let 1 = 21 (whether a read is before or after its own charge)
      expect(d.exitCode).toBe(21);
      expect(d.cycles).toBe(1 + 20 + 1 + 20 + 1); // = 43
    });

    it('outb to 0x3f8 appends to the console', () => {
      const d = native(`fn main() -> u32 { outb(0x3f8, 104); outb(0x3f8, 105); outb(0x3f8, 10); return 0; }`);
      expect(d.console).toBe('hi\n');
      expect(d.cycles).toBe(3 * 151 + 1); // 3 × (1 + 150) + return 1 = 454
    });
  });

  describe('privileged intrinsics in pv trap (+1000), VM exits in hvm (+1500)', () => {
    // [call as a statement, native cost, privileged, causes a VM exit in hvm]
    const table: [string, string, number, boolean, boolean][] = [
      ['cli', 'cli()', 2, true, false],
      ['sti', 'sti()', 2, true, false],
      ['inb', 'inb(0x60)', 150, true, true],
      ['outb', 'outb(0x80, 1)', 150, true, true],
      ['rdmsr', 'rdmsr(0x10)', 50, true, true],
      ['wrmsr', 'wrmsr(0x10, 1)', 100, true, true],
      ['read_cr3', 'read_cr3()', 2, true, false],
      ['write_cr3', 'write_cr3(0x1000)', 200, true, false],
      ['invlpg', 'invlpg(0x1000)', 100, true, false],
      ['rdtsc', 'rdtsc()', 20, false, false],
      ['cmpxchg', 'cmpxchg(4096, 0, 1)', 10, false, false],
    ];
    for (const [name, call, cost, priv, exit] of table) {
      it(`${name} in pv: ${cost}${priv ? ' + 1000' : ''}`, () => {
        const d = pv(`fn main() -> u32 { ${call}; ${call}; return 0; }`);
        // 2 × (statement 1 + cost (+ 1000)) + return 1
        expect(d.cycles).toBe(2 * (1 + cost + (priv ? 1000 : 0)) + 1);
        expect(d.traps).toEqual(priv ? { [name]: 2 } : {});
        expect(d.vmexits).toEqual({});
      });
      it(`${name} in hvm: ${cost}${exit ? ' + 1500' : ''}`, () => {
        const d = hvm(`fn main() -> u32 { ${call}; ${call}; return 0; }`);
        // 2 × (statement 1 + cost (+ 1500)) + return 1
        expect(d.cycles).toBe(2 * (1 + cost + (exit ? 1500 : 0)) + 1);
        expect(d.vmexits).toEqual(exit ? { [name]: 2 } : {});
        expect(d.traps).toEqual({});
      });
    }

    // A port made pending on the domain itself (no on_event, so it stays
    // pending) lets hlt return at once.
    const PENDING = `
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);`;
    // 3 × (statement 1 + 300 + 100) = 1203

    it('hlt in pv: 1 + 1000 (traps.hlt), returns at once with an event pending', () => {
      const d = pv(`fn main() -> u32 { ${PENDING} hlt(); return 0; }`);
      // 1203 + (1 + 1 + 1000) + return 1 = 2206
      expect(d).toMatchObject({ cycles: 2206, state: 'exited', traps: { hlt: 1 } });
    });

    it('hlt in hvm: 1 + 1500 (vmexits.hlt)', () => {
      const d = hvm(`fn main() -> u32 { ${PENDING} hlt(); return 0; }`);
      // 1203 + (1 + 1 + 1500) + return 1 = 2706
      expect(d).toMatchObject({ cycles: 2706, state: 'exited', vmexits: { hlt: 1 } });
    });

    it('the pv trap of cli sets the shared-info mask byte', () => {
      const d = pv(`fn main() -> u32 { cli(); let m = mem8[vcpu_info()]; sti(); return m * 10 + mem8[vcpu_info()]; }`);
      // cli 1 + 1002; let 1 + load 1; sti 1 + 1002; return 1 + load 1 → 2010
      expect(d).toMatchObject({ cycles: 2010, exitCode: 10, traps: { cli: 1, sti: 1 } });
    });
  });

  describe('hypercalls: 300 + the ABI cost (+ variable parts)', () => {
    // Each: `let r = hypercall …;` (1 + cost) then `return 0;` (1).
    const fixed: [string, string, number][] = [
      ['xen_version', 'xen_version(0)', 10],
      ['sched_op', 'sched_op(0, 0)', 50],
      ['set_timer_op', 'set_timer_op(0)', 50],
      ['event_channel_op', 'event_channel_op(6, 0, 0)', 100],
      ['grant_table_op', 'grant_table_op(100, 0, 1, 0, 0)', 200],
      ['vcpu_op', 'vcpu_op(2, 0)', 100],
      ['set_pat', 'set_pat(0x07040600)', 50],
      ['sysctl', 'sysctl(1, 0)', 100],
      ['domctl', 'domctl(5, 0, 0)', 400],
    ];
    for (const [name, call, cost] of fixed) {
      it(`${name}: 300 + ${cost}`, () => {
        const d = pv(`fn main() -> u32 { let r = hypercall ${call}; return 0; }`);
        expect(d.cycles).toBe(1 + 300 + cost + 1);
        expect(d.hypercalls).toEqual({ [name]: 1 });
      });
    }

    it('a failed call costs the same as a successful one', () => {
      const d = pv(`fn main() -> u32 { let r = hypercall xen_version(9); return r as u32; }`);
      expect(d.cycles).toBe(1 + 310 + 1); // = 312
      expect(d.exitCode).toBe(-22 >>> 0);
      const e = pv(`fn main() -> u32 { let r = hypercall domctl(99, 0, 0); return 0; }`);
      expect(e.cycles).toBe(1 + 700 + 1); // bad sub-op: still 300 + 400
    });

    it('console_io: 100 + 1 per byte', () => {
      const d = pv(`
fn main() -> u32 {
    mem32[4096] = 0x0a6b6f; // "ok\\n\\0"
    let r = hypercall console_io(0, 3, 4096);
    return r as u32;
}`);
      // store 1 + 1; let 1 + 300 + 100 + 3; return 1 → 407
      expect(d).toMatchObject({ cycles: 407, exitCode: 0, console: 'ok\n' });
    });

    it('memory_op: 100 per page (fixed cost 0)', () => {
      const d = pv(`fn main() -> u32 { let r = hypercall memory_op(0, 3); return r as u32; }`);
      // let 1 + 300 + 0 + 3 × 100 + return 1 = 602; 16 + 3 pages
      expect(d).toMatchObject({ cycles: 602, exitCode: 19 });
    });

    it('grant copy: 200 + 1 per byte copied', () => {
      const d = pv(`
fn main() -> u32 {
    mem32[8192] = 0x11223344;
    mem32[8196] = 0x55667788;
    let g = hypercall grant_table_op(100, 0, 3, 0, 0);
    let r = hypercall grant_table_op(5, 0, g as u32, 8192, 8);
    return mem32[12292];
}`);
      // 2 stores × 2 = 4; grant: 1 + 500; copy: 1 + 500 + 8; return 1 + load 1 → 1016
      // the 8 bytes land at the start of frame 3 (12288): mem32[12292] = 0x55667788
      expect(d).toMatchObject({ cycles: 1016, exitCode: 0x55667788 });
    });

    it("multicall: 50 + each entry's own cost, no second 300", () => {
      const d = pv(`
fn main() -> u32 {
    mem32[4096] = 17;          // xen_version(0)
    mem32[4120] = 35;          // sysctl(1, 0)
    mem32[4124] = 1;
    let r = hypercall multicall(4096, 2);
    return r as u32;
}`);
      // 3 stores × 2 = 6; let 1 + 300 + 50 + 10 + 100 = 461; return 1 → 468
      expect(d).toMatchObject({ cycles: 468, exitCode: 0 });
      expect(d.hypercalls.multicall).toBe(1);
    });
  });

  describe('upcalls and context switches', () => {
    it('an upcall costs 200 instead of the +5 and counts in events', () => {
      const d = pv(`
var got: u32 = 0;
fn on_event(port: u32) {
    got = port;
}
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    while (got == 0) { }
    return got;
}`);
      // 3 × (1 + 400) = 1203; upcall 200 + on_event's assignment 1;
      // while: 1 test (false after delivery); return 1 → 1406
      expect(d).toMatchObject({ cycles: 1406, exitCode: 1, events: 1 });
    });

    it('a context switch is 500 of elapsed time, charged to no domain', () => {
      const r = runSystem({
        '/t/sys.pvk': `system s {
    hypervisor 4.2;
    domain a { kernel "a.pvk"; privileged; }
    domain b { kernel "a.pvk"; }
}`,
        '/t/a.pvk': `fn main() -> u32 { return 0; }`,
      });
      // a runs 1 cycle (first dispatch on an unused pcpu: no switch), switch 500, b runs 1
      expect(r.domains.map((d) => d.cycles)).toEqual([1, 1]);
      expect(r.cycles).toBe(1 + 500 + 1);
      expect(r.end).toBe('exited');
    });

    it('the first dispatch on each pcpu is not a switch', () => {
      const r = runSystem({
        '/t/sys.pvk': `system s {
    hypervisor 4.2;
    pcpus 2;
    domain a { kernel "a.pvk"; privileged; }
    domain b { kernel "a.pvk"; }
}`,
        '/t/a.pvk': `fn main() -> u32 { return 0; }`,
      });
      // each pcpu runs one domain for 1 cycle: elapsed = max(1, 1)
      expect(r.cycles).toBe(1);
    });

    it("preemption does not change a domain's cycles", () => {
      const work = `fn main() -> u32 {
    let s: u32 = 0;
    for i in 0..20000 { s += i; }
    return 0;
}`;
      const r = runSystem({
        '/t/sys.pvk': `system s {
    hypervisor 4.2;
    timeslice 1000;
    domain a { kernel "w.pvk"; privileged; }
    domain b { kernel "w.pvk"; }
}`,
        '/t/w.pvk': work,
      });
      // each: let 1 + for (1 + 20001 tests + 20000 body) + return 1 = 40004, however often it was preempted
      expect(r.domains.map((d) => d.cycles)).toEqual([40004, 40004]);
      // elapsed: both domains + one 500 per switch; about 80 slices of 1000
      const switches = (r.cycles - 80008) / 500;
      expect(Number.isInteger(switches)).toBe(true);
      expect(switches).toBeGreaterThanOrEqual(70);
      expect(switches).toBeLessThanOrEqual(90);
    });

    it('elapsed time = domain cycles + switches + idle on one pcpu', () => {
      const r = runSystem({
        '/t/sys.pvk': `system s {
    hypervisor 4.2;
    domain a { kernel "a.pvk"; privileged; }
    domain b { kernel "b.pvk"; }
}`,
        '/t/a.pvk': `fn main() -> u32 { hypercall sched_op(0, 0); return 0; }`,
        '/t/b.pvk': `fn main() -> u32 { return 0; }`,
      });
      // a: stmt 1 + 350, yields; switch 500; b: return 1 (exits); switch 500; a: return 1
      expect(r.domains.map((d) => d.cycles)).toEqual([352, 1]);
      expect(r.cycles).toBe(352 + 1 + 2 * 500);
    });
  });

  describe('faulting accesses are not charged their own cost', () => {
    it('a faulting load: what the statement charged before it stays', () => {
      const d = native(`fn main() -> u32 { let x = inb(0x60) + mem32[0x20000]; return x; }`);
      // statement 1 + inb 150; the load faults (16 pages = 0x10000 bytes) and is not charged
      expect(d.cycles).toBe(151);
      expect(d.state).toBe('crashed');
      expect(d.fault?.kind).toBe('out-of-range');
    });

    it('a faulting store is not charged', () => {
      const d = native(`fn main() -> u32 { mem32[0x20000] = rdtsc(); return 0; }`);
      expect(d.cycles).toBe(1 + 20); // statement 1 + rdtsc 20; no +1 for the store
      expect(d.fault?.kind).toBe('out-of-range');
    });

    it('a faulting cmpxchg is not charged its 10', () => {
      const d = native(`fn main() -> u32 { let x = cmpxchg(6, 0, 1); return x; }`);
      expect(d.cycles).toBe(1); // statement 1 only
      expect(d.fault?.kind).toBe('misaligned');
    });

    it('a division by zero charges the statement only', () => {
      const d = native(`fn main() -> u32 { let z: u32 = 0; let y = mem32[0] / z; return y; }`);
      // let 1; let 1 + load 1; the division faults
      expect(d.cycles).toBe(3);
      expect(d.fault?.kind).toBe('divide-by-zero');
    });

    it('the call that overflows the stack is not charged its +5', () => {
      const d = native(`
fn f(n: u32) {
    f(n + 1);
}
fn main() -> u32 {
    f(2);
    return 0;
}`);
      // frames: main is 1, f(2)..f(256) are frames 2..256 (255 calls succeed, the 256th faults)
      // main: statement 1 + 5; 254 inner calls × (1 + 5); the deepest f: statement 1
      // = 6 + 1524 + 1 = 1531
      expect(d.cycles).toBe(1531);
      expect(d.fault?.kind).toBe('stack-overflow');
    });
  });
});
