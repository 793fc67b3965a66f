import { analyze, type Analysis } from '../lang/analysis.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { Workspace } from '../lang/program.js';
import type { SystemConfig } from '../lang/systems.js';
import { Hypervisor, type BootOptions } from '../hv/hypervisor.js';
import type { Engine } from '../vm/engine.js';
import { FastEngine } from '../vm/fastEngine.js';
import { Interpreter } from '../vm/interpreter.js';
import type { Program } from '../machine/ir.js';
import { lowerKernel } from '../vm/lower.js';

/**
 * `fast`: generated JavaScript for runs and profiles; `step`: the same
 * generator with every statement boundary a stop point, for the debugger;
 * `interpreter`: an independent reference implementation that tests compare against.
 */
export type EngineKind = 'fast' | 'step' | 'interpreter';

export interface BootRequest {
  file: string;
  /** The system's name; the file's first system when absent. */
  system?: string;
  options: BootOptions;
  engine?: EngineKind;
}

export type BootResult =
  | { ok: true; hv: Hypervisor; system: SystemConfig; analysis: Analysis }
  /** The system cannot boot: its errors, or a message when there is nothing to point at. */
  | { ok: false; diagnostics: Diagnostic[]; message: string; analysis?: Analysis };

/** The engine a hypervisor runs its vCPUs with. */
export function makeEngine(hv: Hypervisor, kind: EngineKind = 'fast'): Engine {
  if (kind === 'interpreter') return new Interpreter(hv);
  return new FastEngine(hv, kind === 'step');
}

/**
 * Checks a system file, compiles every kernel its chosen system boots, and
 * boots it (not yet running). Anything that keeps it from booting comes back
 * as diagnostics, never as an exception.
 */
export function bootSystem(ws: Workspace, request: BootRequest): BootResult {
  const analysis = analyze(ws, [request.file]);
  const inFile = analysis.systems.filter((s) => s.config.file === request.file);
  if (inFile.length === 0) {
    return { ok: false, diagnostics: errorsOf(analysis, [request.file]), message: `no system in ${request.file}`, analysis };
  }
  const chosen = request.system === undefined ? inFile[0] : inFile.find((s) => s.config.name === request.system);
  if (!chosen) {
    const names = inFile.map((s) => s.config.name).join(', ');
    return { ok: false, diagnostics: [], message: `no system '${request.system}' in ${request.file} (it has ${names})`, analysis };
  }
  const files = new Set<string>([request.file]);
  for (const d of chosen.config.domains) for (const f of ws.closure(d.kernel)) files.add(f.source.path);
  const errors = errorsOf(analysis, [...files]).concat(chosen.diagnostics.filter((d) => d.severity === 'error'));
  if (errors.length > 0 || !chosen.bootable) {
    return { ok: false, diagnostics: dedupe(errors), message: `system ${chosen.config.name} does not compile`, analysis };
  }
  const programs = new Map<string, Program>();
  for (const d of chosen.config.domains) {
    if (!programs.has(d.kernel)) programs.set(d.kernel, lowerKernel(ws.closure(d.kernel)));
  }
  const hv = new Hypervisor(chosen.config, programs, request.options);
  hv.engine = makeEngine(hv, request.engine);
  return { ok: true, hv, system: chosen.config, analysis };
}

function errorsOf(analysis: Analysis, files: readonly string[]): Diagnostic[] {
  return files.flatMap((f) => (analysis.diagnostics.get(f) ?? []).filter((d) => d.severity === 'error'));
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.span.start}:${d.span.end}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
