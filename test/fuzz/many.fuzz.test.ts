import { describe, expect, it } from 'vitest';
import { profileHypervisor } from '../../sandbox/profile/profileSystem.js';
import { runReport } from '../../sandbox/run/report.js';
import { boot, memoryHost, report, reportSwitchingEngines, reportWithStops, type Case } from '../unit/engines/harness.js';
import { generateManySystem } from './generateMany.js';

/** How many generated systems (PVLAB_FUZZ_RUNS raises it for long campaigns under `npm run fuzz`). */
const RUNS = Number(process.env.PVLAB_FUZZ_RUNS ?? 24);
const MAX_CYCLES = 300_000;

function caseOf(seed: number): Case {
  const { files, systemFile } = generateManySystem(seed);
  return { label: `many seed ${seed}`, file: systemFile, host: memoryHost(files), maxCycles: MAX_CYCLES };
}

describe('fuzz: many domains, yields, blocks, timers and event hops', () => {
  it(`fast, step and interpreter agree to the cycle on ${RUNS} generated systems`, () => {
    const failures: string[] = [];
    let events = 0;
    let switches = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const c = caseOf(seed);
      const hv = boot(c, 'interpreter');
      const reference = report(hv);
      events += hv.domains.reduce((n, d) => n + d.events, 0);
      switches += hv.hypervisorCycles.reduce((n, x) => n + x, 0) / 500;
      for (const engine of ['fast', 'step'] as const) if (report(boot(c, engine)) !== reference) failures.push(`seed ${seed}: ${engine} differs from the interpreter`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The systems do what they are for.
    expect(events).toBeGreaterThan(RUNS * 10);
    expect(switches).toBeGreaterThan(RUNS * 50);
  }, 600_000);

  it('after every scheduling step, every vCPU has the same frames (function, pc, locals) in the three engines', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed += 2) {
      const c = caseOf(seed);
      const machines = (['interpreter', 'fast', 'step'] as const).map((engine) => boot(c, engine));
      // What a debugger shows of a stopped vCPU, blocked or suspended in a call included.
      const state = (i: number): string => JSON.stringify(machines[i].domains.map((d) => d.vcpus.map((v) => [v.status, v.frames, v.resumeDst])));
      for (let step = 1; machines[0].end === undefined && failures.length === 0; step++) {
        for (const hv of machines) hv.step();
        const reference = state(0);
        if (state(1) !== reference) failures.push(`seed ${seed}: fast differs after step ${step}`);
        if (state(2) !== reference) failures.push(`seed ${seed}: step differs after step ${step}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);

  it('debugger stops, engine switches at every step and profiling change no run', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed += 3) {
      const c = caseOf(seed);
      const reference = report(boot(c, 'fast'));
      if (reportWithStops(c, 'step', 11).json !== reference) failures.push(`seed ${seed}: step with stops differs`);
      if (reportSwitchingEngines(c) !== reference) failures.push(`seed ${seed}: switching engines differs`);
      const hv = boot(c, 'fast');
      const { end, profile } = profileHypervisor(hv, c.file, (f) => c.host?.readFile(f));
      if (JSON.stringify(runReport(hv, end)) !== reference) failures.push(`seed ${seed}: the profiled run differs`);
      const domains = profile.nodes.filter((n) => n.kind === 'domain');
      if (domains.some((n) => n.total !== hv.domains[n.domain].cycles)) failures.push(`seed ${seed}: a domain's profile total is not its cycles`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);
});
