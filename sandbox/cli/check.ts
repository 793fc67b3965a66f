import { analyze } from '../lang/analysis.js';
import { Workspace } from '../lang/program.js';
import { allDiagnostics, formatHuman } from './diagnosticOutput.js';
import type { CliIo } from './io.js';
import { resolveTargets } from './targets.js';

/** `pvlab check FILE|DIR… [--json]`: exit 1 if any diagnostic is an error, else 0. */
export function runCheck(args: readonly string[], io: CliIo): number {
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
  const targets = args.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0) return io.usage(`unknown option ${unknown[0]} for 'pvlab check'`);
  if (targets.length === 0) return io.usage("'pvlab check' needs at least one file or directory");

  const resolved = resolveTargets(targets, io);
  if ('missing' in resolved) return io.usage(`no such file or directory: ${resolved.missing}`);
  const roots = resolved.files;

  const analysis = analyze(new Workspace(io.files), roots);
  const diagnostics = allDiagnostics(analysis);
  if (json) io.out(JSON.stringify({ diagnostics }, null, 2));
  else {
    for (const d of diagnostics) io.out(formatHuman(d, io.cwd));
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
    io.err(`checked ${analysis.files.length} file${analysis.files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  }
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}
