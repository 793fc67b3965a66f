import * as path from 'node:path';
import type { CountStat, Profile } from './types.js';
import { withCommas } from '../run/digits.js';

const num = (n: number): string => withCommas(Math.round(n));

function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (row: string[]): string => indent + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(header), ...rows.map(fmt)];
}

function statRows(stats: Record<string, CountStat>): string[][] {
  return Object.entries(stats).map(([name, s]) => [name, num(s.count), num(s.cycles), num(s.min), num(s.avg), num(s.max)]);
}

/**
 * The profile's summary in the manner of `xenalyze --summary` and `perf kvm
 * stat`: per domain where its time went (running, runnable, blocked), its
 * hypercalls, traps, VM exits and upcalls with count and min/avg/max cycles,
 * then the hottest functions by self cycles.
 */
export function formatProfileSummary(p: Profile, cwd: string, hot = 10): string {
  const out: string[] = ['', `profile summary · ${num(p.total)} cycles accounted (${p.pcpus} pcpu${p.pcpus === 1 ? '' : 's'})`];
  out.push(`  [hypervisor] ${num(p.summary.hypervisor)} cycles (context switches) · [idle] ${num(p.summary.idle)} cycles`);
  for (const d of p.summary.domains) {
    out.push('');
    out.push(`${d.name} (domid ${d.id}, ${d.mode}): running ${num(d.running)} · runnable ${num(d.runnable)} · blocked ${num(d.blocked)} cycles`);
    const kinds: [string, Record<string, CountStat>][] = [
      ['hypercall', d.hypercalls],
      ['trap', d.traps],
      ['vm exit', d.vmexits],
    ];
    if (d.upcalls.count > 0) kinds.push(['upcall', { on_event: d.upcalls }]);
    const rows: string[][] = [];
    for (const [kind, stats] of kinds) for (const r of statRows(stats)) rows.push([`${kind} ${r[0]}`, ...r.slice(1)]);
    if (rows.length > 0) out.push(...table(['reason', 'count', 'cycles', 'min', 'avg', 'max'], rows));
    if (d.pvopCalls > 0) out.push(`  pvop calls ${num(d.pvopCalls)}`);
  }
  const functions = p.nodes.filter((n) => n.kind === 'function' && n.self > 0);
  const byName = new Map<string, { domain: number; name: string; file: number; line: number; self: number }>();
  for (const n of functions) {
    const key = `${n.domain}:${n.name}`;
    const e = byName.get(key);
    if (e) e.self += n.self;
    else byName.set(key, { domain: n.domain, name: n.name, file: n.file, line: n.line, self: n.self });
  }
  const top = [...byName.values()].sort((a, b) => b.self - a.self || a.domain - b.domain || (a.name < b.name ? -1 : 1)).slice(0, hot);
  if (top.length > 0) {
    out.push('');
    out.push(`hot functions (self cycles)`);
    const rows = top.map((f) => {
      const domain = p.summary.domains[f.domain];
      const file = p.files[f.file] ?? '';
      const rel = path.relative(cwd, file);
      const share = domain && domain.running > 0 ? `${((100 * f.self) / domain.running).toFixed(1)}%` : '-';
      return [f.name, domain?.name ?? '?', num(f.self), share, `${rel && !rel.startsWith('..') ? rel : file}:${f.line}`];
    });
    out.push(...table(['function', 'domain', 'self', 'share', 'where'], rows));
  }
  if (p.timeline.truncated) out.push('', 'note: the timeline was cut at 200,000 entries; totals above are complete');
  if (p.callTreeCut !== undefined) {
    out.push('', `note: the call tree was cut at ${num(p.callTreeCut)} nodes; calls on newer paths are charged to one node per function under their vCPU (totals and lines stay exact)`);
  }
  return out.join('\n');
}
