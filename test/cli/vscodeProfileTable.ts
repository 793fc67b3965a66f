/**
 * A .cpuprofile read the way VS Code's built-in profile table (ms-vscode.js-profile-table)
 * reads it, as far as what it shows: a sample owns the time delta before it, a node's
 * self time is the sum of what its samples own, its total adds its children's; nodes at
 * the same place (function name, url, line, column) are one row; the Self Time code lens
 * on a line of a file sums the rows there and prints milliseconds with two decimals.
 */
import { fileURLToPath } from 'node:url';
import type { CpuProfile } from '../../sandbox/profile/cpuprofile.js';

export interface TableRow {
  name: string;
  file: string | undefined;
  /** 0-based, as in the callFrame. */
  line: number;
  selfTime: number;
  totalTime: number;
}

export function profileTableRows(cpu: CpuProfile): TableRow[] {
  const self = new Map<number, number>();
  for (let i = 1; i < cpu.samples.length; i++) self.set(cpu.samples[i], (self.get(cpu.samples[i]) ?? 0) + cpu.timeDeltas[i - 1]);
  const byId = new Map(cpu.nodes.map((n) => [n.id, n]));
  const totals = new Map<number, number>();
  const total = (id: number): number => {
    const known = totals.get(id);
    if (known !== undefined) return known;
    const t = (self.get(id) ?? 0) + (byId.get(id)?.children ?? []).reduce((a, c) => a + total(c), 0);
    totals.set(id, t);
    return t;
  };
  const rows = new Map<string, TableRow>();
  for (const n of cpu.nodes) {
    const f = n.callFrame;
    const key = [f.functionName, f.url, f.scriptId, f.lineNumber, f.columnNumber].join(':');
    const row = rows.get(key) ?? { name: f.functionName, file: f.url.startsWith('file:') ? fileURLToPath(f.url) : undefined, line: f.lineNumber, selfTime: 0, totalTime: 0 };
    row.selfTime += self.get(n.id) ?? 0;
    row.totalTime += total(n.id);
    rows.set(key, row);
  }
  return [...rows.values()];
}

const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The Self Time lenses VS Code puts on the lines of `file` (0-based line → text). */
export function selfTimeLenses(cpu: CpuProfile, file: string): Map<number, string> {
  const perLine = new Map<number, { selfTime: number; totalTime: number }>();
  for (const r of profileTableRows(cpu)) {
    if (r.file !== file) continue;
    const line = Math.max(0, r.line);
    const at = perLine.get(line) ?? { selfTime: 0, totalTime: 0 };
    at.selfTime += r.selfTime;
    at.totalTime += r.totalTime;
    perLine.set(line, at);
  }
  const out = new Map<number, string>();
  for (const [line, t] of perLine) {
    if (t.selfTime === 0 && t.totalTime === 0) continue;
    out.set(line, `${twoDecimals.format(t.selfTime / 1000)}ms Self Time, ${twoDecimals.format(t.totalTime / 1000)}ms Total`);
  }
  return out;
}
