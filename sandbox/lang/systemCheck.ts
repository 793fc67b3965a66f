import { analyze, type Analysis } from './analysis.js';
import type { Diagnostic } from './diagnostics.js';
import type { Workspace } from './program.js';
import type { SystemConfig } from './systems.js';

/** Which system to compile: the file's first system, or the one named. */
export interface SystemChoice {
  file: string;
  /** The system's name; the file's first system when absent. */
  system?: string;
}

/** The cannot-boot outcome: the system's errors (in file order, the first one first), or a message when there is nothing to point at. */
export type BootFailure = { ok: false; diagnostics: Diagnostic[]; message: string; analysis: Analysis };

export type SystemCheck = { ok: true; system: SystemConfig; analysis: Analysis } | BootFailure;

/**
 * Checks that the chosen system of a system file compiles: the file, every
 * kernel it boots and what they import have no error, and the system is
 * bootable. What the editor asks before Run, Debug and Profile, and what
 * booting asks first.
 */
export function checkSystem(ws: Workspace, request: SystemChoice): SystemCheck {
  return chooseSystem(analyze(ws, [request.file]), request);
}

/** checkSystem over an analysis already made of the system's file (its files and closures are not read again). */
export function chooseSystem(analysis: Analysis, request: SystemChoice): SystemCheck {
  const inFile = analysis.systems.filter((s) => s.config.file === request.file);
  if (inFile.length === 0) {
    return { ok: false, diagnostics: errorsOf(analysis, [request.file]), message: `no system in ${request.file}`, analysis };
  }
  const chosen = request.system === undefined ? inFile[0] : inFile.find((s) => s.config.name === request.system);
  if (!chosen) {
    const names = inFile.map((s) => s.config.name).join(', ');
    return { ok: false, diagnostics: [], message: `no system '${request.system}' in ${request.file} (it has ${names})`, analysis };
  }
  const paths = new Set<string>([request.file]);
  for (const d of chosen.config.domains) for (const f of analysis.snapshot.closure(d.kernel)) paths.add(f.source.path);
  const errors = errorsOf(analysis, [...paths]).concat(chosen.diagnostics.filter((d) => d.severity === 'error'));
  if (errors.length > 0 || !chosen.bootable) {
    return { ok: false, diagnostics: dedupe(errors), message: `system ${chosen.config.name} does not compile`, analysis };
  }
  return { ok: true, system: chosen.config, analysis };
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
