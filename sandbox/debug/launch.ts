import type { DebugProtocol } from '@vscode/debugprotocol';
import { RUN_DEFAULTS } from '../run/options.js';

/**
 * The attributes of a `pvlab` launch configuration, their types and defaults:
 * what the adapter reads, what package.json declares in the debugger's
 * `configurationAttributes.launch`, and what new configurations start from
 * (test/unit/contributions.test.ts checks package.json against this table).
 */
export const LAUNCH_ATTRIBUTES = {
  /** The system file. */
  program: { type: 'string', required: true, default: '${file}' },
  /** Which system in it (the first when absent). */
  system: { type: 'string', required: false, default: undefined },
  stopOnEntry: { type: 'boolean', required: false, default: false },
  maxCycles: { type: 'number', required: false, default: RUN_DEFAULTS.maxCycles },
  patchPvops: { type: 'boolean', required: false, default: RUN_DEFAULTS.patchPvops },
} as const;

type ValueOf<A> = A extends { type: 'string' } ? string : A extends { type: 'boolean' } ? boolean : number;

/** A launch configuration's pvlab attributes, each optional (the adapter applies the defaults). */
export type LaunchAttributes = { [K in keyof typeof LAUNCH_ATTRIBUTES]?: ValueOf<(typeof LAUNCH_ATTRIBUTES)[K]> };

export type PvlabLaunchArguments = DebugProtocol.LaunchRequestArguments & LaunchAttributes;

/** The debugger type in package.json and in every launch configuration. */
export const DEBUG_TYPE = 'pvlab';

/** A new launch configuration for a system file: F5 without launch.json, Debug System, and the first configuration of a new launch.json. */
export function launchConfiguration(name: string, program: string, system?: string): { type: string; request: 'launch'; name: string; program: string; system?: string; stopOnEntry: boolean } {
  return { type: DEBUG_TYPE, request: 'launch', name, program, ...(system !== undefined ? { system } : {}), stopOnEntry: LAUNCH_ATTRIBUTES.stopOnEntry.default };
}
