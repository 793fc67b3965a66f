import * as fs from 'node:fs';
import { findPvkFiles } from '../lang/fileHost.js';
import * as path from 'node:path';
import type { CliIo } from './io.js';

/**
 * The `.pvk` files that command-line targets name: a file as given, a
 * directory as every `.pvk` under it. A target that does not exist is bad
 * usage: the message comes back instead of files.
 */
export function resolveTargets(targets: readonly string[], io: Pick<CliIo, 'cwd'>): { files: string[] } | { missing: string } {
  const files: string[] = [];
  for (const t of targets) {
    const full = path.resolve(io.cwd, t);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(full);
    } catch {
      stat = undefined;
    }
    if (!stat) return { missing: t };
    if (stat.isDirectory()) files.push(...findPvkFiles(full));
    else files.push(full);
  }
  return { files };
}
