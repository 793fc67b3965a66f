// The stress campaign of issue 11: hostile systems (./stress.ts) that hammer
// the console, grants, multicall, ballooning and vCPU control, and mutants of
// generate.ts's systems with boundary values. For every system:
//
//  - no host exception escapes booting, running, reporting or profiling;
//  - fast, step and interpreter give byte-identical reports, and the
//    profiling engine the same report with every cycle accounted for;
//  - the report is consistent: every fault names a generated file and a real
//    line, no domain is still `running` when the run ended on its own, no
//    console is longer than its limit (and its truncation note).
//
//   npx vitest run test/fuzz/stress.fuzz.test.ts     short campaign (12 + 12 systems, a few seconds)
//   PVLAB_FUZZ_RUNS=2000 npm run fuzz                 a long one (every file of test/fuzz)
//   PVLAB_FUZZ_SEED=5000 …                            first seed (default 1)

import { describe, expect, it } from 'vitest';
import { CONSOLE_LIMIT, CONSOLE_TRUNCATED } from '../../sandbox/machine/console.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { profileSystem } from '../../sandbox/profile/profileSystem.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import { runReport, type RunReport } from '../../sandbox/run/report.js';
import { describeError, envInt, firstDifference } from './campaign.js';
import type { GeneratedSystem } from './generate.js';
import { mutantSystem, stressSystem } from './stress.js';

const RUNS = envInt('PVLAB_FUZZ_RUNS', 12);
const FIRST_SEED = envInt('PVLAB_FUZZ_SEED', 1);
const MAX_CYCLES = 2_000_000;
const ENGINES: EngineKind[] = ['fast', 'step', 'interpreter'];

interface Stats {
  systems: number;
  booted: number;
  ends: Map<string, number>;
  states: Map<string, number>;
  faults: Map<string, number>;
  truncatedConsoles: number;
  cutProfiles: number;
  ms: number;
  /** Why the last system that did not boot did not. */
  notBooting: string;
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};
const fmt = (m: Map<string, number>): string => [...m.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ');

/** What a report must say about itself, whatever the guest did. */
function inconsistencies(g: GeneratedSystem, report: RunReport): string[] {
  const out: string[] = [];
  const lines = new Map(Object.entries(g.files).map(([f, t]) => [f, t.split('\n').length]));
  for (const d of report.domains) {
    const where = `domain ${d.id} (${d.name})`;
    if (d.fault) {
      const n = lines.get(d.fault.file);
      if (n === undefined) out.push(`${where}: fault in '${d.fault.file}', not a source file`);
      else if (!Number.isInteger(d.fault.line) || d.fault.line < 1 || d.fault.line > n) out.push(`${where}: fault at line ${d.fault.line} of ${d.fault.file}`);
      if (d.state !== 'crashed' && d.state !== 'destroyed') out.push(`${where}: ${d.state} with a fault`);
    } else if (d.state === 'crashed') out.push(`${where}: crashed without a fault`);
    if (d.state === 'exited' && d.exitCode === null) out.push(`${where}: exited without an exit code`);
    if (d.state !== 'exited' && d.state !== 'destroyed' && d.exitCode !== null) out.push(`${where}: ${d.state} with exit code ${d.exitCode}`);
    if (report.end !== 'max-cycles' && d.state === 'running') out.push(`${where}: still running when the run ended ${report.end}`);
    if (d.console.length > CONSOLE_LIMIT + CONSOLE_TRUNCATED.length) out.push(`${where}: console of ${d.console.length} characters`);
  }
  if (report.end === 'exited' && report.domains.some((d) => d.state === 'blocked')) out.push('ended exited with a blocked domain');
  return out;
}

/**
 * Runs one system everywhere; returns its problems (empty: fine), or
 * undefined when it does not boot (allowed for mutants only).
 */
function campaign(g: GeneratedSystem, stats: Stats): string[] | undefined {
  const problems: string[] = [];
  const ws = () => new Workspace({ readFile: (p) => g.files[p] });
  const reports: string[] = [];
  let fast: RunReport | undefined;
  for (const engine of ENGINES) {
    let report: RunReport;
    try {
      const boot = bootSystem(ws(), { file: g.systemFile, options: { maxCycles: MAX_CYCLES }, engine });
      if (!boot.ok) {
        if (engine !== 'fast') return [`${engine}: does not boot (${boot.message}) though fast did`];
        stats.notBooting = `${boot.message}: ${boot.diagnostics.slice(0, 2).map((d) => `${d.code} ${d.message}`).join('; ')}`;
        return undefined;
      }
      report = runReport(boot.hv, boot.hv.run());
    } catch (e) {
      problems.push(`${engine}: host exception ${describeError(e)}`);
      continue;
    }
    reports.push(JSON.stringify(report));
    if (engine === 'fast') fast = report;
    if (reports.length > 1 && reports[reports.length - 1] !== reports[0]) problems.push(`${engine} differs from fast: ${firstDifference(reports[0], reports[reports.length - 1])}`);
  }
  if (!fast) return problems;
  stats.booted++;
  bump(stats.ends, fast.end);
  for (const d of fast.domains) {
    bump(stats.states, d.state);
    if (d.fault) bump(stats.faults, d.fault.kind);
    if (d.console.endsWith(CONSOLE_TRUNCATED)) stats.truncatedConsoles++;
  }
  problems.push(...inconsistencies(g, fast));
  try {
    const profiled = profileSystem(ws(), { file: g.systemFile, options: { maxCycles: MAX_CYCLES } });
    if (!profiled.ok) problems.push(`profile: does not boot: ${profiled.message}`);
    else {
      if (JSON.stringify(profiled.report) !== reports[0]) problems.push(`profile: the profiled run differs: ${firstDifference(reports[0], JSON.stringify(profiled.report))}`);
      if (profiled.profile.callTreeCut !== undefined) stats.cutProfiles++;
      for (const d of fast.domains) {
        const node = profiled.profile.nodes.find((n) => n.kind === 'domain' && n.domain === d.id);
        if (node?.total !== d.cycles) problems.push(`profile: domain ${d.id} has ${node?.total} cycles, the run ${d.cycles}`);
      }
    }
  } catch (e) {
    problems.push(`profile: host exception ${describeError(e)}`);
  }
  return problems;
}

for (const [label, make, mustBoot] of [
  ['hostile systems', stressSystem, true],
  ['mutants of generated systems', mutantSystem, false],
] as const) {
  describe(`stress fuzz: ${RUNS} ${label} (seeds ${FIRST_SEED}…${FIRST_SEED + RUNS - 1}), maxCycles ${MAX_CYCLES}`, () => {
    it('no host exception, three engines and the profiler agree, every report consistent', () => {
      const stats: Stats = { systems: 0, booted: 0, ends: new Map(), states: new Map(), faults: new Map(), truncatedConsoles: 0, cutProfiles: 0, ms: 0, notBooting: '' };
      const failures: string[] = [];
      const started = Date.now();
      for (let seed = FIRST_SEED; seed < FIRST_SEED + RUNS; seed++) {
        stats.systems++;
        let g: GeneratedSystem;
        try {
          g = make(seed);
        } catch (e) {
          failures.push(`seed ${seed}: the generator threw: ${describeError(e)}`);
          continue;
        }
        const problems = campaign(g, stats);
        if (problems === undefined) {
          if (mustBoot) failures.push(`seed ${seed}: does not boot: ${stats.notBooting}`);
          continue;
        }
        for (const p of problems) failures.push(`seed ${seed}: ${p}`);
      }
      stats.ms = Date.now() - started;
      console.log(
        `stress fuzz (${label}): ${stats.systems} systems, ${stats.booted} booted and ran on 3 engines + profiler in ${(stats.ms / 1000).toFixed(1)} s\n` +
          `  ends: ${fmt(stats.ends)}\n  domain states: ${fmt(stats.states)}\n  faults: ${fmt(stats.faults)}\n` +
          `  truncated consoles: ${stats.truncatedConsoles}, profiles with a cut call tree: ${stats.cutProfiles}\n  failures: ${failures.length}`,
      );
      expect(failures.slice(0, 10)).toEqual([]);
    }, 0);
  });
}
