/**
 * The run queue (hv/runQueue.ts, docs/SANDBOX.md "Run queue") against the
 * order it keeps: after any mix of runs, wake-ups and blocks, walking it
 * visits exactly the queued vCPUs in `runsBefore` order, and `first` picks
 * the least one a predicate takes. Domains of real booted systems, a
 * seeded sequence of the operations the hypervisor makes.
 */
import { describe, expect, it } from 'vitest';
import { Workspace } from '../../../sandbox/lang/program.js';
import { bootSystem } from '../../../sandbox/run/boot.js';
import { RunQueue } from '../../../sandbox/hv/runQueue.js';
import { runsBefore } from '../../../sandbox/hv/scheduler.js';
import type { Domain, Vcpu } from '../../../sandbox/machine/state.js';
import { systemFiles } from './helpers.js';

const IDLE = `fn main() -> u32 {
    return 0;
}`;

/** The domains of a booted (not run) system with these vCPU counts and weights. */
function domains(vcpus: number[], weights: number[]): Domain[] {
  const files = systemFiles(vcpus.map((n, i) => ({ name: `d${i}`, kernel: IDLE, props: `${i === 0 ? 'privileged; ' : ''}vcpus ${n}; weight ${weights[i % weights.length]};` })));
  const map = new Map(Object.entries(files));
  const boot = bootSystem(new Workspace({ readFile: (p) => map.get(p) }), { file: '/t/sys.pvk', options: { maxCycles: 1_000_000 } });
  if (!boot.ok) throw new Error(boot.message);
  return boot.hv.domains;
}

/** A small deterministic generator (the test is the same every run). */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/** Every queued vCPU in the order `first` visits them (a predicate that takes none). */
function walk(q: RunQueue): Vcpu[] {
  const seen: Vcpu[] = [];
  q.first((v) => {
    seen.push(v);
    return false;
  });
  return seen;
}

function checkAgainstSort(q: RunQueue, queued: Set<Vcpu>, random: (n: number) => number): void {
  const sorted = [...queued].sort((a, b) => (runsBefore(a, b) ? -1 : runsBefore(b, a) ? 1 : 0));
  expect(walk(q)).toEqual(sorted);
  expect(q.size).toBe(queued.size);
  // The least vCPU a predicate takes: here, the ones of some domains only.
  const taken = random(4) + 1;
  const accept = (v: Vcpu) => v.domain.id % taken === 0;
  expect(q.first(accept)).toBe(sorted.find(accept));
}

describe('run queue order', () => {
  const cases: { name: string; vcpus: number[]; weights: number[]; vtimeStep: (r: (n: number) => number) => number }[] = [
    { name: '64 domains of 4 vCPUs, equal weights, round-robin runs', vcpus: Array.from({ length: 64 }, () => 4), weights: [256], vtimeStep: (r) => 1000 + r(50) },
    { name: '20 domains of 1 to 7 vCPUs, mixed weights', vcpus: Array.from({ length: 20 }, (_, i) => 1 + (i % 7)), weights: [256, 512, 100, 768], vtimeStep: (r) => (r(3000) * 256) / (1 + r(700)) },
    { name: '9 domains with ties in vtime', vcpus: [3, 1, 2, 5, 1, 4, 2, 2, 3], weights: [256], vtimeStep: (r) => r(3) * 500 },
  ];
  for (const c of cases) {
    it(`${c.name}: the walk is the sorted order after each operation`, () => {
      const all = domains(c.vcpus, c.weights);
      const vcpus = all.flatMap((d) => d.vcpus);
      const random = lcg(c.vcpus.length * 7919);
      const q = new RunQueue(all);
      const queued = new Set<Vcpu>();
      let seq = 0;
      for (const v of vcpus) {
        q.add(v);
        queued.add(v);
      }
      checkAgainstSort(q, queued, random);
      for (let step = 0; step < 1500; step++) {
        const op = random(10);
        if (op < 6) {
          // A run: the first vCPU that may run (usually the least), or any queued one, or one not queued.
          const pick = op < 4 ? walk(q)[random(Math.min(3, queued.size))] : vcpus[random(vcpus.length)];
          if (pick === undefined) continue;
          pick.domain.vtime += c.vtimeStep(random);
          pick.lastRan = seq++;
          q.ran(pick);
        } else if (op < 8) {
          const v = vcpus[random(vcpus.length)];
          q.remove(v);
          queued.delete(v);
        } else {
          const v = vcpus[random(vcpus.length)];
          q.add(v);
          queued.add(v);
        }
        checkAgainstSort(q, queued, random);
      }
    });
  }
});
