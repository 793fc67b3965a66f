import { profileHypervisor } from '../../sandbox/profile/profileSystem.js';
import { bootKernel } from './engine.bench.js';
import { KERNELS } from './kernels.js';
import { marked, ms, PROFILED_TARGET, summarize } from './measure.js';

/**
 * Profiling against the fast engine on the benchmark kernels, same run,
 * interleaved so that load on the machine hits both alike: the profiled
 * time includes building the profile (call tree, lines, sites; the
 * timeline's lists are made when the profile is written). The ratio is
 * taken within each round, then its median. The hypervisor-path workloads'
 * ratios are in `npm run bench hvpath`.
 */
export function benchProfile(): void {
  console.log('\n## profiler: the benchmark kernels profiled, against the fast engine (same run, interleaved)');
  console.log(`  kernel          fast engine    profiled   profiled/fast (target <= ${PROFILED_TARGET}×)   nodes   guest cycles`);
  for (const k of KERNELS) {
    const fast: number[] = [];
    const profiled: number[] = [];
    const ratios: number[] = [];
    let nodes = 0;
    let cycles = 0;
    for (let i = 0; i < 3 + 11; i++) {
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
        ratios.push(tp / tf);
      }
    }
    const f = summarize(fast).median;
    const p = summarize(profiled).median;
    const r = summarize(ratios).median;
    console.log(`  ${k.name.padEnd(14)} ${ms(f).padStart(10)}  ${ms(p).padStart(10)}   ${marked(r, PROFILED_TARGET).padEnd(30)} ${String(nodes).padStart(6)}   ${cycles.toLocaleString('en-US')}`);
  }
}
