// Hypercalls with handlers in pvk (spec section 9.1) at run time: results,
// errors, exact cycles (300 + cost + the handler's own), handlers that are not
// preempted, the cycle limit inside one, a panic, the report's abi / hvConsole
// / panic, and every engine agreeing to the cycle.

import { describe, expect, it } from 'vitest';
import type { EngineKind } from '../../../sandbox/run/boot.js';
import { cliRun, runSystem, type RunOptions } from './helpers.js';

const ALL_ENGINES: EngineKind[] = ['interpreter', 'fast', 'step'];

/** The extension of the tests: a counter in the hypervisor, a kick, a loop, a fault. */
const LAB = `const LIMIT = 1000;
abi lab {
    var total: u32 = 0;
    fn clamp(v: u32) -> u32 {
        if (v > LIMIT) { return LIMIT; }
        return v;
    }
    hypercall counter_op(cmd: u32, a: u32) -> i32 = 64 stable since 4.2 cost 40 {
        if (cmd == 0) { total += clamp(a); return total as i32; }
        if (cmd == 1) { guest_store32(a, total); return 0; }
        if (cmd == 2) { let v = guest_load32(a); return v as i32; }
        print("counter_op: bad cmd ", cmd, " from domain ", caller(), " vcpu ", caller_vcpu());
        return -22;
    }
    hypercall kick(domid: u32, port: u32) -> i32 = 65 stable since 4.2 cost 10 {
        return notify(domid, port);
    }
    hypercall spin(n: u32) -> i32 = 66 stable since 4.2 cost 0 {
        let s: u32 = 0;
        for i in 0..n { s += i; }
        return s as i32;
    }
    hypercall reset() -> i32 = 67 dom0 since 4.2 cost 5 { total = 0; }
    hypercall churn(n: u32) -> i32 = 70 stable since 4.2 cost 0 {
        for i in 0..n { total = i + 1; }
        total = 0;
    }
    hypercall future() -> i32 = 68 stable since 4.4 cost 7 { return 1; }
    fn down(n: u32) -> u32 { return down(n + 1); }
    hypercall deep() -> i32 = 71 stable since 4.2 cost 1 { return down(0) as i32; }
    hypercall crash(d: u32) -> i32 = 69 stable since 4.2 cost 1 {
        print("about to divide");
        return (10 / d) as i32;
    }
}
`;

function system(domains: string, header = 'hypervisor 4.2;\n    abi lab;'): string {
  return `import "lab.pvk";\nsystem t {\n    ${header}\n${domains}}\n`;
}

const run = (files: Record<string, string>, engine: EngineKind, opts: RunOptions = {}) => runSystem({ '/t/sys.pvk': files.sys, '/t/lab.pvk': LAB, ...Object.fromEntries(Object.entries(files).filter(([k]) => k !== 'sys').map(([k, v]) => [`/t/${k}`, v])) }, { engine, ...opts });

const DOM0_ONLY = '    domain dom0 { kernel "k.pvk"; privileged; }\n';

/** Runs on every engine and checks that they give the same report; returns it. */
function agreed(files: Record<string, string>, opts: RunOptions = {}) {
  const reports = ALL_ENGINES.map((e) => run(files, e, opts));
  for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
  return reports[0];
}

describe('extension hypercalls run their pvk handlers', () => {
  it('results, hypervisor state across calls, guest memory, and exact cycles on every engine', () => {
    const k = `import "lab.pvk";
fn main() -> u32 {
    let a = hypercall counter_op(0, 5);
    let b = hypercall counter_op(0, 5000);
    mem32[64] = 9;
    let c = hypercall counter_op(1, 64);
    let d = hypercall counter_op(2, 64);
    print(a, " ", b, " ", c, " ", mem32[64], " ", d);
    return 0;
}
`;
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': k });
    expect(r.end).toBe('exited');
    expect(r.domains[0].console).toBe('5 1005 0 1005 1005\n');
    // handler cycles by section 4: add = if(1) + stmt(1) + call(5) + clamp's if(1) + return(1) + return(1) = 10
    // store = 2 conditions + stmt(1) + guest_store32(5) + return(1) = 9; load = 3 conditions + let(1) + 5 + return(1) = 10
    const handlers = 10 + 10 + 9 + 10;
    // main: 4 lets, a store (1+1), print with one load (1+1), return
    const guest = 4 + 2 + 2 + 1;
    expect(r.domains[0].cycles).toBe(guest + 4 * (300 + 40) + handlers);
    expect(r.domains[0].hypercalls).toEqual({ counter_op: 4 });
    expect(r.abi).toEqual(['xen', 'lab']);
    expect(r.panic).toBeNull();
    expect(r.hvConsole).toBe('');
  });

  it('print in a handler goes to the hypervisor console, not the domain console', () => {
    const k = 'import "lab.pvk";\nfn main() -> u32 {\n    let r = hypercall counter_op(7, 0);\n    print(r);\n    return 0;\n}\n';
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': k });
    expect(r.hvConsole).toBe('counter_op: bad cmd 7 from domain 0 vcpu 0\n');
    expect(r.domains[0].console).toBe('-22\n');
  });

  it('a bad guest address ends the handler at once with -EFAULT', () => {
    const k = 'import "lab.pvk";\nfn main() -> u32 {\n    let a = hypercall counter_op(1, 2);\n    let b = hypercall counter_op(2, 0x7fff0000);\n    print(a, " ", b);\n    return 0;\n}\n';
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': k });
    expect(r.domains[0].console).toBe('-14 -14\n');
    // misaligned store: 2 conditions + its statement (the failing store itself is not charged);
    // out-of-range load: 3 conditions + the let; main: 2 lets, print, return
    expect(r.domains[0].cycles).toBe(4 + 2 * 340 + 3 + 4);
  });

  it('notify makes a port pending at a domain: the event is delivered to on_event', () => {
    const k = `import "lab.pvk";
var got: u32 = 0;
fn on_event(port: u32) { got = port; }
fn main() -> u32 {
    let p = hypercall event_channel_op(6, 0, 0);
    let r = hypercall kick(0, p as u32);
    let bad = hypercall kick(0, 63);
    let none = hypercall kick(9, 1);
    print(r, " ", got == p as u32, " ", bad, " ", none);
    return 0;
}
`;
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': k });
    expect(r.domains[0].console).toBe('0 true -22 -3\n');
    expect(r.domains[0].events).toBe(1);
  });

  it('handlers are not preempted: another domain never sees the hypervisor state half-way through one', () => {
    // churn sets total to 1..n and back to 0 in one handler; if a timeslice ended inside it, the
    // other domain (timeslice 200, always runnable) would read a non-zero total.
    const k = 'import "lab.pvk";\nfn main() -> u32 {\n    for i in 0..20 { hypercall churn(500); }\n    return 0;\n}\n';
    const reader = `import "lab.pvk";
fn main() -> u32 {
    let seen: u32 = 0;
    for i in 0..400 {
        hypercall counter_op(1, 64);
        if (mem32[64] != 0) { seen += 1; }
    }
    print(seen);
    return 0;
}
`;
    const r = agreed({ sys: system('    domain dom0 { kernel "k.pvk"; privileged; }\n    domain reader { kernel "reader.pvk"; }\n', 'hypervisor 4.2;\n    abi lab;\n    timeslice 200;'), 'k.pvk': k, 'reader.pvk': reader });
    expect(r.domains[1].console).toBe('0\n');
    // the two domains did interleave: dom0's handlers (~1000 cycles each) span many of reader's slices
    expect(r.domains[0].cycles).toBeGreaterThan(20 * 1000);
    expect(r.domains[1].cycles).toBeGreaterThan(400 * 340);
  });

  it('the cycle limit ends a run inside a handler', () => {
    const k = 'import "lab.pvk";\nfn main() -> u32 {\n    let s = hypercall spin(4000000000);\n    return 0;\n}\n';
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': k }, { maxCycles: 50_000 });
    expect(r.end).toBe('max-cycles');
    expect(r.cycles).toBe(50_000);
  });
});

describe("extension hypercalls go through the system's dispatch table", () => {
  const BIG = `abi big {
    var n: u32 = 0;
    hypercall far_op(a: u32) -> i32 = 100000 stable since 4.2 cost 20 { n += a; return n as i32; }
    hypercall near_op() -> i32 = 72 dom0 since 4.2 cost 3 { return 7; }
}
`;
  const k = `import "big.pvk";
fn main() -> u32 {
    let a = hypercall far_op(2);
    mem32[256] = 100000;
    mem32[260] = 3;
    mem32[280] = 72;
    let m = hypercall multicall(256, 2);
    let b = hypercall far_op(0);
    print(a, " ", m, " ", mem32[256], " ", mem32[280], " ", b);
    return 0;
}
`;
  const files = { '/t/sys.pvk': 'import "big.pvk";\nsystem t {\n    hypervisor 4.2;\n    abi big;\n' + DOM0_ONLY + '}\n', '/t/big.pvk': BIG, '/t/k.pvk': k };

  it('a number far past the built-in ones, and extension entries in a multicall: results, counts and cycles agree on every engine', () => {
    const reports = ALL_ENGINES.map((engine) => runSystem(files, { engine }));
    for (const r of reports.slice(1)) expect(r).toEqual(reports[0]);
    const d = reports[0].domains[0];
    expect(d.console).toBe('2 0 5 7 5\n');
    expect(d.hypercalls).toEqual({ far_op: 3, multicall: 1, near_op: 1 });
    // main: 3 lets, 3 stores (1 + 1 each), print with two loads (1 + 1 each), return; far_op's handler: 2 statements;
    // near_op's: 1; the multicall: 300 + 50 and each entry's cost and handler (far_op 20 + 2, near_op 3 + 1), at least 10 each
    expect(d.cycles).toBe(3 + 6 + 3 + 1 + 2 * (300 + 20 + 2) + (300 + 50 + 22 + 10));
  });
});

describe('-ENOSYS and -EPERM do not run the handler', () => {
  const k = `import "lab.pvk";
fn main() -> u32 {
    let a = hypercall counter_op(0, 5);
    let f = hypercall future();
    let z = hypercall reset();
    let b = hypercall counter_op(0, 0);
    print(a, " ", f, " ", z, " ", b);
    return 0;
}
`;

  it('a hypervisor without the extension: -ENOSYS for 300 cycles (it has no row, so no cost)', () => {
    const r = agreed({ sys: system(DOM0_ONLY, 'hypervisor 4.2;'), 'k.pvk': k });
    expect(r.domains[0].console).toBe('-38 -38 -38 -38\n');
    expect(r.domains[0].cycles).toBe(5 + 1 + 4 * 300);
    expect(r.abi).toBeUndefined();
  });

  it('older than since: -ENOSYS for 300 + cost; dom0 from a domU: -EPERM for 300 + cost; state untouched', () => {
    const sys = system('    domain dom0 { kernel "idle.pvk"; privileged; }\n    domain u { kernel "k.pvk"; }\n');
    const r = agreed({ sys, 'k.pvk': k, 'idle.pvk': 'fn main() -> u32 { return 0; }\n' });
    const u = r.domains[1];
    expect(u.console).toBe('5 -38 -1 5\n');
    // counter_op add: 10 handler cycles; add of 0: the same path
    expect(u.cycles).toBe(5 + 1 + (340 + 10) + (300 + 7) + (300 + 5) + (340 + 10));
  });
});

describe('a fault in a handler panics the machine', () => {
  const k = 'import "lab.pvk";\nfn main() -> u32 {\n    print("before");\n    let r = hypercall crash(0);\n    print("after");\n    return 0;\n}\n';
  const files = { sys: system('    domain dom0 { kernel "k.pvk"; privileged; }\n    domain other { kernel "idle.pvk"; paused; }\n'), 'k.pvk': k, 'idle.pvk': 'fn main() -> u32 { return 0; }\n' };

  it("end 'panic' with the handler's location; every domain keeps its state", () => {
    const r = agreed(files);
    expect(r.end).toBe('panic');
    expect(r.panic).toEqual({ kind: 'divide-by-zero', message: expect.stringContaining('crash') as unknown as string, file: '/t/lab.pvk', line: LAB.split('\n').findIndex((l) => l.includes('10 / d')) + 1 });
    expect(r.hvConsole).toBe('about to divide\n');
    expect(r.domains[0].console).toBe('before\n');
    expect(r.domains.map((d) => d.state)).toEqual(['running', 'paused']);
    // print(1) + let(1), then 300 + cost 1 + the handler's print statement (1) and return (1) up to the fault
    expect(r.domains[0].cycles).toBe(2 + 301 + 2);
  });

  it('unbounded recursion in hypervisor code: a stack-overflow panic above 256 frames', () => {
    const deep = 'import "lab.pvk";\nfn main() -> u32 {\n    let r = hypercall deep();\n    return 0;\n}\n';
    const r = agreed({ sys: system(DOM0_ONLY), 'k.pvk': deep });
    expect(r.end).toBe('panic');
    expect(r.panic?.kind).toBe('stack-overflow');
    expect(r.panic?.line).toBe(LAB.split('\n').findIndex((l) => l.includes('fn down')) + 1);
    // let(1); 300 + 1; the handler's return statement (1), then 255 helper frames of call(5) + return statement (1)
    expect(r.domains[0].cycles).toBe(1 + 301 + 1 + 255 * 6);
  });

  it('pvlab run exits 1 and prints the panic in the JSON report', () => {
    const out = cliRun({ 'sys.pvk': files.sys, 'lab.pvk': LAB, 'k.pvk': k, 'idle.pvk': files['idle.pvk'] });
    expect(out.status).toBe(1);
    expect(out.report.end).toBe('panic');
    expect(out.report.panic?.kind).toBe('divide-by-zero');
  });
});
