// Fuzzes the sandbox with random well-typed systems from ./generate.ts.
//
//   npx vitest run test/fuzz/sandbox.fuzz.test.ts  default campaign (1000 systems)
//   PVLAB_FUZZ_RUNS=20000 npm run fuzz             a long campaign (npm run fuzz runs every
//                                                  file in test/fuzz, engines.fuzz.test.ts too)
//   PVLAB_FUZZ_SEED=5000 …                         first seed (default 1)
//   PVLAB_FUZZ_SEEDS=17,4242 npx vitest run test/fuzz   replay given seeds
//   PVLAB_FUZZ_ENGINE=interpreter|step|fast …      engine (default: bootSystem's default)
//
// For every seed: the generated files check without error diagnostics;
// bootSystem and the run never throw; the run ends exited, deadlock or
// max-cycles, within maxCycles + OVERSHOOT_BOUND (see generate.ts for why that
// bound) and with every pcpu cycle accounted for; every domain's state is
// consistent; and a second boot of the same sources gives a byte-identical
// JSON report (and run() after the end changes nothing). Each property is its own test,
// listing the seeds that break it, so one sandbox bug does not hide another.
// Hand-written probes at the end cover what the fuzzer found or cannot
// generate soundly.

import { beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import { runReport, type RunReport } from '../../sandbox/run/report.js';
import type { Hypervisor } from '../../sandbox/hv/hypervisor.js';
import { describeError, envInt, firstDifference } from './campaign.js';
import { generateSystem, OVERSHOOT_BOUND, type GeneratedSystem } from './generate.js';

const MAX_CYCLES = 200_000;
const RUNS = envInt('PVLAB_FUZZ_RUNS', 1000);
const FIRST_SEED = envInt('PVLAB_FUZZ_SEED', 1);
const SEEDS: number[] = process.env.PVLAB_FUZZ_SEEDS
  ? process.env.PVLAB_FUZZ_SEEDS.split(/[\s,]+/).filter(Boolean).map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) throw new Error(`PVLAB_FUZZ_SEEDS: '${s}' is not a seed`);
      return n;
    })
  : Array.from({ length: RUNS }, (_, i) => FIRST_SEED + i);
/** The engine to boot with; undefined: bootSystem's default. */
const ENGINE = (process.env.PVLAB_FUZZ_ENGINE || undefined) as EngineKind | undefined;
/** A run that takes longer than this (wall clock) counts as a hang. */
const HANG_MS = 20_000;

const STATES = new Set(['exited', 'crashed', 'blocked', 'paused', 'running', 'destroyed']);
const ENDS = new Set(['exited', 'deadlock', 'max-cycles']);
const FAULT_KINDS = new Set(['divide-by-zero', 'out-of-range', 'misaligned', 'read-only', 'stack-overflow', 'no-hypervisor']);

type Property = 'checks' | 'boots' | 'no-throw' | 'ends' | 'cycles' | 'domain-states' | 'deterministic';
const PROPERTIES: Property[] = ['checks', 'boots', 'no-throw', 'ends', 'cycles', 'domain-states', 'deterministic'];

interface Failure {
  seed: number;
  message: string;
}

const failures = new Map<Property, Failure[]>(PROPERTIES.map((p) => [p, []]));
const stats = { systems: 0, runs: 0, maxOvershoot: 0, ends: new Map<string, number>(), states: new Map<string, number>(), faults: new Map<string, number>(), ms: 0 };

function fail(p: Property, seed: number, message: string): void {
  (failures.get(p) as Failure[]).push({ seed, message });
}

/** Where a check reports a broken property. */
type Sink = (p: Property, message: string) => void;

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function workspace(g: GeneratedSystem): Workspace {
  return new Workspace({ readFile: (p) => g.files[p] });
}

interface Outcome {
  hv: Hypervisor;
  end: string;
  report: RunReport;
  json: string;
}

/**
 * Boots and runs once. `stepwise` drives hv.step() with a wall-clock guard;
 * otherwise hv.run(). The first boot also checks that the sources have no
 * error diagnostics (the analysis bootSystem did).
 */
function bootAndRun(fail: Sink, g: GeneratedSystem, stepwise: boolean): Outcome | undefined {
  let boot;
  const ws = workspace(g);
  try {
    boot = bootSystem(ws, { file: g.systemFile, options: { maxCycles: MAX_CYCLES }, ...(ENGINE ? { engine: ENGINE } : {}) });
  } catch (e) {
    fail('no-throw', `bootSystem threw: ${describeError(e)}`);
    return undefined;
  }
  if (stepwise) {
    const analysis = boot.analysis;
    if (!analysis) {
      fail('checks', `bootSystem gave no analysis: ${boot.ok ? '' : boot.message}`);
      return undefined;
    }
    const errors = [...analysis.diagnostics.values()].flat().filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const shown = errors.slice(0, 3).map((d) => `${d.file}:${ws.file(d.file)?.source.position(d.span.start).line}: ${d.code} ${d.message}`);
      fail('checks', shown.join('; '));
      return undefined;
    }
  }
  if (!boot.ok) {
    const diags = boot.diagnostics.map((d) => `${d.file}: ${d.code} ${d.message}`).join('; ');
    fail('boots', `${boot.message}${diags ? `: ${diags}` : ''}`);
    return undefined;
  }
  const hv = boot.hv;
  let end: string;
  try {
    if (stepwise) {
      const started = Date.now();
      let steps = 0;
      while (hv.end === undefined) {
        hv.step();
        if (++steps % 1024 === 0 && Date.now() - started > HANG_MS) {
          fail('ends', `no end after ${HANG_MS} ms (${steps} scheduling steps, elapsed ${hv.elapsed} cycles): hang`);
          return undefined;
        }
      }
      end = hv.end;
    } else {
      end = hv.run();
    }
  } catch (e) {
    fail('no-throw', `run threw: ${describeError(e)}`);
    return undefined;
  }
  let report: RunReport;
  let json: string;
  try {
    report = runReport(hv, end as RunReport['end']);
    json = JSON.stringify(report);
  } catch (e) {
    fail('no-throw', `runReport threw: ${describeError(e)}`);
    return undefined;
  }
  stats.runs++;
  return { hv, end, report, json };
}

function checkOutcome(fail: Sink, g: GeneratedSystem, out: Outcome): void {
  const { hv, end, report } = out;
  if (!ENDS.has(end)) fail('ends', `end is '${end}'`);

  const elapsed = report.cycles;
  if (!Number.isInteger(elapsed) || elapsed < 0) fail('cycles', `elapsed ${elapsed} is not a cycle count`);
  stats.maxOvershoot = Math.max(stats.maxOvershoot, elapsed - MAX_CYCLES);
  if (elapsed > MAX_CYCLES + OVERSHOOT_BOUND) {
    fail('cycles', `elapsed ${elapsed} > maxCycles ${MAX_CYCLES} + overshoot bound ${OVERSHOOT_BOUND} (by ${elapsed - MAX_CYCLES - OVERSHOOT_BOUND}), end ${end}`);
  }
  if (end === 'max-cycles' && elapsed < MAX_CYCLES) fail('cycles', `end max-cycles at elapsed ${elapsed} < ${MAX_CYCLES}`);
  // Every pcpu clock is its domains' cycles, context switches (500 each) and idle time.
  const clocks = hv.pcpus.reduce((s, p) => s + p.clock, 0);
  const hvCycles = hv.hypervisorCycles.reduce((s, c) => s + c, 0);
  const idle = hv.idleCycles.reduce((s, c) => s + c, 0);
  const used = report.domains.reduce((s, d) => s + d.cycles, 0);
  if (clocks !== used + hvCycles + idle) fail('cycles', `pcpu clocks ${clocks} != domain cycles ${used} + hypervisor ${hvCycles} + idle ${idle}`);
  if (hv.hypervisorCycles.some((c) => c % 500 !== 0)) fail('cycles', `hypervisor cycles ${hv.hypervisorCycles.join(',')} are not whole context switches`);
  if (elapsed !== Math.max(...hv.pcpus.map((p) => p.clock))) fail('cycles', `elapsed ${elapsed} is not the largest pcpu clock`);

  if (report.domains.length !== hv.system.domains.length) {
    fail('domain-states', `${report.domains.length} domains in the report, ${hv.system.domains.length} in the system`);
    return;
  }
  const lines = new Map(Object.entries(g.files).map(([f, t]) => [f, t.split('\n').length]));
  const pcpus = hv.pcpus.length;
  let domainCycles = 0;
  const bad = (m: string) => fail('domain-states', m);
  report.domains.forEach((d, i) => {
    const config = hv.system.domains[i];
    const where = `domain ${d.id} (${d.name})`;
    bump(stats.states, d.state);
    if (!STATES.has(d.state)) bad(`${where}: state '${d.state}'`);
    if (d.id !== config.domid || d.name !== config.name || d.mode !== config.mode) bad(`${where}: id/name/mode differ from the system (${config.domid} ${config.name} ${config.mode})`);
    if (d.state === 'crashed') {
      const f = d.fault;
      if (!f) bad(`${where}: crashed without a fault`);
      else {
        bump(stats.faults, f.kind);
        if (!FAULT_KINDS.has(f.kind)) bad(`${where}: fault kind '${f.kind}'`);
        if (typeof f.message !== 'string' || f.message === '') bad(`${where}: fault without a message`);
        const n = lines.get(f.file);
        if (n === undefined) bad(`${where}: fault in '${f.file}', not a generated file`);
        else if (!Number.isInteger(f.line) || f.line < 1 || f.line > n) bad(`${where}: fault at line ${f.line} of ${f.file} (${n} lines)`);
        if (f.kind === 'no-hypervisor' && report.hypervisor !== 'none') bad(`${where}: no-hypervisor fault under hypervisor ${report.hypervisor}`);
      }
    } else if (d.fault !== null && d.state !== 'destroyed') bad(`${where}: state ${d.state} with a fault (${d.fault.kind})`);
    // A destroyed domain may keep the fault or exit code it had before dom0 destroyed it.
    if (d.state === 'exited') {
      if (!Number.isInteger(d.exitCode) || (d.exitCode as number) < 0 || (d.exitCode as number) > 0xffffffff) bad(`${where}: exited with exit code ${d.exitCode}`);
    } else if (d.exitCode !== null && d.state !== 'destroyed') bad(`${where}: state ${d.state} with exit code ${d.exitCode}`);
    if (d.fault !== null && d.exitCode !== null) bad(`${where}: both a fault and an exit code`);
    if (config.privileged && (d.state === 'paused' || d.state === 'destroyed')) bad(`${where}: the privileged domain is ${d.state}`);
    if (!Number.isInteger(d.cycles) || d.cycles < 0) bad(`${where}: cycles ${d.cycles}`);
    domainCycles += d.cycles;
    if (typeof d.console !== 'string') bad(`${where}: console is not text`);
    if (report.hypervisor === 'none' && Object.keys(d.hypercalls).length > 0) bad(`${where}: hypercalls counted on bare metal`);
    if (d.mode !== 'pv' && Object.keys(d.traps).length > 0) bad(`${where}: ${d.mode} domain with traps ${JSON.stringify(d.traps)}`);
    if (d.mode !== 'hvm' && Object.keys(d.vmexits).length > 0) bad(`${where}: ${d.mode} domain with VM exits ${JSON.stringify(d.vmexits)}`);
    for (const [k, v] of [...Object.entries(d.hypercalls), ...Object.entries(d.traps), ...Object.entries(d.vmexits)]) {
      if (!Number.isInteger(v) || v <= 0) bad(`${where}: counter ${k} = ${v}`);
    }
    if (!Number.isInteger(d.events) || d.events < 0 || !Number.isInteger(d.pvopCalls) || d.pvopCalls < 0) bad(`${where}: events ${d.events}, pvopCalls ${d.pvopCalls}`);
  });
  // Every cycle a domain uses moves some pcpu's clock.
  if (domainCycles > pcpus * elapsed) bad(`domains used ${domainCycles} cycles, more than ${pcpus} pcpu(s) × elapsed ${elapsed}`);
  // When the run ends on its own, nothing is left that could run.
  if (end !== 'max-cycles') {
    for (const d of hv.domains) {
      if (d.state === 'running' && d.vcpus.some((v) => v.status === 'runnable')) bad(`end ${end} with a runnable vCPU in domain ${d.id}`);
    }
  }
  if (end === 'deadlock' && !report.domains.some((d) => d.state === 'blocked')) bad('end deadlock but no domain is blocked');
  // A run that ended on its own has no domain left that could still run (a domain whose vCPUs are all down has powered off).
  if (end !== 'max-cycles') for (const d of report.domains) if (d.state === 'running') bad(`end ${end} with domain ${d.id} (${d.name}) still running`);
  if (end === 'exited' && report.domains.some((d) => d.state === 'blocked')) bad('end exited with a blocked domain (that is a deadlock)');
}

describe(`sandbox fuzz: ${SEEDS.length} generated systems, maxCycles ${MAX_CYCLES}, engine ${ENGINE ?? 'default'}`, () => {
  beforeAll(() => {
    const started = Date.now();
    for (const seed of SEEDS) {
      stats.systems++;
      const sink: Sink = (p, message) => fail(p, seed, message);
      let g: GeneratedSystem;
      try {
        g = generateSystem(seed);
      } catch (e) {
        fail('checks', seed, `the generator threw: ${describeError(e)}`);
        continue;
      }
      // The generator itself is deterministic (spot check: it is reused to compare engines).
      if (seed % 10 === 0 && JSON.stringify(generateSystem(seed)) !== JSON.stringify(g)) fail('deterministic', seed, 'generateSystem gave different sources for the same seed');
      const first = bootAndRun(sink, g, true);
      if (!first) continue;
      bump(stats.ends, first.end);
      checkOutcome(sink, g, first);
      // A finished run stays finished: running it again changes nothing.
      try {
        const again = first.hv.run();
        const json = JSON.stringify(runReport(first.hv, again));
        if (again !== first.end || json !== first.json) fail('deterministic', seed, `run() after the end gave ${again}: ${firstDifference(first.json, json)}`);
      } catch (e) {
        fail('no-throw', seed, `run() after the end threw: ${describeError(e)}`);
      }
      // A fresh workspace and boot, run with hv.run(): the same bytes.
      const second = bootAndRun(sink, g, false);
      if (second && second.json !== first.json) fail('deterministic', seed, firstDifference(first.json, second.json));
    }
    stats.ms = Date.now() - started;
    const fmt = (m: Map<string, number>) => [...m.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(
      `fuzz: ${stats.systems} systems (seeds ${SEEDS[0]}…${SEEDS[SEEDS.length - 1]}), ${stats.runs} runs in ${(stats.ms / 1000).toFixed(1)} s\n` +
        `  ends: ${fmt(stats.ends)}, largest overshoot ${stats.maxOvershoot} cycles (bound ${OVERSHOOT_BOUND})\n  domain states: ${fmt(stats.states)}\n  faults: ${fmt(stats.faults)}\n` +
        PROPERTIES.map((p) => `  ${p}: ${(failures.get(p) as Failure[]).length} failing seed(s)`).join('\n'),
    );
  }, 0);

  for (const property of PROPERTIES) {
    it(property, () => {
      const list = failures.get(property) as Failure[];
      if (list.length > 0) {
        const seeds = [...new Set(list.map((f) => f.seed))];
        const shown = list.slice(0, 10).map((f) => `  seed ${f.seed}: ${f.message}`).join('\n');
        console.log(`fuzz property '${property}' fails for ${seeds.length} seed(s):\n${shown}\n  replay: ${ENGINE ? `PVLAB_FUZZ_ENGINE=${ENGINE} ` : ''}PVLAB_FUZZ_SEEDS=${seeds.slice(0, 20).join(',')} npx vitest run test/fuzz/sandbox.fuzz.test.ts`);
      }
      expect(list.map((f) => `seed ${f.seed}: ${f.message}`).slice(0, 10)).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------- hand-written probes
//
// Small systems for what the fuzzer found or cannot generate soundly, checked
// with the same invariants (plus what the spec says they must print).

interface Probe {
  name: string;
  kernel: string;
  system?: string;
  /** Extra expectations on the report: messages for what is wrong. */
  expect?: (report: RunReport) => string[];
}

const PROBES: Probe[] = [
  {
    name: 'a multicall whose list is in a read-only grant mapping (results cannot be written back)',
    kernel: `
fn main() -> u32 {
    mem32[4096] = 17;                                          // one entry: xen_version(0)
    let r = hypercall grant_table_op(100, 0, 1, 1, 0);         // grant frame 1 to myself, read-only
    let a = hypercall grant_table_op(0, 0, r as u32, 0, 0);    // mapped at 0x40000000
    let m = hypercall multicall(a as u32, 1);
    print("multicall ", m);
    return 0;
}
`,
  },
  {
    name: 'a straight run of expensive statements still stops at the cycle limit (one statement past it at most)',
    system: 'mode hvm;',
    kernel: `
fn main() -> u32 {
    let x: u32 = 0;
    for i in 0..1000 {
${Array.from({ length: 40 }, () => '        x += inb(0x60);').join('\n')}
    }
    return x;
}
`,
  },
  {
    name: 'an event pending when the guest unmasks is delivered at the next statement boundary',
    kernel: `
fn on_event(port: u32) { print("event ", port); }
fn main() -> u32 {
    let p = hypercall event_channel_op(6, 0, 0);               // port 1, for myself
    let q = hypercall event_channel_op(0, 0, p as u32);        // port 2, bound to port 1
    mem8[vcpu_info()] = 1;                                     // mask
    hypercall event_channel_op(4, q as u32, 0);                // port 1 pending
    print("masked");
    mem8[vcpu_info()] = 0;                                     // unmask: deliver at the next boundary
    print("unmasked");
    return 0;
}
`,
    expect: (r) => (r.domains[0].console === 'masked\nevent 1\nunmasked\n' ? [] : [`console ${JSON.stringify(r.domains[0].console)}, expected "masked\\nevent 1\\nunmasked\\n"`]),
  },
  {
    name: "a const's initializer means the consts of its own scope, wherever the const is first used",
    kernel: `
fn f() -> i32 {
    let A: u32 = 5;                                            // a local that happens to be called A
    return B;
}
const A: i32 = 7;
const B: i32 = A - 36;
fn main() -> u32 { return f() as u32; }
`,
    expect: (r) => (r.domains[0].exitCode === 4294967267 ? [] : [`exit code ${r.domains[0].exitCode}, expected 4294967267 (-29)`]),
  },
];

describe('sandbox fuzz: hand-written probes', () => {
  for (const probe of PROBES) {
    it(probe.name, () => {
      const g: GeneratedSystem = {
        files: {
          '/probe/system.pvk': `system probe {\n    hypervisor 4.2;\n    domain d0 { kernel "k.pvk"; memory 2; privileged; ${probe.system ?? ''} }\n}\n`,
          '/probe/k.pvk': probe.kernel,
        },
        systemFile: '/probe/system.pvk',
      };
      const problems: string[] = [];
      const sink: Sink = (p, message) => problems.push(`${p}: ${message}`);
      const out = bootAndRun(sink, g, true);
      if (out) {
        checkOutcome(sink, g, out);
        problems.push(...(probe.expect?.(out.report) ?? []));
      }
      expect(problems).toEqual([]);
    });
  }
});
