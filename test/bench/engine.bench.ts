import { Workspace } from '../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import { KERNELS, type BenchKernel } from './kernels.js';
import type { Hypervisor } from '../../sandbox/hv/hypervisor.js';
import { ms, summarize } from './measure.js';

/** Boots a kernel on bare metal in one engine, ready to run. */
export function bootKernel(k: BenchKernel, engine: EngineKind): Hypervisor {
  const files = new Map([
    ['/bench/k.pvk', k.pvk],
    ['/bench/sys.pvk', `system bench { hypervisor none; domain k { kernel "k.pvk"; memory ${k.pages}; privileged; } }`],
  ]);
  const ws = new Workspace({ readFile: (f) => files.get(f) });
  const boot = bootSystem(ws, { file: '/bench/sys.pvk', options: { maxCycles: 1e15 }, engine });
  if (!boot.ok) throw new Error(`${k.name}: ${boot.message} ${boot.diagnostics.map((d) => d.message).join('; ')}`);
  return boot.hv;
}

/** Boots and runs a kernel; returns exit code and domain cycles. */
export function runKernel(k: BenchKernel, engine: EngineKind): { exitCode: number | null; cycles: number } {
  const hv = bootKernel(k, engine);
  hv.run();
  const d = hv.domains[0];
  return { exitCode: d.exitCode, cycles: d.cycles };
}

/** Median time of the run alone (booting, checking and compiling are outside the timed part). */
function timeRuns(k: BenchKernel, engine: EngineKind, warmup: number, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const hv = bootKernel(k, engine);
    const t0 = performance.now();
    hv.run();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return summarize(times).median;
}

/** Fast engine against plain JS: warm-up runs, then at least MIN_RUNS timed pairs, more (up to MAX_RUNS) until about TIMED_MS of each. */
const WARMUP = 5;
const MIN_RUNS = 15;
const MAX_RUNS = 151;
const TIMED_MS = 150;

/** The fast engine's targets against plain JavaScript: the geometric mean over the kernels, and every kernel. */
const FAST_MEAN_TARGET = 1.3;
const FAST_KERNEL_TARGET = 1.5;

export function benchEngines(): void {
  console.log('\n## engines: compute-bound kernels against the same algorithms in plain JavaScript (same run)');
  console.log('  kernel          plain JS     fast engine          steppable engine     reference interpreter  guest cycles');
  const fastRatios: number[] = [];
  for (const k of KERNELS) {
    const expected = k.js();
    const fast = runKernel(k, 'fast');
    const step = runKernel(k, 'step');
    const slow = runKernel(k, 'interpreter');
    if (fast.exitCode !== expected || step.exitCode !== expected || slow.exitCode !== expected || fast.cycles !== slow.cycles || step.cycles !== slow.cycles) {
      throw new Error(`${k.name}: results differ: js ${expected}, fast ${fast.exitCode}/${fast.cycles}, step ${step.exitCode}/${step.cycles}, interpreter ${slow.exitCode}/${slow.cycles}`);
    }
    // Plain JS and the fast engine interleaved, so that a burst of load on the machine hits both alike.
    // A short kernel (matmul runs well under a millisecond) gets more runs, so that its median does
    // not hinge on a few runs the scheduler happened to interrupt.
    const jsTimes: number[] = [];
    const fastTimes: number[] = [];
    let runs = MIN_RUNS;
    for (let i = 0; i < WARMUP + runs; i++) {
      let t0 = performance.now();
      k.js();
      const tj = performance.now() - t0;
      const hv = bootKernel(k, 'fast');
      t0 = performance.now();
      hv.run();
      const tf = performance.now() - t0;
      if (i === WARMUP - 1) runs = Math.max(MIN_RUNS, Math.min(MAX_RUNS, Math.ceil(TIMED_MS / Math.max(tj, tf, 0.01))));
      if (i >= WARMUP) {
        jsTimes.push(tj);
        fastTimes.push(tf);
      }
    }
    const js = summarize(jsTimes).median;
    const f = summarize(fastTimes).median;
    // The steppable engine likewise gets enough runs of a short kernel (about TIMED_MS in all, guessing it 2× the fast one).
    const st = timeRuns(k, 'step', 2, Math.max(5, Math.min(MAX_RUNS, Math.ceil(TIMED_MS / (2 * Math.max(f, 0.01))))));
    const i = timeRuns(k, 'interpreter', 1, 3);
    const cell = (t: number, digits = 1) => `${ms(t).padStart(10)} ${`${(t / js).toFixed(digits)}×`.padStart(6)}`;
    fastRatios.push(f / js);
    console.log(`  ${k.name.padEnd(14)} ${ms(js).padStart(10)}  ${cell(f, 2)}    ${cell(st)}    ${cell(i)}      ${fast.cycles.toLocaleString('en-US')}`);
  }
  const mean = Math.exp(fastRatios.reduce((sum, r) => sum + Math.log(r), 0) / fastRatios.length);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`  fast engine against plain JavaScript: geometric mean ${mean.toFixed(2)}× (target ${FAST_MEAN_TARGET}×: ${verdict(mean <= FAST_MEAN_TARGET)})`);
  console.log(
    `  each kernel (target ${FAST_KERNEL_TARGET}×): ${KERNELS.map((k, n) => `${k.name} ${fastRatios[n].toFixed(2)}× ${verdict(fastRatios[n] <= FAST_KERNEL_TARGET)}`).join(', ')}`,
  );
  console.log('  targets: steppable engine within 25× of plain JavaScript');
  console.log('  (the reference interpreter is an independent implementation that tests check the others against)');
}
