import type { Connection } from 'vscode-languageserver';

/**
 * The `pvlab.hints` setting: how many profile hints and lenses the editor
 * shows. `hot` (the default): hot lines and problems only (traps, VM exits,
 * what patch_pvops or a multicall would save), lenses on hot functions;
 * `all`: every line and function a profile has numbers for, and the ABI lens
 * on every hypercall; `off`: no profile hints or lenses, no ABI lenses (the
 * Run · Debug · Profile · Compare lenses stay).
 */
export type HintDensity = 'all' | 'hot' | 'off';

export const DEFAULT_DENSITY: HintDensity = 'hot';

/** Under `hot`, a line is shown when it holds at least this share of a domain's cycles (or a problem)… */
export const HOT_DENSITY_LINE_SHARE = 0.05;
/** …and a function lens when the function's inclusive cycles are at least this share. */
export const HOT_DENSITY_FUNCTION_SHARE = 0.1;

export function parseDensity(value: unknown): HintDensity | undefined {
  return value === 'all' || value === 'hot' || value === 'off' ? value : undefined;
}

/** The value of `pvlab.hints` in an object shaped like settings (`{ pvlab: { hints } }`) or initialization options (`{ hints }`). */
function densityIn(settings: unknown): HintDensity | undefined {
  if (typeof settings !== 'object' || settings === null) return undefined;
  const o = settings as { pvlab?: { hints?: unknown }; hints?: unknown };
  return parseDensity(o.pvlab?.hints ?? o.hints);
}

/**
 * Follows `pvlab.hints`: from the client's initialization options, then from
 * each `workspace/didChangeConfiguration` (the client pushes the `pvlab`
 * section); calls `changed` when the density changes.
 */
export class HintSettings {
  density: HintDensity = DEFAULT_DENSITY;

  initialize(initializationOptions: unknown): void {
    this.density = densityIn(initializationOptions) ?? DEFAULT_DENSITY;
  }

  listen(connection: Connection, changed: () => void): void {
    connection.onDidChangeConfiguration((p) => {
      const next = densityIn(p.settings) ?? DEFAULT_DENSITY;
      if (next === this.density) return;
      this.density = next;
      changed();
    });
  }
}
