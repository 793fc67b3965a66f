import { overheadPercent as percent, signedCycles as signed } from '../profile/compareFormat.js';
import { compareSystem, profilingRunner, type Comparison, type DomainComparison, type VariantResult } from '../profile/compare.js';
import { RUN_DEFAULTS } from '../run/options.js';
import type { CliIo } from './io.js';
import { analyzeSystemFile, compileFailed } from './systemFile.js';
import { withCommas } from '../run/digits.js';

/** Hot functions shown per domain in the human output (`--json` lists them all). */
const TOP_FUNCTIONS = 10;

interface CompareArgs {
  file: string;
  system?: string;
  json: boolean;
  maxCycles: number;
}

function parseArgs(args: readonly string[], io: CliIo): CompareArgs | number {
  let file: string | undefined;
  let system: string | undefined;
  let json = false;
  let maxCycles: number = RUN_DEFAULTS.maxCycles;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string | undefined => {
      const v = args[++i];
      return v === undefined || v.startsWith('--') ? undefined : v;
    };
    switch (a) {
      case '--json':
        json = true;
        break;
      case '--system': {
        const v = value();
        if (!v) return io.usage('--system needs a system name');
        system = v;
        break;
      }
      case '--max-cycles': {
        const v = value();
        if (!v || !/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) return io.usage('--max-cycles needs a whole number of cycles, at least 1');
        maxCycles = Number(v);
        break;
      }
      default:
        if (a.startsWith('-')) return io.usage(`unknown option ${a} for 'pvlab compare'`);
        if (file !== undefined) return io.usage(`'pvlab compare' takes one system file, got ${file} and ${a}`);
        file = a;
    }
  }
  if (file === undefined) return io.usage("'pvlab compare' needs a system file");
  return { file, system, json, maxCycles };
}

/**
 * `pvlab compare SYSTEM_FILE …`: the system's domains as native, pv, pv with
 * patched pvops and hvm, with each one's overhead. 0 when every variant that
 * could run did without a crash, 1 when a domain crashed in some variant
 * (its numbers stop at the fault: the table says so, and stderr names it), 2
 * for usage or compile errors.
 */
export function runCompare(args: readonly string[], io: CliIo): number {
  const parsed = parseArgs(args, io);
  if (typeof parsed === 'number') return parsed;
  const read = analyzeSystemFile(parsed.file, io);
  if (typeof read === 'number') return read;
  const { file, analysis } = read;
  const result = compareSystem(analysis, { file, system: parsed.system, maxCycles: parsed.maxCycles, runner: profilingRunner(file, (f) => analysis.snapshot.file(f)?.source.text) });
  if (!result.ok) return compileFailed(result, io);
  io.out(parsed.json ? JSON.stringify(result.comparison, null, 2) : formatComparison(result.comparison));
  const crashed = crashedVariants(result.comparison);
  for (const c of crashed) io.err(`pvlab: domain ${c.domain} crashed as ${c.variant}`);
  return crashed.length > 0 ? 1 : 0;
}

/** The variants in which a domain crashed, in report order. */
export function crashedVariants(c: Comparison): { domain: string; variant: string }[] {
  return c.domains.flatMap((d) => d.variants.filter((v) => v.possible && v.state === 'crashed').map((v) => ({ domain: d.name, variant: v.variant })));
}

const num = withCommas;

function table(rows: string[][], rightAligned: (col: number) => boolean, indent = ''): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 && !rightAligned(i) ? c : rightAligned(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

function counts(label: string, map: Record<string, number>): string[] {
  const keys = Object.keys(map);
  return keys.length === 0 ? [] : [`${label} ${keys.map((k) => `${k} ×${map[k]}`).join(', ')}`];
}

function notes(v: VariantResult): string {
  if (!v.possible) return `not possible: ${v.reason}`;
  const parts: string[] = [];
  if (v.state !== 'exited') parts.push(`${v.state}`);
  if (v.end !== 'exited') parts.push(`run ended ${v.end}`);
  parts.push(...counts('traps', v.traps), ...counts('vm exits', v.vmexits));
  return parts.join('; ');
}

function formatDomain(d: DomainComparison): string[] {
  const lines: string[] = [];
  const against =
    d.baseline === 'native' ? 'overhead against native' : d.baseline === 'pv' ? 'overhead against pv: native is not possible' : 'no baseline: neither native nor pv could run';
  lines.push(`── ${d.name} (domid ${d.id}) · ${against}`);
  const rows = [['variant', 'cycles', 'overhead', 'notes']];
  for (const v of d.variants) {
    const overhead = v.variant === d.baseline ? 'baseline' : v.overhead === null ? '-' : `${signed(v.overhead)}${v.overheadPercent === null ? '' : ` (${percent(v.overheadPercent)})`}`;
    rows.push([v.variant, v.cycles === null ? '-' : num(v.cycles), overhead, notes(v)]);
  }
  lines.push(...table(rows, (i) => i === 1 || i === 2));
  if (d.functions.length > 0) {
    lines.push('');
    const shown = d.functions.slice(0, TOP_FUNCTIONS);
    lines.push(`  hot functions (inclusive cycles; top ${shown.length} of ${d.functions.length} by ${d.baseline ?? 'name'})`);
    const frows = [['function', ...d.variants.map((v) => v.variant)]];
    for (const f of shown) {
      frows.push([
        f.name,
        ...f.variants.map((v) => {
          if (v.cycles === null) return '-';
          if (v.variant === d.baseline || v.overheadPercent === null) return num(v.cycles);
          return `${num(v.cycles)} (${percent(v.overheadPercent)})`;
        }),
      ]);
    }
    lines.push(...table(frows, (i) => i > 0, '  '));
  }
  return lines;
}

/** The human report: per domain, each variant's cycles and overhead, then its hot functions. */
export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  const n = c.domains.length;
  lines.push(`compare system ${c.system} · ${n} domain${n === 1 ? '' : 's'} · native on bare metal, pv and hvm under hypervisor ${c.hypervisor} · cycle limit ${num(c.maxCycles)} per run`);
  for (const d of c.domains) {
    lines.push('');
    lines.push(...formatDomain(d));
  }
  return lines.join('\n');
}
