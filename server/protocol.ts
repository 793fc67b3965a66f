/**
 * The pvlab messages between the extension and the language server, beyond
 * LSP: their method names and shapes, in one place for both sides.
 */
import type { Profile } from '../sandbox/profile/types.js';

/** Notification, extension → server: a profile was taken or restored; hints and lenses follow it. */
export const PROFILE_LOADED = 'pvlab/profileLoaded';
export interface ProfileLoadedParams {
  profile: Profile;
}

/** Notification, extension → server: forget the profile of one system file (or every profile). */
export const PROFILE_CLEARED = 'pvlab/profileCleared';
export interface ProfileClearedParams {
  systemFile?: string;
}

/** Request, extension → server: the systems the server knows, in one file (`uri`) or in the whole workspace. */
export const SYSTEMS = 'pvlab/systems';
export interface SystemsParams {
  /** A document's URI; absent: every system of the workspace. */
  uri?: string;
}
export interface SystemEntry {
  /** The URI of the file that declares the system. */
  uri: string;
  name: string;
}
export type SystemsResult = SystemEntry[];

/** An LSP range (0-based lines and UTF-16 columns), spelled out so this module imports nothing. */
export interface ProtocolRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/**
 * Request, extension → server: does a system compile, as `pvlab run` would
 * check it? Asked before Run, Debug and Profile, after the pvk files are saved.
 */
export const CHECK_SYSTEM = 'pvlab/checkSystem';
export interface CheckSystemParams {
  /** The system file's URI. */
  uri: string;
  /** The system's name; the file's first system when absent. */
  system?: string;
}
export interface CheckSystemResult {
  ok: boolean;
  /** Why it cannot boot (`system X does not compile`, `no system in …`); empty when ok. */
  message: string;
  /** How many errors keep it from booting. */
  errors: number;
  /** The first of them, when there is one to point at. */
  first?: { uri: string; range: ProtocolRange; code: string; message: string };
}

/**
 * `initializationOptions` of the extension's `initialize` request, beside
 * `hints` (the `pvlab.hints` setting, read by hintDensity.ts).
 */
export interface InitializationOptions {
  hints?: unknown;
  /**
   * The extension registers its own code lens provider for pvk, at
   * activation, before the server runs (extension/earlyCodeLenses.ts): the
   * server then announces no `codeLensProvider`, so that the client library
   * registers no second one, and answers `textDocument/codeLens` all the same.
   */
  clientCodeLensProvider?: boolean;
}

/** Whether `initializationOptions` say the client registers its own code lens provider. */
export function clientHasCodeLensProvider(initializationOptions: unknown): boolean {
  return typeof initializationOptions === 'object' && initializationOptions !== null && (initializationOptions as InitializationOptions).clientCodeLensProvider === true;
}
