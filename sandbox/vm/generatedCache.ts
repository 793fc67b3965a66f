import { generate, type GeneratedProgram } from './codegen.js';
import { flatOf } from './flat.js';
import type { Loc, Program } from '../machine/ir.js';

/**
 * Generated code by what it is generated from: a program's functions (the
 * only part of a program the generator reads) and the variant. Booting or
 * profiling the same kernel again, as a new Program, then skips generating
 * its code. The text of the functions' IR is the key, so two programs share
 * an entry only when their code would be the same; the fault locations are
 * plain data, read by content. Oldest entries go first past the bound.
 */
const caches = [0, 1, 2, 3].map(() => new Map<string, { source: string; locs: Loc[] }>());
/** Entries per variant. */
const CACHE_SIZE = 32;
/** The key text of each program's functions, made once per program (its boot's compile makes it for the profiler's too). */
const keys = new WeakMap<Program, string>();

function keyOf(program: Program): string {
  let key = keys.get(program);
  if (key === undefined) {
    key = JSON.stringify(program.functions);
    keys.set(program, key);
  }
  return key;
}

/** generate(), or the code generated before from the same functions and variant (the flattened code is the program's own). */
export function generateCached(program: Program, stepping: boolean, profiling: boolean): GeneratedProgram {
  // One map per variant: the key is the program's own key string (its hash is computed once).
  const cache = caches[(stepping ? 2 : 0) + (profiling ? 1 : 0)];
  const key = keyOf(program);
  const known = cache.get(key);
  if (known !== undefined) return { source: known.source, locs: known.locs, flat: flatOf(program) };
  const gen = generate(program, stepping, profiling);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, { source: gen.source, locs: gen.locs });
  return gen;
}
