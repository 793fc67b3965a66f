import { describe, expect, it } from 'vitest';
import { Workspace } from '../../sandbox/lang/program.js';
import { profileSystem } from '../../sandbox/profile/profileSystem.js';
import type { Profile } from '../../sandbox/profile/types.js';
import { bootSystem } from '../../sandbox/run/boot.js';
import { runReport } from '../../sandbox/run/report.js';
import { generateSystem } from './generate.js';

/** How many generated systems to profile (PVLAB_FUZZ_RUNS raises it for long campaigns). */
const RUNS = Math.ceil(Number(process.env.PVLAB_FUZZ_RUNS ?? 300) / 2);
const MAX_CYCLES = 200_000;

/** Everything a profile must hold for any run: exact totals per domain, per vCPU and overall; non-overlapping slices. */
function problemsOf(p: Profile, report: ReturnType<typeof runReport>): string[] {
  const out: string[] = [];
  const sum = (id: number): number => p.nodes[id].self + p.nodes[id].children.reduce((a, c) => a + sum(c), 0);
  for (const d of report.domains) {
    const node = p.nodes.find((n) => n.kind === 'domain' && n.domain === d.id);
    if (!node) out.push(`no node for domain ${d.id}`);
    else if (sum(node.id) !== d.cycles || node.total !== d.cycles) out.push(`domain ${d.id}: profile ${sum(node.id)}/${node.total}, run ${d.cycles}`);
    const lines = p.lines.filter((l) => l.domain === d.id).reduce((a, l) => a + l.cycles, 0);
    const named = p.nodes.filter((n) => n.domain === d.id && n.kind !== 'function').reduce((a, n) => a + n.self, 0);
    if (lines + named !== d.cycles) out.push(`domain ${d.id}: lines ${lines} + named frames ${named} != ${d.cycles}`);
    const slices = p.timeline.slices.filter((s) => s.domain === d.id);
    if (!p.timeline.truncated && slices.reduce((a, s) => a + s.end - s.start, 0) !== d.cycles) out.push(`domain ${d.id}: timeline does not cover its cycles`);
  }
  const byThread = new Map<string, { start: number; end: number }[]>();
  for (const s of p.timeline.slices) byThread.set(`${s.domain}/${s.vcpu}`, [...(byThread.get(`${s.domain}/${s.vcpu}`) ?? []), s]);
  for (const [t, list] of byThread) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) if (list[i].start < list[i - 1].end) out.push(`thread ${t}: slices overlap at ${list[i].start}`);
  }
  if (p.nodes.some((n) => n.self < 0)) out.push('a node has negative self cycles');
  return out;
}

describe('fuzz: profiling random well-typed systems', () => {
  it(`changes no run and accounts for every cycle on ${RUNS} generated systems`, () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      const { files, systemFile } = generateSystem(seed);
      const map = new Map(Object.entries(files));
      const ws = (): Workspace => new Workspace({ readFile: (f) => map.get(f) });
      const boot = bootSystem(ws(), { file: systemFile, options: { maxCycles: MAX_CYCLES } });
      if (!boot.ok) continue;
      const plain = runReport(boot.hv, boot.hv.run());
      const profiled = profileSystem(ws(), { file: systemFile, options: { maxCycles: MAX_CYCLES } });
      if (!profiled.ok) {
        failures.push(`seed ${seed}: does not profile: ${profiled.message}`);
        continue;
      }
      if (JSON.stringify(profiled.report) !== JSON.stringify(plain)) failures.push(`seed ${seed}: the profiled run differs from the plain run`);
      for (const p of problemsOf(profiled.profile, profiled.report)) failures.push(`seed ${seed}: ${p}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);
});
