import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';

/** Where the shipped hypercall table lives next to the bundle (the build copies it to dist/abi/). */
export const SHIPPED_ABI_PATH = path.join(__dirname, 'abi', 'xen.pvk');

/** Paths of URIs seen lately: every keystroke names its document's URI, and converting one costs microseconds. */
const PATHS = new Map<string, string | undefined>();
const PATHS_KEPT = 4096;

export function uriToPath(uri: string): string | undefined {
  if (PATHS.has(uri)) return PATHS.get(uri);
  let file: string | undefined;
  if (uri.startsWith('file:')) {
    try {
      file = path.resolve(fileURLToPath(uri));
    } catch {
      file = undefined;
    }
  }
  if (PATHS.size >= PATHS_KEPT) PATHS.clear();
  PATHS.set(uri, file);
  return file;
}

export function pathToUri(file: string): string {
  return pathToFileURL(file === BUILTIN_ABI_FILE ? SHIPPED_ABI_PATH : file).href;
}
