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

/** Which system to compile: the file's first system, or the one named. */
export interface SystemChoice {
  file: string;
  /** The system's name; the file's first system when absent. */
  system?: string;
}

export interface BootRequest extends SystemChoice {
  options: BootOptions;
  engine?: EngineKind;
}

/** The cannot-boot outcome: the system's errors, or a message when there is nothing to point at. */
export type BootFailure = { ok: false; diagnostics: Diagnostic[]; message: string; analysis: Analysis };

/** A system that compiles: its configuration and one program per kernel file, ready to boot any number of times. */
export type CompiledSystem = { ok: true; system: SystemConfig; programs: ReadonlyMap<string, Program>; analysis: Analysis };

export type CompileResult = CompiledSystem | BootFailure;

export type BootResult = { ok: true; hv: Hypervisor; system: SystemConfig; analysis: Analysis } | BootFailure;

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
  const compiled = compileSystem(analyze(ws, [request.file]), request);
  if (!compiled.ok) return compiled;
  return { ok: true, hv: startHypervisor(compiled, request), system: compiled.system, analysis: compiled.analysis };
}

/** A booted, not yet running hypervisor for a compiled system, with the requested engine installed. */
export function startHypervisor(compiled: CompiledSystem, request: Pick<BootRequest, 'options' | 'engine'>): Hypervisor {
  const hv = new Hypervisor(compiled.system, compiled.programs, request.options);
  hv.engine = makeEngine(hv, request.engine);
  return hv;
}

/**
 * Picks the system from an analysis of its file and lowers every kernel it
 * boots, from the analysis' own files and name tables (nothing is read again).
 */
export function compileSystem(analysis: Analysis, request: SystemChoice): CompileResult {
  const inFile = analysis.systems.filter((s) => s.config.file === request.file);
  if (inFile.length === 0) {
    return { ok: false, diagnostics: errorsOf(analysis, [request.file]), message: `no system in ${request.file}`, analysis };
  }
  const chosen = request.system === undefined ? inFile[0] : inFile.find((s) => s.config.name === request.system);
  if (!chosen) {
    const names = inFile.map((s) => s.config.name).join(', ');
    return { ok: false, diagnostics: [], message: `no system '${request.system}' in ${request.file} (it has ${names})`, analysis };
  }
  const files = analysis.snapshot;
  const paths = new Set<string>([request.file]);
  for (const d of chosen.config.domains) for (const f of files.closure(d.kernel)) paths.add(f.source.path);
  const errors = errorsOf(analysis, [...paths]).concat(chosen.diagnostics.filter((d) => d.severity === 'error'));
  if (errors.length > 0 || !chosen.bootable) {
    return { ok: false, diagnostics: dedupe(errors), message: `system ${chosen.config.name} does not compile`, analysis };
  }
  const programs = new Map<string, Program>();
  for (const d of chosen.config.domains) {
    if (!programs.has(d.kernel)) programs.set(d.kernel, lowerKernel(files.closure(d.kernel), files.items(d.kernel)));
  }
  return { ok: true, system: chosen.config, programs, analysis };
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
