import { analyze, type Analysis } from '../lang/analysis.js';
import type { Workspace } from '../lang/program.js';
import type { SystemConfig } from '../lang/systems.js';
import { Hypervisor, type BootOptions } from '../hv/hypervisor.js';
import type { Engine } from '../vm/engine.js';
import { FastEngine } from '../vm/fastEngine.js';
import { Interpreter } from '../vm/interpreter.js';
import type { Program } from '../machine/ir.js';
import { lowerKernel } from '../vm/lower.js';
import { chooseSystem, type BootFailure, type SystemChoice } from '../lang/systemCheck.js';

export type { BootFailure, SystemChoice };

/**
 * `fast`: generated JavaScript for runs and profiles; `step`: the same
 * generator with every statement boundary a stop point, for the debugger;
 * `interpreter`: an independent reference implementation that tests compare against.
 */
export type EngineKind = 'fast' | 'step' | 'interpreter';

export interface BootRequest extends SystemChoice {
  options: BootOptions;
  engine?: EngineKind;
}

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
  for (const program of compiled.programs.values()) hv.engine.prepare?.(program);
  return hv;
}

/**
 * Picks the system from an analysis of its file and lowers every kernel it
 * boots, from the analysis' own files and name tables (nothing is read again).
 */
export function compileSystem(analysis: Analysis, request: SystemChoice): CompileResult {
  const checked = chooseSystem(analysis, request);
  if (!checked.ok) return checked;
  const files = analysis.snapshot;
  const programs = new Map<string, Program>();
  for (const d of checked.system.domains) {
    if (!programs.has(d.kernel)) programs.set(d.kernel, lowerKernel(files.closure(d.kernel), files.items(d.kernel)));
  }
  return { ok: true, system: checked.system, programs, analysis };
}

