// Fuzzes the sandbox with random well-typed systems from ./generate.ts.
//
//   npx vitest run test/fuzz                       default campaign (~1000 systems)
//   PVLAB_FUZZ_RUNS=20000 npm run fuzz             a long campaign
//   PVLAB_FUZZ_SEED=5000 …                         first seed (default 1)
//   PVLAB_FUZZ_SEEDS=17,4242 npx vitest run test/fuzz   replay given seeds
//   PVLAB_FUZZ_ENGINE=fast|interpreter|step …      one engine for every seed; the default
//                                                  mixes: bootSystem's default engine for
//                                                  every third seed, the interpreter for
//                                                  the others (the fast engine compiles each
//                                                  kernel, which dominates these short runs)
//
// For every seed: the generated files check without error diagnostics;
// bootSystem and the run never throw; the run ends exited, deadlock or
// max-cycles, within maxCycles + OVERSHOOT_BOUND (see generate.ts for why that
// bound); every domain's state is consistent; and a second boot of the same
// sources gives a byte-identical JSON report. Each property is its own test,
// listing the seeds that break it, so one sandbox bug does not hide another.

import { beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import { runReport, type RunReport } from '../../sandbox/run/report.js';
import type { Hypervisor } from '../../sandbox/hv/hypervisor.js';
import { generateSystem, OVERSHOOT_BOUND, type GeneratedSystem } from './generate.js';

const MAX_CYCLES = 200_000;
const RUNS = envInt('PVLAB_FUZZ_RUNS', 1000);
const FIRST_SEED = envInt('PVLAB_FUZZ_SEED', 1);
const SEEDS: number[] = process.env.PVLAB_FUZZ_SEEDS
  ? process.env.PVLAB_FUZZ_SEEDS.split(/[\s,]+/).filter(Boolean).map(Number)
  : Array.from({ length: RUNS }, (_, i) => FIRST_SEED + i);
const ENGINE = process.env.PVLAB_FUZZ_ENGINE || 'mix';
/** The engine a seed runs on; undefined: bootSystem's default. */
function engineFor(seed: number): EngineKind | undefined {
  if (ENGINE === 'default') return undefined;
  if (ENGINE !== 'mix') return ENGINE as EngineKind;
  return seed % 3 === 0 ? undefined : 'interpreter';
}
/** A run that takes longer than this (wall clock) counts as a hang. */
const HANG_MS = 20_000;

const STATES = new Set(['exited', 'crashed', 'blocked', 'paused', 'running', 'destroyed']);
const ENDS = new Set(['exited', 'deadlock', 'max-cycles']);
const FAULT_KINDS = new Set(['divide-by-zero', 'out-of-range', 'misaligned', 'read-only', 'stack-overflow', 'no-hypervisor']);

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got '${v}'`);
  return n;
}

type Property = 'checks' | 'boots' | 'no-throw' | 'ends' | 'cycle-bound' | 'domain-states' | 'deterministic';
const PROPERTIES: Property[] = ['checks', 'boots', 'no-throw', 'ends', 'cycle-bound', 'domain-states', 'deterministic'];

interface Failure {
  seed: number;
  message: string;
}

const failures = new Map<Property, Failure[]>(PROPERTIES.map((p) => [p, []]));
const stats = { systems: 0, runs: 0, maxOvershoot: 0, ends: new Map<string, number>(), states: new Map<string, number>(), faults: new Map<string, number>(), ms: 0 };

function fail(p: Property, seed: number, message: string): void {
  (failures.get(p) as Failure[]).push({ seed, message: `[${engineFor(seed) ?? 'default engine'}] ${message}` });
}

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
function bootAndRun(seed: number, g: GeneratedSystem, stepwise: boolean): Outcome | undefined {
  let boot;
  const ws = workspace(g);
  try {
    const engine = engineFor(seed);
    boot = bootSystem(ws, { file: g.systemFile, options: { maxCycles: MAX_CYCLES }, ...(engine ? { engine } : {}) });
  } catch (e) {
    fail('no-throw', seed, `bootSystem threw: ${describeError(e)}`);
    return undefined;
  }
  if (stepwise) {
    const analysis = boot.analysis;
    if (!analysis) {
      fail('checks', seed, `bootSystem gave no analysis: ${boot.ok ? '' : boot.message}`);
      return undefined;
    }
    const errors = [...analysis.diagnostics.values()].flat().filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const shown = errors.slice(0, 3).map((d) => `${d.file}:${ws.file(d.file)?.source.position(d.span.start).line}: ${d.code} ${d.message}`);
      fail('checks', seed, shown.join('; '));
      return undefined;
    }
  }
  if (!boot.ok) {
    const diags = boot.diagnostics.map((d) => `${d.file}: ${d.code} ${d.message}`).join('; ');
    fail('boots', seed, `${boot.message}${diags ? `: ${diags}` : ''}`);
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
          fail('ends', seed, `no end after ${HANG_MS} ms (${steps} scheduling steps, elapsed ${hv.elapsed} cycles): hang`);
          return undefined;
        }
      }
      end = hv.end;
    } else {
      end = hv.run();
    }
  } catch (e) {
    fail('no-throw', seed, `run threw: ${describeError(e)}`);
    return undefined;
  }
  let report: RunReport;
  let json: string;
  try {
    report = runReport(hv, end as RunReport['end']);
    json = JSON.stringify(report);
  } catch (e) {
    fail('no-throw', seed, `runReport threw: ${describeError(e)}`);
    return undefined;
  }
  stats.runs++;
  return { hv, end, report, json };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message} ${(e.stack ?? '').split('\n').slice(1, 3).map((s) => s.trim()).join(' ')}`;
  return String(e);
}

function checkOutcome(seed: number, g: GeneratedSystem, out: Outcome): void {
  const { hv, end, report } = out;
  if (!ENDS.has(end)) fail('ends', seed, `end is '${end}'`);

  const elapsed = report.cycles;
  if (!Number.isInteger(elapsed) || elapsed < 0) fail('cycle-bound', seed, `elapsed ${elapsed} is not a cycle count`);
  stats.maxOvershoot = Math.max(stats.maxOvershoot, elapsed - MAX_CYCLES);
  if (elapsed > MAX_CYCLES + OVERSHOOT_BOUND) {
    fail('cycle-bound', seed, `elapsed ${elapsed} > maxCycles ${MAX_CYCLES} + overshoot bound ${OVERSHOOT_BOUND} (by ${elapsed - MAX_CYCLES - OVERSHOOT_BOUND}), end ${end}`);
  }
  if (end === 'max-cycles' && elapsed < MAX_CYCLES) fail('cycle-bound', seed, `end max-cycles at elapsed ${elapsed} < ${MAX_CYCLES}`);

  const lines = new Map(Object.entries(g.files).map(([f, t]) => [f, t.split('\n').length]));
  const pcpus = hv.pcpus.length;
  let domainCycles = 0;
  const bad = (m: string) => fail('domain-states', seed, m);
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
}

describe(`sandbox fuzz: ${SEEDS.length} generated systems, maxCycles ${MAX_CYCLES}, engine ${ENGINE}`, () => {
  beforeAll(() => {
    const started = Date.now();
    for (const seed of SEEDS) {
      stats.systems++;
      let g: GeneratedSystem;
      try {
        g = generateSystem(seed);
      } catch (e) {
        fail('checks', seed, `the generator threw: ${describeError(e)}`);
        continue;
      }
      const first = bootAndRun(seed, g, true);
      if (!first) continue;
      bump(stats.ends, first.end);
      checkOutcome(seed, g, first);
      // A fresh workspace and boot, run with hv.run(): the same bytes.
      const second = bootAndRun(seed, g, false);
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
        console.log(`fuzz property '${property}' fails for ${seeds.length} seed(s):\n${shown}\n  replay: PVLAB_FUZZ_SEEDS=${seeds.slice(0, 20).join(',')} npx vitest run test/fuzz`);
      }
      expect(list.map((f) => `seed ${f.seed}: ${f.message}`).slice(0, 10)).toEqual([]);
    });
  }
});

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `reports differ at byte ${i}: …${a.slice(Math.max(0, i - 60), i + 60)}… vs …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}
