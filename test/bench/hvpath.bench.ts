import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hypervisor } from '../../sandbox/hv/hypervisor.js';
import { diskHost } from '../../sandbox/lang/fileHost.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { profileHypervisor } from '../../sandbox/profile/profileSystem.js';
import { bootSystem } from '../../sandbox/run/boot.js';
import { runReport, type RunReport } from '../../sandbox/run/report.js';
import { marked, ms, PROFILED_TARGET, summarize } from './measure.js';

/** The workloads: pvk systems in test/bench/hvpath/, run as `pvlab run` runs them (fast engine). */
const DIR = path.resolve('test/bench/hvpath');

interface Workload {
  label: string;
  file: string;
  /** How many of the measured operations a run did, read from its report. */
  ops: (r: RunReport) => number;
  unit: string;
  /** At most this many guest-loop iterations of host time per operation (issue 10). */
  target?: number;
}

const hypercalls = (name: string) => (r: RunReport) => r.domains.reduce((n, d) => n + (d.hypercalls[name] ?? 0), 0);
const events = (r: RunReport) => r.domains.reduce((n, d) => n + d.events, 0);

const WORKLOADS: Workload[] = [
  { label: 'hypercall xen_version(0)', file: 'hypercall.pvk', ops: hypercalls('xen_version'), unit: 'call', target: 20 },
  { label: 'ext. hypercall, add', file: 'ext_add.pvk', ops: hypercalls('count_add'), unit: 'call', target: 20 },
  { label: 'ext. hypercall, 16 rounds', file: 'ext_loop.pvk', ops: hypercalls('hash_words'), unit: 'call' },
  { label: 'yield, 2 domains, 1 pcpu', file: 'yield2.pvk', ops: hypercalls('sched_op'), unit: 'yield', target: 200 },
  { label: 'event hop, 2 domains', file: 'hop.pvk', ops: events, unit: 'hop', target: 400 },
  { label: 'yield, 2 x 4 vCPUs', file: 'yield8.pvk', ops: hypercalls('sched_op'), unit: 'yield', target: 200 },
  { label: 'yield, 64 x 4 vCPUs', file: 'yield256.pvk', ops: hypercalls('sched_op'), unit: 'yield', target: 200 },
];

/** A booted system, and its files' texts as `pvlab run` reads them for the profile (from the analysis, not the disk again). */
function boot(file: string): { hv: Hypervisor; readText: (path: string) => string | undefined } {
  const result = bootSystem(new Workspace(diskHost), { file: path.join(DIR, file), options: { maxCycles: 1_000_000_000 } });
  if (!result.ok) throw new Error(`${file}: ${result.message} ${result.diagnostics.map((d) => d.message).join('; ')}`);
  const snapshot = result.analysis.snapshot;
  return { hv: result.hv, readText: (f) => snapshot.file(f)?.source.text };
}

/** One timed run (booting and compiling outside the timed part); the profiled one includes building the profile. */
function timed(file: string, profiled: boolean): { ms: number; report: RunReport } {
  const { hv, readText } = boot(file);
  const t0 = performance.now();
  if (profiled) {
    const { end } = profileHypervisor(hv, path.join(DIR, file), readText);
    return { ms: performance.now() - t0, report: runReport(hv, end) };
  }
  const end = hv.run();
  return { ms: performance.now() - t0, report: runReport(hv, end) };
}

/** One process's measurements: per workload (the guest loop first), each measured round's plain and profiled times, and its operations. */
interface Sample {
  plain: number[][];
  profiled: number[][];
  ops: number[];
}

/** The guest loop (the baseline) and the workloads. */
function workloads(): Workload[] {
  const iterations = Number(/const ITERATIONS = (\d+);/.exec(fs.readFileSync(path.join(DIR, 'loop_kernel.pvk'), 'utf8'))?.[1]);
  return [{ label: 'guest loop', file: 'loop.pvk', ops: () => iterations, unit: 'iteration' }, ...WORKLOADS];
}

/**
 * `hvpath-sample`: one process's rounds, every workload run plain then
 * profiled in each (interleaved, so that load on the machine hits all
 * alike), written to stdout as JSON (a Sample).
 */
export function sampleHypervisorPath(): void {
  const all = workloads();
  const plain = all.map(() => [] as number[]);
  const profiled = all.map(() => [] as number[]);
  const ops = all.map(() => -1);
  // Six rounds first: the profiled runs of the many-vCPU workloads were still getting faster through
  // the first five or so (V8 optimizing the profiling code as it meets each workload), and the bench
  // gives steady-state costs, as it does for the plain runs and the guest loop.
  const warmup = 6;
  const runs = 11;
  for (let i = 0; i < warmup + runs; i++) {
    all.forEach((w, k) => {
      const a = timed(w.file, false);
      const b = timed(w.file, true);
      const n = w.ops(a.report);
      if (JSON.stringify(a.report) !== JSON.stringify(b.report)) throw new Error(`${w.file}: the profiled run differs from the plain one`);
      if (ops[k] >= 0 && ops[k] !== n) throw new Error(`${w.file}: ${n} operations, ${ops[k]} in an earlier run`);
      ops[k] = n;
      if (i >= warmup) {
        plain[k].push(a.ms);
        profiled[k].push(b.ms);
      }
    });
  }
  const sample: Sample = { plain, profiled, ops };
  process.stdout.write(JSON.stringify(sample));
}

/**
 * How many processes measure: V8's optimization decisions differ from one
 * process to the next (a workload's profiled/plain ratio can settle 0.3
 * apart in two processes and stay there every round), so one process is one
 * draw of them; the bench gives the median process's figures.
 */
const PROCESSES = 3;

/** One process's sample (see sampleHypervisorPath()): this bench's bundle run again with `hvpath-sample`. */
function sampleInProcess(): Sample {
  const r = spawnSync(process.execPath, [process.argv[1], 'hvpath-sample'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`hvpath-sample failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Sample;
}

/**
 * The hypervisor path at the speed of guest code (issue 10): per-operation
 * host time of hypercalls, yields and event hops, in iterations of a guest
 * loop of plain statements measured in the same rounds; and each workload
 * profiled against unprofiled. Each figure is the median of PROCESSES
 * processes' figures; the profiled ratios of each process are shown too.
 */
export function benchHypervisorPath(): void {
  const all = workloads();
  const samples = Array.from({ length: PROCESSES }, sampleInProcess);
  const ops = samples[0].ops;
  for (const s of samples) if (JSON.stringify(s.ops) !== JSON.stringify(ops)) throw new Error(`operations differ between processes: ${JSON.stringify(s.ops)} and ${JSON.stringify(ops)}`);
  // Within a process, ratios are taken within each round (the same moment's load on the machine), then their median.
  const median = (xs: number[]) => summarize(xs).median;
  const runMs = samples.map((s) => all.map((_, k) => median(s.plain[k])));
  const inIterationsOf = samples.map((s) => all.map((_, k) => median(s.plain[k].map((t, i) => t / ops[k] / (s.plain[0][i] / ops[0])))));
  const ratiosOf = samples.map((s) => all.map((_, k) => median(s.profiled[k].map((t, i) => t / s.plain[k][i]))));
  const across = (byProcess: number[][], k: number) => median(byProcess.map((p) => p[k]));
  const inIterations = all.map((_, k) => across(inIterationsOf, k));
  const ns = (x: number) => (x >= 100 ? `${Math.round(x)} ns` : `${x.toFixed(1)} ns`);
  console.log(`\n## hypervisor path: host time per operation on the fast engine, in guest-loop iterations (same rounds, interleaved; median of ${PROCESSES} processes)`);
  console.log(`  workload                      ops   run (median)   per op             in iterations   target   profiled/plain (target <= ${PROFILED_TARGET}×)   each process`);
  all.forEach((w, k) => {
    const target = w.target === undefined ? '' : `<= ${w.target}`;
    const inIter = k === 0 ? '1 (baseline)' : inIterations[k].toFixed(1);
    const run = across(runMs, k);
    const each = ratiosOf.map((p) => p[k].toFixed(2)).join(' ');
    console.log(
      `  ${w.label.padEnd(26)} ${String(ops[k]).padStart(8)}  ${ms(run).padStart(12)}   ${`${ns((run / ops[k]) * 1e6)}/${w.unit}`.padEnd(17)} ${inIter.padStart(14)}   ${target.padEnd(7)}  ${marked(across(ratiosOf, k), PROFILED_TARGET)}                      ${each}`,
    );
  });
  const y8 = inIterations[all.findIndex((w) => w.file === 'yield8.pvk')];
  const y256 = inIterations[all.findIndex((w) => w.file === 'yield256.pvk')];
  console.log(`  yield at 256 vCPUs / at 8 vCPUs: ${(y256 / y8).toFixed(2)}×   target <= 1.5×`);
  console.log(`  targets (issue 10): hypercall <= 20 iterations (goal 5), yield <= 200, event hop <= 400; profiled within ${PROFILED_TARGET}× of the plain run`);
}
