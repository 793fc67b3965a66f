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
