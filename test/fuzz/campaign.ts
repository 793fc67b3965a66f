// Helpers shared by the fuzz campaigns of this folder.

/** A whole-number environment variable (PVLAB_FUZZ_RUNS, PVLAB_FUZZ_SEED), or `fallback` when unset. */
export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got '${v}'`);
  return n;
}

/** An exception in one line: its kind, message and the first two stack frames. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message} ${(e.stack ?? '').split('\n').slice(1, 3).map((s) => s.trim()).join(' ')}`;
  return String(e);
}

/** Where two reports first differ, with some context on both sides. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `reports differ at byte ${i}: …${a.slice(Math.max(0, i - 60), i + 60)}… vs …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}
