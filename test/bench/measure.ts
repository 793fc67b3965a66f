/** Timing helpers for `npm run bench`: medians of repeated runs after a warm-up. No timed assertions. */
export interface Timing {
  median: number;
  p95: number;
  runs: number;
}

export function measure(fn: () => void, { warmup = 3, runs = 15 } = {}): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

export function summarize(times: readonly number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95), runs: sorted.length };
}

export function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 12)).join(' ');
}

export const ms = (x: number): string => `${x.toFixed(2)} ms`;

/** A ratio against its target, marked so a reader sees which miss: `1.23× ok` or `1.80× OVER`. */
export const marked = (ratio: number, target: number): string => `${ratio.toFixed(2)}× ${ratio <= target ? 'ok  ' : 'OVER'}`;

/** The profiler's target (issue 10): a profiled run within this many times the unprofiled one, on every workload. */
export const PROFILED_TARGET = 1.5;
