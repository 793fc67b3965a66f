/**
 * Limits a guest can reach (docs/SANDBOX.md, "Limits a guest can reach"): at
 * each one the guest gets a fault, an errno or a truncated console — never an
 * exception in the host, never an effect on another domain. Every case runs
 * on all three engines, which must agree byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { EngineKind } from '../../../sandbox/run/boot.js';
import type { RunReport } from '../../../sandbox/run/report.js';
import { CONSOLE_LIMIT, CONSOLE_TRUNCATED } from '../../../sandbox/machine/console.js';
import { GRANT_REFS } from '../../../sandbox/machine/state.js';
import { Workspace } from '../../../sandbox/lang/program.js';
import { profileSystem } from '../../../sandbox/profile/profileSystem.js';
import { CALL_TREE_LIMIT } from '../../../sandbox/profile/recorder.js';
import { formatProfileSummary } from '../../../sandbox/profile/summaryText.js';
import type { ProfileNode } from '../../../sandbox/profile/types.js';
import { cliRun, runDomains, runSystem, type DomainSpec } from './helpers.js';

const ALL_ENGINES: EngineKind[] = ['fast', 'step', 'interpreter'];

/** Runs the system on every engine; the reports must be identical. Returns the fast engine's. */
function runEverywhere(domains: DomainSpec[], header = 'hypervisor 4.2;', maxCycles = 100_000_000): RunReport {
  const reports = ALL_ENGINES.map((engine) => runDomains(domains, header, { engine, maxCycles }));
  const [first, ...rest] = reports.map((r) => JSON.stringify(r));
  for (const other of rest) expect(other).toBe(first);
  return reports[0];
}

/** A system of one privileged domain (with `props`) running `kernel`, on every engine. */
function runAlone(props: string, kernel: string): RunReport {
  return runEverywhere([{ name: 'dom0', props, kernel }]);
}

const DOM0 = `fn main() -> u32 { print("dom0 ok"); return 0; }`;

describe('console_io with a large count', () => {
  const guest = (count: string) => `
fn main() -> u32 {
    mem8[0x2000] = 0x41;
    let r = hypercall console_io(0, ${count}, 0);
    print("r=", r);
    return 0;
}`;

  it('128 KiB of a domU\'s own memory reach its console; the host and dom0 are unaffected (all engines)', () => {
    const report = runEverywhere([
      { name: 'dom0', kernel: DOM0, props: 'privileged;' },
      { name: 'u', kernel: guest('131072'), props: 'memory 64;' },
    ]);
    expect(report.end).toBe('exited');
    expect(report.domains[0]).toMatchObject({ state: 'exited', exitCode: 0, console: 'dom0 ok\n' });
    const u = report.domains[1];
    expect(u).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(u.console.length).toBe(131072 + 'r=0\n'.length);
    expect(u.console.charCodeAt(0x2000)).toBe(0x41);
    expect(u.console.endsWith('r=0\n')).toBe(true);
    // The count is charged per byte, as for any console_io.
    expect(u.cycles).toBeGreaterThan(131072);
  });

  it('pvlab run prints the report and exits 0 instead of an internal error', () => {
    const sys = `system s {\n    hypervisor 4.2;\n    domain dom0 { kernel "dom0.pvk"; privileged; }\n    domain u { kernel "u.pvk"; memory 64; }\n}\n`;
    const r = cliRun({ 'sys.pvk': sys, 'dom0.pvk': DOM0, 'u.pvk': guest('131072') });
    expect(r.stderr).not.toContain('internal error');
    expect(r.status).toBe(0);
    expect(r.report.domains.map((d) => d.state)).toEqual(['exited', 'exited']);
  });
});

describe('console size', () => {
  const LINE = 'x'.repeat(99);

  it('a domain printing past 1 Mi characters keeps the first 1 Mi and one truncation note; others are unaffected', () => {
    const report = runEverywhere([
      { name: 'dom0', kernel: DOM0, props: 'privileged;' },
      { name: 'u', kernel: `fn main() -> u32 { for i in 0..20000 { print("${LINE}"); } outb(0x3f8, 0x41); return 5; }`, props: 'mode hvm;' },
    ]);
    expect(report.domains[0].console).toBe('dom0 ok\n');
    const u = report.domains[1];
    expect(u).toMatchObject({ state: 'exited', exitCode: 5 });
    expect(u.console.slice(0, CONSOLE_LIMIT)).toBe(`${LINE}\n`.repeat(Math.ceil(CONSOLE_LIMIT / 100)).slice(0, CONSOLE_LIMIT));
    expect(u.console.slice(CONSOLE_LIMIT)).toBe(CONSOLE_TRUNCATED);
  });

  it('console_io of 8 MiB returns 0, charges every byte and keeps 1 Mi characters', () => {
    const report = runEverywhere([
      { name: 'dom0', kernel: `fn main() -> u32 { mem8[0] = 0x42; let r = hypercall console_io(0, 8 * 1024 * 1024, 0); print("r=", r); return 0; }`, props: 'privileged; memory 2048;' },
    ]);
    const d = report.domains[0];
    expect(d.console.length).toBe(CONSOLE_LIMIT + CONSOLE_TRUNCATED.length);
    expect(d.console.charCodeAt(0)).toBe(0x42);
    expect(d.console.endsWith(CONSOLE_TRUNCATED)).toBe(true);
    expect(d.cycles).toBeGreaterThan(8 * 1024 * 1024);
  });
});

describe('multicall whose entries balloon away the list', () => {
  const EFAULT = -14;

  it('the entry that frees the page of its own result word: multicall returns -EFAULT, later entries do not run', () => {
    const report = runAlone('privileged; memory 4;', `
fn main() -> u32 {
    let list: u32 = 0x3000;           // on the last of 4 pages
    mem32[list] = 12;                 // memory_op(1, 1): give that page back
    mem32[list + 4] = 1;
    mem32[list + 8] = 1;
    mem32[list + 24] = 17;            // xen_version(0): must not run
    let r = hypercall multicall(list, 2);
    print("multicall ", r, " pages ", hypercall memory_op(0, 0));
    return 0;
}`);
    const d = report.domains[0];
    expect(d.fault).toBeNull();
    expect(d).toMatchObject({ state: 'exited', exitCode: 0, console: `multicall ${EFAULT} pages 3\n` });
    expect(d.hypercalls).toEqual({ memory_op: 2, multicall: 1 });
  });

  it('an entry that frees the page of the next entry: its result is written, the next entry reads -EFAULT', () => {
    const report = runAlone('privileged; memory 4;', `
fn main() -> u32 {
    let list: u32 = 0x3000 - 24;      // entry 0 ends the third page, entry 1 starts the fourth
    mem32[list] = 12;                 // memory_op(1, 1)
    mem32[list + 4] = 1;
    mem32[list + 8] = 1;
    mem32[list + 24] = 17;            // xen_version(0): its page is gone before it is read
    let r = hypercall multicall(list, 2);
    print("multicall ", r, " entry 0 ", mem32[list]);
    return 0;
}`);
    const d = report.domains[0];
    expect(d).toMatchObject({ state: 'exited', fault: null, console: `multicall ${EFAULT} entry 0 3\n` });
    expect(d.hypercalls).toEqual({ memory_op: 1, multicall: 1 });
  });
});

describe('vCPU control: the last vCPU of a domain going down', () => {
  it('vCPU 1 takes vCPU 0 down, then returns from main: the domain is exited with code 0 (poweroff), not running', () => {
    const report = runAlone('privileged; vcpus 2;', `
fn main() -> u32 {
    if (vcpu_id() == 1) {
        let r = hypercall vcpu_op(1, 0);
        print("took vcpu0 down: ", r);
        return 7;
    }
    let i: u32 = 0;
    while (i < 100000) { i += 1; }
    print("vcpu0 done");
    return 3;
}`);
    expect(report.end).toBe('exited');
    expect(report.domains[0]).toMatchObject({ state: 'exited', exitCode: 0, fault: null, console: 'took vcpu0 down: 0\n' });
  });

  it('a one-vCPU domU taking itself down is exited with code 0, as dom0 sees with getinfo', () => {
    const report = runEverywhere([
      {
        name: 'dom0',
        props: 'privileged;',
        kernel: `
fn main() -> u32 {
    while (hypercall domctl(5, 1, 0) != 3) { hypercall sched_op(0, 0); }
    print("domU state ", hypercall domctl(5, 1, 0));
    return 0;
}`,
      },
      { name: 'u', kernel: `fn main() -> u32 { hypercall vcpu_op(1, 0); print("never"); return 9; }` },
    ]);
    expect(report.end).toBe('exited');
    expect(report.domains[0].console).toBe('domU state 3\n');
    expect(report.domains[1]).toMatchObject({ state: 'exited', exitCode: 0, console: '' });
  });

  it('vCPU 0 down while vCPU 1 still runs: the domain keeps running (the run ends at the cycle limit)', () => {
    const report = ALL_ENGINES.map((engine) =>
      runDomains(
        [{ name: 'dom0', props: 'privileged; vcpus 2;', kernel: `fn main() -> u32 { if (vcpu_id() == 1) { hypercall vcpu_op(1, 0); while (true) { } } while (true) { } return 0; }` }],
        'hypervisor 4.2;',
        { engine, maxCycles: 50_000 },
      ),
    );
    for (const r of report) expect(JSON.stringify(r)).toBe(JSON.stringify(report[0]));
    expect(report[0].end).toBe('max-cycles');
    expect(report[0].domains[0]).toMatchObject({ state: 'running', exitCode: null });
  });
});

describe('profiling a guest with more call paths than the call tree keeps', () => {
  // Every sequence of a/b calls to depth 15 is its own call path: 2^16 function nodes per vCPU.
  // The leaves yield (suspend and resume deep stacks) and send themselves events (upcalls).
  const kernel = `
var n: u32 = 0;
var port: u32 = 0;
var ups: u32 = 0;
fn on_event(p: u32) { ups += 1; }
fn leaf() {
    n += 1;
    if (n % 997 == 0) { hypercall sched_op(0, 0); }
    if (n % 1499 == 0) { hypercall event_channel_op(4, port, 0); }
}
fn a(d: u32) { if (d > 0) { a(d - 1); b(d - 1); } else { leaf(); } }
fn b(d: u32) { if (d > 0) { b(d - 1); a(d - 1); } else { leaf(); } }
fn main() -> u32 {
    if (vcpu_id() == 0) {
        let p = hypercall event_channel_op(6, 0, 0);
        port = hypercall event_channel_op(0, 0, p as u32) as u32;
    }
    a(15);
    print("vcpu ", vcpu_id(), " upcalls ", ups);
    return 0;
}`;
  const files = { '/t/sys.pvk': `system s {\n    hypervisor 4.2;\n    domain d0 { kernel "k.pvk"; memory 4; vcpus 2; privileged; }\n}\n`, '/t/k.pvk': kernel };

  it('the tree stops growing at its limit; the run is unchanged and every cycle is still accounted for', () => {
    const plain = runSystem(files, { engine: 'fast' });
    const profiled = profileSystem(new Workspace({ readFile: (p) => files[p as keyof typeof files] }), { file: '/t/sys.pvk', options: { maxCycles: 1_000_000_000 } });
    if (!profiled.ok) throw new Error(profiled.message);
    expect(profiled.report).toEqual(plain);
    const p = profiled.profile;
    expect(p.callTreeCut).toBe(CALL_TREE_LIMIT);
    // The kept nodes, plus one node per function and named frame per vCPU past the cut.
    expect(p.nodes.length).toBeLessThan(CALL_TREE_LIMIT + 100);
    const d = plain.domains[0];
    const domainNode = p.nodes.find((n) => n.kind === 'domain') as ProfileNode;
    expect(domainNode.total).toBe(d.cycles);
    const lines = p.lines.reduce((a, l) => a + l.cycles, 0);
    const named = p.nodes.filter((n) => n.domain === 0 && n.kind !== 'function').reduce((a, n) => a + n.self, 0);
    expect(lines + named).toBe(d.cycles);
    expect(p.nodes.filter((n) => n.kind === 'upcall').reduce((a, n) => a + n.count, 0)).toBeGreaterThan(0);
    expect(formatProfileSummary(p, '/t')).toContain('call tree was cut');
  });
});

describe('grant table size', () => {
  it(`at most ${GRANT_REFS} grants live at once: then -EINVAL; a freed ref is the lowest free again`, () => {
    const report = runAlone('privileged;', `
fn main() -> u32 {
    let ok: u32 = 0;
    let last: i32 = 0;
    let full: i32 = 0;
    for i in 0..${GRANT_REFS + 3} {
        let r = hypercall grant_table_op(100, 0, 1, 0, 0);
        if (r > 0) { ok += 1; last = r; } else { full = r; }
    }
    print("granted ", ok, " last ", last, " then ", full);
    print("end ", hypercall grant_table_op(101, 777, 0, 0, 0), " again ", hypercall grant_table_op(100, 0, 1, 0, 0));
    return 0;
}`);
    expect(report.domains[0].console).toBe(`granted ${GRANT_REFS} last ${GRANT_REFS} then -22\nend 0 again 777\n`);
  });
});

describe('ballooning page by page', () => {
  it('growing from 1 to 16384 pages one page at a time keeps every byte and reaches the limit (then -EINVAL)', () => {
    const report = runAlone('privileged; memory 1;', `
fn main() -> u32 {
    mem32[0x100] = 0x5a5a5a5a;
    let pages: i32 = 1;
    while (pages < 16384) {
        pages = hypercall memory_op(0, 1);
        mem32[(pages as u32 - 1) * 4096] = pages as u32;
    }
    print("pages ", pages, " more ", hypercall memory_op(0, 1));
    print(mem32[0x100] == 0x5a5a5a5a, " ", mem32[16383 * 4096], " ", mem32[8191 * 4096]);
    print("shrunk ", hypercall memory_op(1, 16000), " grown ", hypercall memory_op(0, 16000), " ", mem32[16383 * 4096]);
    return 0;
}`);
    expect(report.domains[0].console).toBe('pages 16384 more -22\ntrue 16384 8192\nshrunk 384 grown 16384 0\n');
  });
});

describe('multicall entries that cost nothing of their own', () => {
  it('each entry costs at least 10 cycles: 1,024 entries that are no hypercall cost 50 + 10,240, each result -ENOSYS', () => {
    const report = runAlone('privileged;', `
fn main() -> u32 {
    for i in 0..1024 { mem32[0x1000 + i * 24] = 999; }
    let before = rdtsc();
    let r = hypercall multicall(0x1000, 1024);
    let after = rdtsc();
    print("r ", r, " cost ", after - before, " first ", mem32[0x1000] as i32, " last ", mem32[0x1000 + 1023 * 24] as i32);
    mem32[0x1000] = 12;                 // memory_op(0, 0): no pages, so no cost of its own either
    mem32[0x1018] = 17;                 // xen_version(0): 10
    before = rdtsc();
    r = hypercall multicall(0x1000, 2);
    after = rdtsc();
    print("r ", r, " cost ", after - before);
    return 0;
}`);
    // rdtsc is read before its own 20; the let of 'after' adds 1 (boundary) and the let of 'r' 1 + 300 + 50 + entries.
    expect(report.domains[0].console).toBe(`r 0 cost ${1 + 300 + 50 + 10_240 + 1 + 20} first -38 last -38\nr 0 cost ${1 + 300 + 50 + 10 + 10 + 1 + 20}\n`);
  });
});
