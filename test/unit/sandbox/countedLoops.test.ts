/**
 * The plain fast engine runs a counted `for` loop without its check points
 * when the remaining iterations cannot reach the budget (vm/codegen.ts,
 * countedLoop()). Stops at a cycle limit, time slices between domains and
 * faults inside such loops must stay where the other engines put them, to
 * the cycle.
 */
import { describe, expect, it } from 'vitest';
import type { EngineKind } from '../../../sandbox/run/boot.js';
import { runDomains, runKernel } from './helpers.js';

const ALL: EngineKind[] = ['fast', 'step', 'interpreter'];

/** A counted loop with loads, stores, an early `continue` and a data-dependent `if`, summed into the exit code. */
const LOOPS = `
fn main() -> u32 {
    let sum: u32 = 0;
    for i in 0..200 {
        mem32[i * 4] = i * 3;
    }
    for r in 0..6 {
        for i in 0..200 {
            if (i % 7 == 3) { continue; }
            let v = mem32[i * 4];
            if (v > 300) { sum += v; } else { sum += 1; }
        }
    }
    print("sum=", sum);
    return sum;
}`;

describe('counted loops without check points (fast engine)', () => {
  it('a run stopped by the cycle limit anywhere in the loops stops at the same cycle, state and console on every engine', () => {
    const full = runKernel(LOOPS, { hypervisor: 'none', mode: 'native', memory: 1 });
    expect(full.dom.state).toBe('exited');
    const total = full.dom.cycles;
    // Limits spread over the whole run, landing at every offset within an iteration.
    for (let limit = 50; limit < total; limit += Math.floor(total / 37)) {
      const reports = ALL.map((engine) => JSON.stringify(runKernelOn(engine, limit)));
      expect(reports[1]).toBe(reports[0]);
      expect(reports[2]).toBe(reports[0]);
    }
  });

  it('two domains time-sliced in the middle of their loops, and a fault in one, agree on every engine', () => {
    const faulting = LOOPS.replace('print("sum=", sum);', 'for i in 0..100000 { sum += mem32[i * 4]; }');
    const reports = ALL.map((engine) =>
      JSON.stringify(
        runDomains(
          [
            { name: 'dom0', kernel: LOOPS, props: 'privileged; memory 1;' },
            { name: 'u', kernel: faulting, props: 'memory 1;' },
          ],
          'hypervisor 4.2; pcpus 1;',
          { engine, maxCycles: 10_000_000 },
        ),
      ),
    );
    expect(reports[1]).toBe(reports[0]);
    expect(reports[2]).toBe(reports[0]);
    const report = JSON.parse(reports[0]) as { domains: { state: string; fault: unknown }[] };
    expect(report.domains[0].state).toBe('exited');
    expect(report.domains[1].fault).not.toBeNull();
  });
});

function runKernelOn(engine: EngineKind, maxCycles: number) {
  return runDomains([{ name: 'k', kernel: LOOPS, props: 'privileged; memory 1;' }], 'hypervisor none;', { engine, maxCycles });
}
