import type { WorkspaceConfiguration } from 'vscode';
import { RUN_DEFAULTS } from '../sandbox/run/options.js';

/** The section of every pvlab setting (`pvlab.maxCycles`, …). */
export const SETTINGS_SECTION = 'pvlab';

/** What Run, Debug and Profile System take from the settings. */
export interface RunSettings {
  /** `pvlab.maxCycles` */
  maxCycles: number;
  /** `pvlab.patchPvops` */
  patchPvops: boolean;
}

/**
 * The one reader of the run settings, for Run, Debug and Profile System:
 * `config` is `vscode.workspace.getConfiguration(SETTINGS_SECTION, resource)`.
 * Unset settings take the run defaults (sandbox/run/options.ts).
 */
export function readRunSettings(config: Pick<WorkspaceConfiguration, 'get'>): RunSettings {
  return {
    maxCycles: config.get<number>('maxCycles', RUN_DEFAULTS.maxCycles),
    patchPvops: config.get<boolean>('patchPvops', RUN_DEFAULTS.patchPvops),
  };
}

/** Fills what a launch configuration leaves out from the run settings (its own attributes win). */
export function applyRunSettings(config: { [attribute: string]: unknown; maxCycles?: unknown; patchPvops?: unknown }, settings: RunSettings): void {
  config.maxCycles ??= settings.maxCycles;
  config.patchPvops ??= settings.patchPvops;
}

/** `run FILE --max-cycles N [--system S] [--patch-pvops]`: the CLI arguments with which Run and Profile System start it. */
export function cliRunArgs(file: string, system: string | undefined, settings: RunSettings): string[] {
  const args = ['run', file, '--max-cycles', String(settings.maxCycles)];
  if (system) args.push('--system', system);
  if (settings.patchPvops) args.push('--patch-pvops');
  return args;
}

/** `pvlab.hints` (`all | hot | off`), passed to the language server at start; the server validates it (server/hintDensity.ts). */
export function readHintDensity(config: Pick<WorkspaceConfiguration, 'get'>): string | undefined {
  return config.get<string>('hints');
}
