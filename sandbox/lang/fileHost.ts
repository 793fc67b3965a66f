import * as fs from 'node:fs';
import type { FileHost } from './program.js';

/** Reads files from the disk; a directory, a missing file or an unreadable one reads as undefined. */
export const diskHost: FileHost = {
  readFile(file: string): string | undefined {
    try {
      if (!fs.statSync(file).isFile()) return undefined;
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Every `.pvk` file under a directory, in sorted order, skipping node_modules and dot-folders. */
export function findPvkFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = `${d}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(full);
      } else if (e.isFile() && e.name.endsWith('.pvk')) out.push(full);
    }
  };
  walk(dir);
  return out;
}
