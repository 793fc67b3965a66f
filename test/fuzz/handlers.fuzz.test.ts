import { describe, expect, it } from 'vitest';
import { boot, memoryHost, profileJson, report, reportSwitchingEngines, type Case } from '../unit/engines/harness.js';
import { envInt, firstDifference } from './campaign.js';
import { generateHandlerSystem } from './generateHandlers.js';

// The fast engine runs pvk hypercall handlers compiled to JavaScript, the step
// engine and the interpreter in the hypervisor's evaluator: on systems heavy on
// handlers (generateHandlers.ts) they must agree to the cycle, profiled or not,
// and a machine that switches engines at every step keeps its hypervisor state.

/** How many generated systems (PVLAB_FUZZ_RUNS raises it for long campaigns under `npm run fuzz`). */
const RUNS = envInt('PVLAB_FUZZ_RUNS', 12);

function caseOf(seed: number): Case {
  const { files, systemFile, maxCycles } = generateHandlerSystem(seed);
  return { label: `handlers seed ${seed}`, file: systemFile, host: memoryHost(files), maxCycles };
}

describe('fuzz: pvk hypercall handlers, compiled and evaluated', () => {
  it(`fast, step and interpreter give byte-identical reports on ${RUNS} generated systems`, () => {
    const failures: string[] = [];
    const ends = new Set<string>();
    for (let seed = 1; seed <= RUNS; seed++) {
      const c = caseOf(seed);
      const reference = report(boot(c, 'interpreter'));
      const r = JSON.parse(reference) as { end: string; panic: { kind: string } | null };
      ends.add(r.panic ? `panic ${r.panic.kind}` : r.end);
      for (const engine of ['fast', 'step'] as const) {
        const got = report(boot(c, engine));
        if (got !== reference) failures.push(`seed ${seed}: ${engine} differs from the interpreter: ${firstDifference(got, reference)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The systems do what they are for: runs that end normally, at the cycle limit, and in each kind of panic.
    if (RUNS >= 12) expect([...ends].sort()).toEqual(['exited', 'max-cycles', 'panic divide-by-zero', 'panic stack-overflow']);
  }, 600_000);

  it('profiles are the same with handlers compiled or evaluated, and profiling changes no run', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed += 2) {
      const c = caseOf(seed);
      const compiled = profileJson(c, true);
      const evaluated = profileJson(c, false);
      if (compiled !== evaluated) failures.push(`seed ${seed}: ${firstDifference(compiled, evaluated)}`);
      const plain = report(boot(c, 'fast'));
      if (JSON.stringify((JSON.parse(compiled) as { report: unknown }).report) !== plain) failures.push(`seed ${seed}: the profiled run differs from the plain run`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);

  it('switching engines at every scheduling step (hypervisor globals moving between compiled code and the evaluator) changes no run', () => {
    const failures: string[] = [];
    for (let seed = 2; seed <= RUNS; seed += 2) {
      const c = caseOf(seed);
      if (reportSwitchingEngines(c) !== report(boot(c, 'interpreter'))) failures.push(`seed ${seed}: switching engines differs`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);
});
