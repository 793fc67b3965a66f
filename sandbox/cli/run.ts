import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { diskHost } from '../lang/fileHost.js';
import { toCpuProfile } from '../profile/cpuprofile.js';
import { profileSystem } from '../profile/profileSystem.js';
import { formatProfileSummary } from '../profile/summaryText.js';
import { toTrace } from '../profile/trace.js';
import type { Profile } from '../profile/types.js';
import { normalizePath, Workspace } from '../lang/program.js';
import { bootSystem, type EngineKind } from '../run/boot.js';
import { runExitStatus, runReport } from '../run/report.js';
import { jsonDiagnostics, formatHuman } from './diagnosticOutput.js';
import type { CliIo } from './io.js';
import { formatSummary } from './summary.js';

const DEFAULT_MAX_CYCLES = 1_000_000_000;

interface RunArgs {
  file: string;
  system?: string;
  json: boolean;
  maxCycles: number;
  patchPvops: boolean;
  profile?: string;
  profileJson?: string;
  trace?: string;
  summary: boolean;
  engine?: EngineKind;
}

function parseArgs(args: readonly string[], io: CliIo): RunArgs | number {
  const out: Partial<RunArgs> & { json: boolean; patchPvops: boolean; maxCycles: number; summary: boolean } = { json: false, patchPvops: false, maxCycles: DEFAULT_MAX_CYCLES, summary: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string | undefined => {
      const v = args[i + 1];
      i++;
      return v === undefined || v.startsWith('--') ? undefined : v;
    };
    switch (a) {
      case '--json':
        out.json = true;
        break;
      case '--patch-pvops':
        out.patchPvops = true;
        break;
      case '--summary':
        out.summary = true;
        break;
      case '--engine': {
        const v = value();
        if (v !== 'fast' && v !== 'step' && v !== 'interpreter') return io.usage("--engine is 'fast' (the default), 'step' or 'interpreter'");
        out.engine = v;
        break;
      }
      case '--system': {
        const v = value();
        if (!v) return io.usage('--system needs a system name');
        out.system = v;
        break;
      }
      case '--max-cycles': {
        const v = value();
        if (!v || !/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) return io.usage('--max-cycles needs a whole number of cycles, at least 1');
        out.maxCycles = Number(v);
        break;
      }
      case '--profile':
      case '--profile-json':
      case '--trace': {
        const v = value();
        if (!v) return io.usage(`${a} needs an output file`);
        if (a === '--profile') out.profile = v;
        else if (a === '--profile-json') out.profileJson = v;
        else out.trace = v;
        break;
      }
      default:
        if (a.startsWith('-')) return io.usage(`unknown option ${a} for 'pvlab run'`);
        if (out.file !== undefined) return io.usage(`'pvlab run' takes one system file, got ${out.file} and ${a}`);
        out.file = a;
    }
  }
  if (out.file === undefined) return io.usage("'pvlab run' needs a system file");
  return { ...out, file: out.file };
}

/** `pvlab run SYSTEM_FILE …`: 0 when the run ended exited with no crash, 1 otherwise, 2 for usage or compile errors. */
export function runRun(args: readonly string[], io: CliIo): number {
  const parsed = parseArgs(args, io);
  if (typeof parsed === 'number') return parsed;
  const ws = new Workspace(diskHost);
  const file = normalizePath(parsed.file);
  if (!ws.file(file)) return io.usage(`cannot read ${parsed.file}`);
  if (parsed.profile || parsed.profileJson || parsed.trace || parsed.summary) return runProfiled(parsed, ws, file, io);
  const boot = bootSystem(ws, { file, system: parsed.system, options: { maxCycles: parsed.maxCycles, patchPvops: parsed.patchPvops || undefined }, engine: parsed.engine });
  if (!boot.ok) {
    for (const d of jsonDiagnostics(ws, boot.diagnostics)) io.err(formatHuman(d, io.cwd));
    io.err(`pvlab: ${boot.message}`);
    return 2;
  }
  const end = boot.hv.run();
  const report = runReport(boot.hv, end);
  if (parsed.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatSummary(report, boot.hv, io.cwd));
  return runExitStatus(report);
}

/** Writes one output file; a clear message (not a stack trace) when it cannot. */
function writeOutput(io: CliIo, file: string, text: string): boolean {
  try {
    writeFileSync(path.resolve(io.cwd, file), text);
    return true;
  } catch (e) {
    io.err(`pvlab: cannot write ${file}: ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e)}`);
    return false;
  }
}

/** `pvlab run` with --profile, --profile-json, --trace or --summary: the same run on the profiling engine. */
function runProfiled(parsed: RunArgs, ws: Workspace, file: string, io: CliIo): number {
  if (parsed.engine !== undefined && parsed.engine !== 'fast') return io.usage('profiles are taken on the fast engine; drop --engine');
  const result = profileSystem(ws, { file, system: parsed.system, options: { maxCycles: parsed.maxCycles, patchPvops: parsed.patchPvops || undefined } });
  if (!result.ok) {
    for (const d of jsonDiagnostics(ws, result.diagnostics)) io.err(formatHuman(d, io.cwd));
    io.err(`pvlab: ${result.message}`);
    return 2;
  }
  const { report, profile } = result;
  const outputs: [string | undefined, (p: Profile) => unknown][] = [
    [parsed.profile, toCpuProfile],
    [parsed.profileJson, (p) => p],
    [parsed.trace, toTrace],
  ];
  for (const [target, convert] of outputs) {
    if (target !== undefined && !writeOutput(io, target, JSON.stringify(convert(profile)))) return 2;
  }
  if (parsed.json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(formatSummary(report, result.hv, io.cwd));
    io.out(formatProfileSummary(profile, io.cwd));
  }
  return runExitStatus(report);
}
