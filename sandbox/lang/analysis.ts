import type { BootContext } from './bootContext.js';
import { bootContexts } from './context.js';
import { checkFile } from './check.js';
import { compareWithLock, type AbiLockInput, type AbiLockStatus } from './lockDiagnostics.js';
import type { Diagnostic } from './diagnostics.js';
import type { ParsedFile, Workspace } from './program.js';
import { Snapshot } from './snapshot.js';
import { runSteps } from './steps.js';
import { readSystem, type SystemReadResult } from './systems.js';

export interface Analysis {
  /** Every file checked, in a stable order: the roots, their imports, then booted kernels and theirs. */
  files: string[];
  /** Diagnostics per file, sorted by position. */
  diagnostics: Map<string, Diagnostic[]>;
  /** Every system found in the checked files, in file order. */
  systems: SystemReadResult[];
  /** The boot contexts of each file some system boots. */
  contexts: Map<string, BootContext[]>;
  /** The files as read for this analysis, their closures and name tables: what later stages use. */
  snapshot: Snapshot;
  /** How the tables stand against the workspace's `abi.lock`, when one was given (the editor's). */
  abiLock?: AbiLockStatus;
}

export interface AnalyzeOptions {
  /** Compare the tables with this lock: PVK042 / PVK043 (spec 9.2). */
  abiLock?: AbiLockInput;
}

/**
 * Checks a set of files as one project: the roots, everything they import, the
 * kernels their systems boot, and those kernels' imports. System context comes
 * from the systems among them.
 */
export function analyze(ws: Workspace, roots: readonly string[], options: AnalyzeOptions = {}): Analysis {
  return runSteps(analysisSteps(ws, roots, options));
}

/**
 * `analyze` in steps of about one file each (a root's closure read and
 * parsed, a system read, or one file checked): an editor runs a few steps at
 * a time, answers requests in between, and drops the rest when the text
 * changes under it. The result is the same as `analyze`'s.
 */
export function* analysisSteps(ws: Workspace, roots: readonly string[], options: AnalyzeOptions = {}): Generator<void, Analysis, void> {
  // Each file is read once and each closure computed once per analysis.
  const snapshot = new Snapshot(ws);
  const closureOf = (file: string): ParsedFile[] => snapshot.closure(file);
  const order: string[] = [];
  const seen = new Set<string>();
  const add = (file: ParsedFile): void => {
    if (!seen.has(file.source.path)) {
      seen.add(file.source.path);
      order.push(file.source.path);
    }
  };
  for (const root of roots) {
    for (const f of closureOf(root)) add(f);
    yield;
  }

  const systems: SystemReadResult[] = [];
  for (let i = 0; i < order.length; i++) {
    const parsed = snapshot.file(order[i]);
    if (!parsed) continue;
    for (const item of parsed.ast.items) {
      if (item.kind !== 'system') continue;
      const result = readSystem(item, snapshot);
      systems.push(result);
      for (const d of result.config.domains) for (const f of closureOf(d.kernel)) add(f);
      yield;
    }
  }

  const contexts = bootContexts(snapshot, systems.map((s) => s.config));
  const diagnostics = new Map<string, Diagnostic[]>();
  for (const file of order) diagnostics.set(file, []);
  const push = (d: Diagnostic): void => {
    const list = diagnostics.get(d.file);
    if (list) list.push(d);
  };
  for (const s of systems) for (const d of s.diagnostics) push(d);
  for (const d of duplicateSystems(systems)) push(d);
  for (const file of order) {
    const closure = closureOf(file);
    const parsed = closure[0];
    if (!parsed) continue;
    for (const d of parsed.syntaxDiagnostics) push(d);
    for (const d of snapshot.importDiagnostics(parsed)) push(d);
    for (const d of checkFile(closure, { contexts: contexts.get(file) ?? NO_CONTEXTS, items: snapshot.items(file) })) push(d);
    yield;
  }
  const lock = options.abiLock ? compareWithLock({ files: order, snapshot }, options.abiLock) : undefined;
  for (const d of lock?.diagnostics ?? []) push(d);
  for (const list of diagnostics.values()) list.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
  return { files: order, diagnostics, systems, contexts, snapshot, ...(lock?.status ? { abiLock: lock.status } : {}) };
}

const NO_CONTEXTS: readonly BootContext[] = [];

function duplicateSystems(systems: readonly SystemReadResult[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byFile = new Map<string, Set<string>>();
  for (const s of systems) {
    const names = byFile.get(s.config.file) ?? new Set<string>();
    const item = s.config.item;
    if (names.has(item.name.name)) {
      out.push({ file: item.file, span: item.name.span, code: 'PVK007', severity: 'error', message: `system '${item.name.name}' is already defined in this file` });
    }
    names.add(item.name.name);
    byFile.set(s.config.file, names);
  }
  return out;
}
