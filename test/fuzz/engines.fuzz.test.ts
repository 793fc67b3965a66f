import { describe, expect, it } from 'vitest';
import { Workspace } from '../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../sandbox/run/boot.js';
import { runReport } from '../../sandbox/run/report.js';
import { FastEngine } from '../../sandbox/vm/fastEngine.js';
import { generateSystem } from './generate.js';

/** How many generated systems to compare (PVLAB_FUZZ_RUNS raises it for long campaigns). */
const RUNS = Number(process.env.PVLAB_FUZZ_RUNS ?? 300);
const MAX_CYCLES = 200_000;

function run(seed: number, engine: EngineKind): string {
  const { files, systemFile } = generateSystem(seed);
  const map = new Map(Object.entries(files));
  const boot = bootSystem(new Workspace({ readFile: (f) => map.get(f) }), { file: systemFile, options: { maxCycles: MAX_CYCLES }, engine });
  if (!boot.ok) return `does not boot: ${boot.message}`;
  return JSON.stringify(runReport(boot.hv, boot.hv.run()));
}

describe('fuzz: the three engines agree on random well-typed systems', () => {
  it(`fast, step and interpreter give byte-identical reports on ${RUNS} generated systems`, () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      const reference = run(seed, 'interpreter');
      for (const engine of ['fast', 'step'] as const) {
        const got = run(seed, engine);
        if (got !== reference) failures.push(`seed ${seed}: ${engine} differs from the interpreter`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);

  it('stopping before every 7th boundary and resuming changes nothing (stepping engine and interpreter)', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed += 10) {
      const reference = run(seed, 'interpreter');
      for (const engine of ['step', 'interpreter'] as const) {
        const { files, systemFile } = generateSystem(seed);
        const map = new Map(Object.entries(files));
        const boot = bootSystem(new Workspace({ readFile: (f) => map.get(f) }), { file: systemFile, options: { maxCycles: MAX_CYCLES }, engine });
        if (!boot.ok) continue;
        const hv = boot.hv;
        let n = 0;
        hv.engine.boundaryHook = () => ++n % 7 === 0;
        if (hv.engine instanceof FastEngine) hv.engine.stopEverywhere = true;
        while (hv.end === undefined) hv.step();
        if (JSON.stringify(runReport(hv, hv.end)) !== reference) failures.push(`seed ${seed}: ${engine} with stops differs`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);
});
