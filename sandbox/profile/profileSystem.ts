import { analyze } from '../lang/analysis.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { Workspace } from '../lang/program.js';
import type { BootOptions, Hypervisor, RunEnd } from '../hv/hypervisor.js';
import { compileSystem, startHypervisor, type CompiledSystem } from '../run/boot.js';
import { runReport, type RunReport } from '../run/report.js';
import { FastEngine } from '../vm/fastEngine.js';
import { buildProfile } from './build.js';
import { Recorder } from './recorder.js';
import type { Profile } from './types.js';

export interface ProfileRequest {
  file: string;
  /** The system's name; the file's first system when absent. */
  system?: string;
  options: BootOptions;
}

export interface ProfiledRun {
  ok: true;
  report: RunReport;
  profile: Profile;
  hv: Hypervisor;
}

export type ProfileResult = ProfiledRun | { ok: false; diagnostics: Diagnostic[]; message: string };

/**
 * Boots a system and runs it on the profiling engine (the fast engine's
 * code with exact cycle attribution), returning the same run report a plain
 * run gives and the profile of that run.
 */
export function profileSystem(ws: Workspace, request: ProfileRequest): ProfileResult {
  const compiled = compileSystem(analyze(ws, [request.file]), request);
  if (!compiled.ok) return { ok: false, diagnostics: compiled.diagnostics, message: compiled.message };
  return profileCompiled(compiled, request);
}

/** profileSystem() for a system already compiled from its analysis (the profile hashes the analysed texts). */
export function profileCompiled(compiled: CompiledSystem, request: ProfileRequest): ProfiledRun {
  const hv = startHypervisor(compiled, request);
  const { end, profile } = profileHypervisor(hv, request.file, (f) => compiled.analysis.snapshot.file(f)?.source.text);
  return { ok: true, report: runReport(hv, end), profile, hv };
}

/** Runs a booted, not yet started hypervisor on the profiling engine to its end. */
export function profileHypervisor(hv: Hypervisor, systemFile: string, readText: (path: string) => string | undefined): { end: RunEnd; profile: Profile } {
  const recorder = new Recorder(hv.domains, (nr) => hv.hypercallName(nr));
  const engine = new FastEngine(hv, false, recorder);
  hv.engine = engine;
  hv.scheduling = recorder;
  hv.handlerObserver = recorder.handlers;
  const end = hv.run();
  engine.release();
  return { end, profile: buildProfile(hv, recorder, systemFile, readText) };
}
