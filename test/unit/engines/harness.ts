import * as fs from 'node:fs';
import * as path from 'node:path';
import { diskHost } from '../../../sandbox/lang/fileHost.js';
import { Workspace, type FileHost } from '../../../sandbox/lang/program.js';
import type { Hypervisor } from '../../../sandbox/hv/hypervisor.js';
import { bootSystem, makeEngine, type EngineKind } from '../../../sandbox/run/boot.js';
import { runReport, type RunReport } from '../../../sandbox/run/report.js';
import { FastEngine } from '../../../sandbox/vm/fastEngine.js';
import { Recorder } from '../../../sandbox/profile/recorder.js';
import { buildProfile } from '../../../sandbox/profile/build.js';
import type { Profile } from '../../../sandbox/profile/types.js';

export const ROOT = path.resolve(__dirname, '../../..');

export function memoryHost(files: Record<string, string>): FileHost {
  const map = new Map(Object.entries(files));
  return { readFile: (f) => map.get(f) ?? diskHost.readFile(f) };
}

export interface Case {
  label: string;
  file: string;
  system?: string;
  host?: FileHost;
  maxCycles?: number;
}

export function boot(c: Case, engine: EngineKind): Hypervisor {
  const ws = new Workspace(c.host ?? diskHost);
  const result = bootSystem(ws, { file: c.file, system: c.system, options: { maxCycles: c.maxCycles ?? 2_000_000 }, engine });
  if (!result.ok) throw new Error(`${c.label}: ${result.message}: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.hv;
}

export function report(hv: Hypervisor): string {
  const end = hv.run();
  return JSON.stringify(runReport(hv, end));
}

export function parsed(json: string): RunReport {
  return JSON.parse(json) as RunReport;
}

/** Runs with a hook that stops before every k-th boundary and resumes at once; returns the report and the stops. */
export function reportWithStops(c: Case, engine: EngineKind, k: number): { json: string; stops: number } {
  const hv = boot(c, engine);
  let seen = 0;
  let stops = 0;
  hv.engine.boundaryHook = () => ++seen % k === 0;
  if (hv.engine instanceof FastEngine) hv.engine.stopEverywhere = true;
  while (hv.end === undefined) if (hv.step() === 'breakpoint') stops++;
  return { json: JSON.stringify(runReport(hv, hv.end)), stops };
}

/** Runs switching engines between scheduling steps: frames must carry over. */
export function reportSwitchingEngines(c: Case): string {
  const hv = boot(c, 'fast');
  const engines = (['fast', 'interpreter', 'step'] as const).map((k) => makeEngine(hv, k));
  let i = 0;
  while (hv.end === undefined) {
    hv.engine = engines[i++ % engines.length];
    hv.step();
  }
  return JSON.stringify(runReport(hv, hv.end));
}

/** Every system of the examples and the valid fixtures. */
export function exampleCases(): Case[] {
  const cases: Case[] = [
    { label: 'tour', file: path.join(ROOT, 'examples/tour/tour.pvk') },
    ...['bare_metal', 'pv', 'pv_patched'].map((s) => ({ label: `paravirt ${s}`, file: path.join(ROOT, 'examples/paravirt/paravirt.pvk'), system: s })),
    ...['spinning', 'paravirt'].map((s) => ({ label: `pvspin ${s}`, file: path.join(ROOT, 'examples/pvspin/systems.pvk'), system: s })),
  ];
  const fixture = path.join(ROOT, 'test/fixtures/valid/system.pvk');
  if (fs.existsSync(fixture)) cases.push({ label: 'fixture valid/system', file: fixture });
  return cases;
}

/** The profiling engine, but with extension handlers run in the evaluator instead of compiled (to compare the two). */
class EvaluatingProfiler extends FastEngine {
  override readonly compiledHandlers = false;
}

/**
 * profileHypervisor() of sandbox/profile/profileSystem.ts, with the extension
 * handlers compiled (as it runs them) or, with `compiledHandlers` false, in
 * the evaluator: the run's report and its profile, as JSON.
 */
export function profileJson(c: Case, compiledHandlers: boolean): string {
  const hv = boot(c, 'fast');
  const recorder = new Recorder(hv.domains, (nr) => hv.hypercallName(nr));
  hv.engine = compiledHandlers ? new FastEngine(hv, false, recorder) : new EvaluatingProfiler(hv, false, recorder);
  hv.scheduling = recorder;
  hv.handlerObserver = recorder.handlers;
  const end = hv.run();
  const profile: Profile = buildProfile(hv, recorder, c.file, (f) => (c.host ?? diskHost).readFile(f));
  return JSON.stringify({ report: runReport(hv, end), profile });
}
