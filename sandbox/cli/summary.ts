import * as path from 'node:path';
import type { Hypervisor } from '../hv/hypervisor.js';
import type { RunReport } from '../run/report.js';
import { withCommas } from '../run/digits.js';

const num = withCommas;

function top(counts: Record<string, number>, n = 4): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (entries.length === 0) return '-';
  const shown = entries.slice(0, n).map(([k, v]) => `${k} ×${v}`);
  return entries.length > n ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** A readable run summary: `xl list` plus `xenalyze --summary` in miniature. */
export function formatSummary(r: RunReport, hv: Hypervisor, cwd: string): string {
  const lines: string[] = [];
  const hyp = r.hypervisor === 'none' ? 'bare metal' : `hypervisor ${r.hypervisor}`;
  lines.push(`system ${r.system} · ${hyp} · ${hv.pcpus.length} pcpu${hv.pcpus.length === 1 ? '' : 's'} · ended ${r.end} after ${num(r.cycles)} cycles`);
  const hypervisorCycles = hv.hypervisorCycles.reduce((a, b) => a + b, 0);
  const idle = hv.idleCycles.reduce((a, b) => a + b, 0);
  lines.push(`hypervisor ${num(hypervisorCycles)} cycles (context switches) · idle ${num(idle)} cycles`);
  lines.push('');
  const header = ['id', 'name', 'mode', 'state', 'exit', 'cycles', 'events', 'pvops'];
  const rows = r.domains.map((d) => [String(d.id), d.name, d.mode, d.state, d.exitCode === null ? '-' : String(d.exitCode), num(d.cycles), String(d.events), String(d.pvopCalls)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i >= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  lines.push(fmt(header));
  for (const row of rows) lines.push(fmt(row));
  for (const d of r.domains) {
    lines.push('');
    lines.push(`── ${d.name} (domid ${d.id}, ${d.mode}) ─ ${d.state}${d.exitCode !== null ? `, exit code ${d.exitCode}` : ''}`);
    if (d.fault) {
      const rel = path.relative(cwd, d.fault.file);
      lines.push(`  fault: ${d.fault.kind} at ${rel && !rel.startsWith('..') ? rel : d.fault.file}:${d.fault.line}: ${d.fault.message}`);
    }
    lines.push(`  hypercalls: ${top(d.hypercalls)}`);
    if (Object.keys(d.traps).length > 0) lines.push(`  traps: ${top(d.traps)}`);
    if (Object.keys(d.vmexits).length > 0) lines.push(`  vm exits: ${top(d.vmexits)}`);
    const text = d.console.endsWith('\n') ? d.console.slice(0, -1) : d.console;
    if (text.length > 0) {
      lines.push('  console:');
      for (const l of text.split('\n')) lines.push(`  │ ${l}`);
    }
  }
  return lines.join('\n');
}
