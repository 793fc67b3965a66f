import { analyze, type Analysis } from '../lang/analysis.js';
import { normalizePath, Workspace } from '../lang/program.js';
import type { BootFailure } from '../run/boot.js';
import { formatHuman, jsonDiagnostics } from './diagnosticOutput.js';
import type { CliIo } from './io.js';

/**
 * Analyses the system file a command names (`pvlab run`, `pvlab compare`):
 * every file it boots is read once, here; what follows takes the analysis.
 * A usage error (exit status 2) when the file cannot be read.
 */
export function analyzeSystemFile(written: string, io: CliIo): { file: string; analysis: Analysis } | number {
  const file = normalizePath(written);
  const analysis = analyze(new Workspace(io.files), [file]);
  if (!analysis.snapshot.file(file)) return io.usage(`cannot read ${written}`);
  return { file, analysis };
}

/** The system does not compile: its errors and why on stderr, exit status 2. */
export function compileFailed(failure: BootFailure, io: CliIo): number {
  for (const d of jsonDiagnostics(failure.analysis.snapshot, failure.diagnostics)) io.err(formatHuman(d, io.cwd));
  io.err(`pvlab: ${failure.message}`);
  return 2;
}
