/**
 * The defaults of a run, in one place: `pvlab run` and `pvlab compare`
 * (--max-cycles, --patch-pvops), the debug adapter's launch attributes
 * (debug/launch.ts) and the extension's settings (extension/settings.ts).
 * test/unit/contributions.test.ts holds package.json to them.
 */
export const RUN_DEFAULTS = {
  /** The cycle limit: elapsed virtual time at which the run ends with `max-cycles` (spec section 7). */
  maxCycles: 1_000_000_000,
  /** Boot as if the system declared `patch_pvops`. */
  patchPvops: false,
} as const;
