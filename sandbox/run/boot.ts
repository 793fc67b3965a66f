import type { Analysis } from '../lang/analysis.js';
import type { Diagnostic } from '../lang/diagnostics.js';
import type { Workspace } from '../lang/program.js';
import type { SystemConfig } from '../lang/systems.js';
import { Hypervisor, type BootOptions } from '../hv/hypervisor.js';
import type { Engine } from '../vm/engine.js';
import { FastEngine } from '../vm/fastEngine.js';
import { Interpreter } from '../vm/interpreter.js';
import type { Program } from '../vm/ir.js';
import { lowerKernel } from '../vm/lower.js';
import { checkSystem } from './check.js';

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
  const checked = checkSystem(ws, request);
  if (!checked.ok) return checked;
  const { system, analysis } = checked;
  const programs = new Map<string, Program>();
  for (const d of system.domains) {
    if (!programs.has(d.kernel)) programs.set(d.kernel, lowerKernel(ws.closure(d.kernel)));
  }
  const hv = new Hypervisor(system, programs, request.options);
  hv.engine = makeEngine(hv, request.engine);
  return { ok: true, hv, system, analysis };
}
