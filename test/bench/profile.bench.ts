import { profileHypervisor } from '../../sandbox/profile/profileSystem.js';
import { bootKernel } from './engine.bench.js';
import { KERNELS } from './kernels.js';
import { ms, summarize } from './measure.js';

/**
 * Profiling against the fast engine on the benchmark kernels, same run: the
 * profiled time includes building the profile (call tree, lines, sites).
 * Target: at most 2× the fast engine.
 */
export function benchProfile(): void {
  console.log('\n## profiler: the benchmark kernels profiled, against the fast engine (same run)');
  console.log('  kernel          fast engine    profiled         nodes   guest cycles');
  for (const k of KERNELS) {
    const fast: number[] = [];
    const profiled: number[] = [];
    let nodes = 0;
    let cycles = 0;
    // Interleaved, so that load on the machine hits both alike.
    for (let i = 0; i < 3 + 9; i++) {
      const plain = bootKernel(k, 'fast');
      let t0 = performance.now();
      plain.run();
      const tf = performance.now() - t0;
      const hv = bootKernel(k, 'fast');
      t0 = performance.now();
      const { profile } = profileHypervisor(hv, '/bench/sys.pvk', () => k.pvk);
      const tp = performance.now() - t0;
      if (profile.total !== plain.domains[0].cycles) throw new Error(`${k.name}: profile covers ${profile.total} cycles, the run ${plain.domains[0].cycles}`);
      nodes = profile.nodes.length;
      cycles = profile.total;
      if (i >= 3) {
        fast.push(tf);
        profiled.push(tp);
      }
    }
    const f = summarize(fast).median;
    const p = summarize(profiled).median;
    console.log(`  ${k.name.padEnd(14)} ${ms(f).padStart(10)}  ${ms(p).padStart(10)} ${`${(p / f).toFixed(2)}×`.padStart(6)}  ${String(nodes).padStart(6)}   ${cycles.toLocaleString('en-US')}`);
  }
  console.log('  target: profiling within 2× of the fast engine');
}
