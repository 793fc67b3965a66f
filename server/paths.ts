import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';

/** Where the shipped hypercall table lives next to the bundle (the build copies it to dist/abi/). */
export const SHIPPED_ABI_PATH = path.join(__dirname, 'abi', 'xen.pvk');

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file === BUILTIN_ABI_FILE ? SHIPPED_ABI_PATH : file).href;
}
