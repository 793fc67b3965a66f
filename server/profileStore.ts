import * as path from 'node:path';
import type { Profile } from '../sandbox/profile/types.js';

/** One stored profile and the order it arrived in (later wins where two cover a file). */
export interface StoredProfile {
  profile: Profile;
  seq: number;
}

/**
 * The profiles the extension sent (`pvlab/profileLoaded`): the latest one per
 * system file. A newer profile of the same system file replaces the older
 * one, whichever system of the file it ran; where profiles of different
 * system files cover the same source file, hints come from the latest loaded.
 */
export class ProfileStore {
  private readonly bySystemFile = new Map<string, StoredProfile>();
  private seq = 0;

  /** Stores a profile; returns an error text when the params do not hold one. */
  load(params: unknown): string | undefined {
    const profile = (params as { profile?: unknown } | null | undefined)?.profile;
    const problem = checkProfile(profile);
    if (problem) return problem;
    const p = profile as Profile;
    this.bySystemFile.set(path.resolve(p.systemFile), { profile: p, seq: ++this.seq });
    return undefined;
  }

  /** Forgets the profile of one system file, or every profile when none is named. */
  clear(params: unknown): void {
    const file = (params as { systemFile?: unknown } | null | undefined)?.systemFile;
    if (typeof file === 'string') this.bySystemFile.delete(path.resolve(file));
    else this.bySystemFile.clear();
  }

  /** The latest profile that covers a source file, and the file's index in it. */
  forFile(file: string): { profile: Profile; index: number } | undefined {
    let best: { stored: StoredProfile; index: number } | undefined;
    for (const stored of this.bySystemFile.values()) {
      const index = stored.profile.files.findIndex((f) => path.resolve(f) === file);
      if (index >= 0 && (!best || stored.seq > best.stored.seq)) best = { stored, index };
    }
    return best ? { profile: best.stored.profile, index: best.index } : undefined;
  }

  get size(): number {
    return this.bySystemFile.size;
  }
}

/** Enough of a shape check that the hint code can trust the arrays it walks. */
function checkProfile(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null) return 'params.profile is missing';
  const o = p as Record<string, unknown>;
  if (o.version !== 1) return `unsupported profile version ${String(o.version)}`;
  if (typeof o.systemFile !== 'string' || typeof o.system !== 'string') return 'profile without systemFile or system';
  for (const key of ['files', 'fileHashes', 'nodes', 'lines', 'sites'] as const) {
    if (!Array.isArray(o[key])) return `profile.${key} is not an array`;
  }
  if ((o.files as unknown[]).length !== (o.fileHashes as unknown[]).length) return 'profile.files and profile.fileHashes differ in length';
  const summary = o.summary as { domains?: unknown } | undefined;
  if (!summary || !Array.isArray(summary.domains)) return 'profile.summary.domains is not an array';
  return undefined;
}
