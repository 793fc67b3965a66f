import xenAbiText from '../abi/xen.pvk';
import type { AbiItem, HypercallDecl } from './ast.js';
import { parse } from './parser.js';

/** The path under which the built-in table's items are reported. */
export const BUILTIN_ABI_FILE = 'pvlab:abi/xen.pvk';

export interface HypercallTable {
  abi: AbiItem;
  byName: ReadonlyMap<string, HypercallDecl>;
  byNumber: ReadonlyMap<number, HypercallDecl>;
  text: string;
}

let builtin: HypercallTable | undefined;

/** The shipped hypercall table (sandbox/abi/xen.pvk), parsed once. */
export function builtinAbi(): HypercallTable {
  if (!builtin) builtin = loadAbi(BUILTIN_ABI_FILE, xenAbiText);
  return builtin;
}

export function loadAbi(file: string, text: string): HypercallTable {
  const parsed = parse(file, text);
  const abi = parsed.ast.items.find((i): i is AbiItem => i.kind === 'abi');
  if (!abi || parsed.diagnostics.length > 0) {
    const first = parsed.diagnostics[0];
    throw new Error(`built-in ABI table ${file} is broken${first ? `: ${first.message}` : ''}`);
  }
  return {
    abi,
    byName: new Map(abi.hypercalls.map((h) => [h.name.name, h])),
    byNumber: new Map(abi.hypercalls.map((h) => [h.number, h])),
    text,
  };
}

/** Compares versions such as "4.2" and "3.10"; negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : (an ?? 0) - (bn ?? 0);
}
