/**
 * `pvlab run --profile / --trace / --profile-json / --summary` through the
 * real built CLI: the .cpuprofile has the V8 profile shape VS Code's viewer
 * reads, maps back to the right pvk lines, and its time is exactly the run's
 * cycles (one cycle = one µs); the trace is Chrome trace-event JSON with no overlapping slices on
 * any vCPU thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CpuProfile } from '../../sandbox/profile/cpuprofile.js';
import type { Trace } from '../../sandbox/profile/trace.js';
import type { Profile } from '../../sandbox/profile/types.js';
import type { RunReport } from '../../sandbox/run/report.js';
import { pvlab, ROOT } from '../unit/sandbox/helpers.js';
import { selfTimeLenses } from './vscodeProfileTable.js';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-profile-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

interface Outputs {
  report: RunReport;
  cpu: CpuProfile;
  trace: Trace;
  profile: Profile;
  summary: string;
}

function profileRun(name: string, args: string[]): Outputs {
  const cpu = path.join(out, `${name}.cpuprofile`);
  const trace = path.join(out, `${name}.trace.json`);
  const data = path.join(out, `${name}.profile.json`);
  const json = pvlab(['run', ...args, '--json', '--profile', cpu, '--trace', trace, '--profile-json', data]);
  expect(json.stderr).toBe('');
  expect(json.status).toBe(0);
  const text = pvlab(['run', ...args, '--summary']);
  expect(text.status).toBe(0);
  return {
    report: JSON.parse(json.stdout) as RunReport,
    cpu: JSON.parse(fs.readFileSync(cpu, 'utf8')) as CpuProfile,
    trace: JSON.parse(fs.readFileSync(trace, 'utf8')) as Trace,
    profile: JSON.parse(fs.readFileSync(data, 'utf8')) as Profile,
    summary: text.stdout,
  };
}

const CASES: [string, string[]][] = [
  ['tour', ['examples/tour/tour.pvk']],
  ['paravirt-pv', ['examples/paravirt/paravirt.pvk', '--system', 'pv']],
  ['paravirt-bare', ['examples/paravirt/paravirt.pvk', '--system', 'bare_metal']],
  // an extension hypercall with its handler in pvk (examples/pvspin): handler frames under [hypercall spin_kick]
  ['pvspin-paravirt', ['examples/pvspin/systems.pvk', '--system', 'paravirt']],
];

describe.each(CASES)('pvlab run %s with every profile output', (name, args) => {
  const o = profileRun(name, args);

  it('prints the same report as a run without profiling', () => {
    const plain = pvlab(['run', ...args, '--json']);
    expect(JSON.parse(plain.stdout)).toEqual(o.report);
  });

  it('writes a .cpuprofile of the V8 profile shape', () => {
    const { cpu } = o;
    const ids = new Set(cpu.nodes.map((n) => n.id));
    expect(ids.size).toBe(cpu.nodes.length);
    expect(cpu.nodes[0].callFrame.functionName).toBe('(root)');
    const parents = new Map<number, number>();
    for (const n of cpu.nodes) {
      expect(typeof n.callFrame.functionName).toBe('string');
      expect(typeof n.callFrame.scriptId).toBe('string');
      expect(typeof n.callFrame.url).toBe('string');
      expect(Number.isInteger(n.callFrame.lineNumber)).toBe(true);
      expect(Number.isInteger(n.hitCount)).toBe(true);
      for (const c of n.children ?? []) {
        expect(ids.has(c)).toBe(true);
        expect(parents.has(c)).toBe(false);
        parents.set(c, n.id);
      }
    }
    // a tree: every node but the root has exactly one parent
    expect(parents.size).toBe(cpu.nodes.length - 1);
    expect(cpu.samples.length).toBe(cpu.timeDeltas.length);
    for (const s of cpu.samples) expect(ids.has(s)).toBe(true);
    expect(cpu.timeDeltas.every((d) => d >= 0)).toBe(true);
  });

  it("covers exactly the run's cycles: one cycle is one microsecond, under either sample convention", () => {
    const { cpu, report, profile } = o;
    const total = report.domains.reduce((a, d) => a + d.cycles, 0) + profile.summary.hypervisor + profile.summary.idle;
    const sum = cpu.timeDeltas.reduce((a, b) => a + b, 0);
    // whole microseconds: one per cycle, no fractions
    expect(cpu.timeDeltas.every((d) => Number.isInteger(d))).toBe(true);
    expect(sum).toBe(total);
    expect(cpu.endTime - cpu.startTime).toBe(total);
    expect(cpu.pvlab).toMatchObject({ timeUnit: expect.stringContaining('1 virtual cycle = 1 µs'), cycles: total });
    // self time per node: a sample owning the delta after it (DevTools) or before it (VS Code)
    const after = new Map<number, number>();
    const before = new Map<number, number>();
    for (let i = 0; i < cpu.samples.length; i++) {
      after.set(cpu.samples[i], (after.get(cpu.samples[i]) ?? 0) + (cpu.timeDeltas[i + 1] ?? 0));
      before.set(cpu.samples[i], (before.get(cpu.samples[i]) ?? 0) + (i > 0 ? cpu.timeDeltas[i - 1] : 0));
    }
    for (const n of cpu.nodes) {
      expect(after.get(n.id) ?? 0, n.callFrame.functionName).toBe(n.hitCount);
      expect(before.get(n.id) ?? 0, n.callFrame.functionName).toBe(n.hitCount);
      const ticks = (n.positionTicks ?? []).reduce((a, t) => a + t.ticks, 0);
      if (n.positionTicks) expect(ticks).toBe(n.hitCount);
    }
  });

  it('maps functions back to their pvk files and lines', () => {
    for (const n of o.cpu.nodes) {
      if (n.callFrame.url === '') continue;
      const file = fileURLToPath(n.callFrame.url);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const name = n.callFrame.functionName.replace(/ \[(xen|native)\]$/, '').split('.').pop() as string;
      // lineNumber is 0-based and points at the `fn` of the function (a handler: its `hypercall`)
      expect(lines[n.callFrame.lineNumber], `${n.callFrame.functionName} in ${file}`).toMatch(new RegExp(`\\b(fn|hypercall)\\s+${name}\\b`));
      for (const t of n.positionTicks ?? []) {
        expect(t.line).toBeGreaterThan(n.callFrame.lineNumber);
        expect(lines[t.line - 1].trim().length).toBeGreaterThan(0);
      }
    }
  });

  it('writes trace-event JSON: one process per domain, one thread per vCPU, no overlapping slices', () => {
    const events = o.trace.traceEvents;
    const names = events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.pid);
    expect(names).toEqual(o.report.domains.map((d) => d.id + 1));
    const slices = events.filter((e) => e.ph === 'X');
    expect(slices.length).toBeGreaterThan(0);
    const byThread = new Map<string, { ts: number; dur: number }[]>();
    expect(o.trace.otherData.timeUnit).toContain('1 virtual cycle = 1 µs');
    for (const e of slices) {
      expect(e.dur).toBeGreaterThan(0);
      // one cycle is one µs of trace time
      expect(e.dur).toBe(e.args?.cycles);
      const key = `${e.pid}/${e.tid}`;
      byThread.set(key, [...(byThread.get(key) ?? []), { ts: e.ts as number, dur: e.dur as number }]);
    }
    for (const [thread, list] of byThread) {
      list.sort((a, b) => a.ts - b.ts);
      // in cycles: one cycle is one µs of trace time
      for (let i = 1; i < list.length; i++) expect(list[i].ts, thread).toBeGreaterThanOrEqual(list[i - 1].ts + list[i - 1].dur);
    }
    // the slices of a domain cover exactly the cycles it ran
    for (const d of o.report.domains) {
      const ran = slices.filter((e) => e.pid === d.id + 1).reduce((a, e) => a + (e.args?.cycles as number), 0);
      expect(ran).toBe(d.cycles);
    }
  });

  it('prints a summary with where each domain spent its time and its hypercalls, traps and exits', () => {
    for (const d of o.report.domains) {
      expect(o.summary).toContain(`${d.name} (domid ${d.id}, ${d.mode}): running ${d.cycles.toLocaleString('en-US')}`);
      for (const [hc, count] of Object.entries(d.hypercalls)) expect(o.summary).toMatch(new RegExp(`hypercall ${hc}\\s+${count}\\s`));
      for (const [t, count] of Object.entries(d.traps)) expect(o.summary).toMatch(new RegExp(`trap ${t}\\s+${count}\\s`));
    }
    expect(o.summary).toContain('hot functions (self cycles)');
  });
});

describe('the tour profile opened as VS Code opens a .cpuprofile', () => {
  const o = profileRun('tour-viewer', ['examples/tour/tour.pvk']);

  it('shows non-zero Self Time lenses on the lines of its hot functions', () => {
    // own cycles per `fn` line, over every domain and call path (as the lens sums them)
    const own = new Map<string, number>();
    for (const n of o.profile.nodes) {
      if (n.kind !== 'function' || n.file < 0) continue;
      const key = `${o.profile.files[n.file]}:${n.line}`;
      own.set(key, (own.get(key) ?? 0) + n.self);
    }
    const hot = [...own].sort((x, y) => y[1] - x[1]).slice(0, 6);
    expect(hot[hot.length - 1][1]).toBeGreaterThanOrEqual(5);
    for (const [where, cycles] of hot) {
      const [file, line] = [where.slice(0, where.lastIndexOf(':')), Number(where.slice(where.lastIndexOf(':') + 1))];
      const lens = selfTimeLenses(o.cpu, file).get(line - 1);
      expect(lens, `${where} (${cycles} own cycles)`).toMatch(/^\d+\.\d\dms Self Time, [\d,]+\.\d\dms Total$/);
      expect(lens, `${where} (${cycles} own cycles)`).not.toMatch(/^0\.00ms Self Time/);
      // the lens reads thousands of cycles: its milliseconds are the own cycles / 1000
      expect(lens).toContain(`${(cycles / 1000).toFixed(2)}ms Self Time`);
    }
  });
});

describe('the kick handler of examples/pvspin (pvk) in every profile output', () => {
  const o = profileRun('pvspin-kick', ['examples/pvspin/systems.pvk', '--system', 'paravirt']);
  const pvspin = path.join(ROOT, 'examples/pvspin/pvspin.pvk');
  const kicks = o.report.domains[0].hypercalls.spin_kick;
  // per kick: `kicks += 1` (1), then `return notify(...)` (1 + notify's 50); the frame keeps 300 + cost 20
  const handler = { 13: 1, 14: 51 };

  it('profile JSON: spin_kick, at its `hypercall` line, is the one child of each [hypercall spin_kick] frame, with its lines', () => {
    const p = o.profile;
    const frames = p.nodes.filter((n) => n.name === '[hypercall spin_kick]');
    expect(frames.reduce((a, n) => a + n.count, 0)).toBe(kicks);
    expect(kicks).toBeGreaterThan(0);
    for (const f of frames) {
      expect(f.self).toBe(f.count * (300 + 20));
      const [child] = f.children.map((c) => p.nodes[c]);
      expect(f.children).toHaveLength(1);
      expect(child).toMatchObject({ kind: 'function', name: 'spin_kick', line: 12, count: f.count, domain: 0 });
      expect(p.files[child.file]).toBe(pvspin);
      expect(child.lines).toEqual([
        { line: 13, cycles: f.count * handler[13] },
        { line: 14, cycles: f.count * handler[14] },
      ]);
      expect(f.total).toBe(f.count * 372);
    }
    const file = p.files.indexOf(pvspin);
    expect(p.lines.filter((l) => l.file === file).map((l) => [l.line, l.cycles])).toEqual([
      [13, kicks * handler[13]],
      [14, kicks * handler[14]],
      [19, 1],
    ]);
  });

  it('.cpuprofile: the handler node has its file, line and position ticks; VS Code shows its Self Time at the handler', () => {
    const nodes = o.cpu.nodes.filter((n) => n.callFrame.functionName === 'spin_kick');
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes) {
      expect(fileURLToPath(n.callFrame.url)).toBe(pvspin);
      expect(n.callFrame.lineNumber).toBe(11);
      const calls = n.hitCount / (handler[13] + handler[14]);
      expect(n.positionTicks).toEqual([
        { line: 13, ticks: calls * handler[13] },
        { line: 14, ticks: calls * handler[14] },
      ]);
      const parent = o.cpu.nodes.find((m) => m.children?.includes(n.id));
      expect(parent?.callFrame.functionName).toBe('[hypercall spin_kick]');
      expect(parent?.hitCount).toBe(calls * 320);
    }
    const own = kicks * (handler[13] + handler[14]);
    expect(selfTimeLenses(o.cpu, pvspin).get(11)).toBe(`${(own / 1000).toFixed(2)}ms Self Time, ${(own / 1000).toFixed(2)}ms Total`);
  });

  it('trace: each kick is one hypercall slice of its whole cost; the summary lists the handler as a function', () => {
    const slices = o.trace.traceEvents.filter((e) => e.name === 'hypercall spin_kick');
    expect(slices).toHaveLength(kicks);
    for (const e of slices) expect(e.args?.cycles).toBe(372);
    expect(o.summary).toMatch(new RegExp(`^\\s+spin_kick\\s+dom0\\s+${kicks * 52}\\s.*examples/pvspin/pvspin\\.pvk:12$`, 'm'));
  });
});

describe('profile outputs and bad input', () => {
  it('the tour trace has event sends and deliveries as instants', () => {
    const trace = profileRun('tour-events', ['examples/tour/tour.pvk']).trace;
    const instants = trace.traceEvents.filter((e) => e.ph === 'i');
    expect(instants.some((e) => e.name.startsWith('send → '))).toBe(true);
    expect(instants.some((e) => e.name.startsWith('deliver port '))).toBe(true);
  });

  it('says which output file it cannot write, without a stack trace', () => {
    const r = pvlab(['run', 'examples/tour/tour.pvk', '--profile', path.join(out, 'no-such-dir', 'x.cpuprofile')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot write');
    expect(r.stderr).toContain('x.cpuprofile');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('needs a file name after --profile', () => {
    const r = pvlab(['run', 'examples/tour/tour.pvk', '--profile']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--profile needs an output file');
  });

  it('is deterministic: two profiles of the same system are byte-identical', () => {
    const a = path.join(out, 'a.cpuprofile');
    const b = path.join(out, 'b.cpuprofile');
    pvlab(['run', 'examples/tour/tour.pvk', '--profile', a]);
    pvlab(['run', 'examples/tour/tour.pvk', '--profile', b]);
    expect(fs.readFileSync(a, 'utf8')).toBe(fs.readFileSync(b, 'utf8'));
    expect(ROOT.length).toBeGreaterThan(0);
  });
});
