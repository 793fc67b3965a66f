import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinAbi, BUILTIN_ABI_FILE } from '../lang/abi.js';
import { abiExitStatus, describeChange, diffAbi, guestConsequence, sideOfLock, sideOfTables, type AbiChange } from '../lang/abiDiff.js';
import { lockOf, parseLock, serializeLock, type DeclaredTables } from '../lang/abiLock.js';
import { callSites, declaredTables } from '../lang/abiTables.js';
import { analyze, type Analysis } from '../lang/analysis.js';
import type { AbiItem, HypercallDecl } from '../lang/ast.js';
import { Workspace } from '../lang/program.js';
import { SourceFile } from '../lang/source.js';
import { allDiagnostics, formatHuman } from './diagnosticOutput.js';
import type { CliIo } from './io.js';
import { resolveTargets } from './targets.js';

/** A change as `--json` prints it (spec 9.2), with the call sites of a changed dom0 hypercall. */
interface JsonChange {
  table: string;
  hypercall: string;
  kind: AbiChange['kind'];
  what: AbiChange['what'];
  old: string | null;
  new: string | null;
  file: string | null;
  line: number | null;
  callers?: { file: string; line: number }[];
}

/** The tables of some sources, with what is needed to locate their declarations and callers. */
interface LoadedTables {
  tables: DeclaredTables;
  analysis: Analysis;
  ws: Workspace;
}

/** `pvlab abi lock | check | diff` (spec 9.2). */
export function runAbi(args: readonly string[], io: CliIo): number {
  const [sub, ...rest] = args;
  const opts = parseOptions(rest);
  if ('error' in opts) return io.usage(opts.error);
  switch (sub) {
    case 'lock':
      if (opts.json) return io.usage("'pvlab abi lock' takes no --json");
      return lock(opts.targets, opts.lock, io);
    case 'check':
      return check(opts.targets, opts.lock, opts.json, io);
    case 'diff':
      if (opts.lock !== undefined) return io.usage("'pvlab abi diff' compares two sources and takes no --lock");
      if (opts.targets.length !== 2) return io.usage("'pvlab abi diff' needs two files or directories: OLD NEW");
      return diff(opts.targets[0], opts.targets[1], opts.json, io);
    default:
      return io.usage(sub === undefined ? "'pvlab abi' needs a subcommand: lock, check or diff" : `unknown subcommand 'abi ${sub}' (lock, check or diff)`);
  }
}

function parseOptions(args: readonly string[]): { targets: string[]; lock?: string; json: boolean } | { error: string } {
  const targets: string[] = [];
  let lockFile: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--lock') {
      lockFile = args[++i];
      if (lockFile === undefined || lockFile.startsWith('-')) return { error: "'--lock' needs a file" };
    } else if (a.startsWith('-')) return { error: `unknown option ${a} for 'pvlab abi'` };
    else targets.push(a);
  }
  return { targets, lock: lockFile, json };
}

/**
 * Checks the sources and collects their tables; a file among them that
 * declares `abi xen` is the hypervisor's own table source (sandbox/abi/xen.pvk
 * in the pvlab tree) and stands in for the built-in table. Bad usage or code
 * that does not compile comes back as exit status 2, reported.
 */
function loadTables(targets: readonly string[], io: CliIo): LoadedTables | number {
  const resolved = resolveTargets(targets.length > 0 ? targets : ['.'], io);
  if ('missing' in resolved) return io.usage(`no such file or directory: ${resolved.missing}`);
  const ws = new Workspace(io.files);
  let xen: AbiItem | undefined;
  const roots: string[] = [];
  for (const file of resolved.files) {
    const parsed = ws.file(file);
    const table = parsed?.ast.items.find((i): i is AbiItem => i.kind === 'abi' && i.name.name === 'xen');
    if (!parsed || !table) {
      roots.push(file);
      continue;
    }
    if (parsed.syntaxDiagnostics.length > 0 || parsed.ast.items.length !== 1) {
      io.err(`pvlab: ${rel(io, file)} declares 'abi xen', the hypervisor's own table: it must hold that block only, without syntax errors`);
      return 2;
    }
    xen = table;
  }
  const analysis = analyze(ws, roots);
  const errors = allDiagnostics(analysis).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) io.err(formatHuman(d, io.cwd));
    io.err(`pvlab: the sources do not compile (${errors.length} error${errors.length === 1 ? '' : 's'}); fix them before comparing ABIs`);
    return 2;
  }
  return { tables: declaredTables(analysis, xen), analysis, ws };
}

function lock(targets: readonly string[], lockFile: string | undefined, io: CliIo): number {
  const loaded = loadTables(targets, io);
  if (typeof loaded === 'number') return loaded;
  const out = path.resolve(io.cwd, lockFile ?? 'abi.lock');
  const content = lockOf(loaded.tables);
  try {
    fs.writeFileSync(out, serializeLock(content));
  } catch (e) {
    io.err(`pvlab: cannot write ${rel(io, out)}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const tables = Object.keys(content.tables);
  const count = tables.reduce((n, t) => n + content.tables[t].length, 0);
  io.err(`wrote ${rel(io, out)}: ${count} hypercalls in ${tables.length} table${tables.length === 1 ? '' : 's'} (${tables.join(', ')})`);
  return 0;
}

function check(targets: readonly string[], lockFile: string | undefined, json: boolean, io: CliIo): number {
  const lockPath = path.resolve(io.cwd, lockFile ?? 'abi.lock');
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    io.err(`pvlab: cannot read the ABI lock ${rel(io, lockPath)}; write one with 'pvlab abi lock'`);
    return 2;
  }
  const parsed = parseLock(text);
  if ('error' in parsed) {
    io.err(`pvlab: ${rel(io, lockPath)} is unreadable: ${parsed.error}`);
    return 2;
  }
  const loaded = loadTables(targets, io);
  if (typeof loaded === 'number') return loaded;
  const changes = diffAbi(sideOfLock(parsed.lock), sideOfTables(loaded.tables));
  return report(changes, loaded, undefined, json, io, `${rel(io, lockPath)}`);
}

function diff(oldTarget: string, newTarget: string, json: boolean, io: CliIo): number {
  const before = loadTables([oldTarget], io);
  if (typeof before === 'number') return before;
  const after = loadTables([newTarget], io);
  if (typeof after === 'number') return after;
  const changes = diffAbi(sideOfTables(before.tables), sideOfTables(after.tables));
  return report(changes, after, before, json, io, `${oldTarget} -> ${newTarget}`);
}

/** Prints the changes (text or JSON) and returns the abidiff-style status. */
function report(changes: readonly AbiChange[], after: LoadedTables, before: LoadedTables | undefined, json: boolean, io: CliIo, title: string): number {
  const located = changes.map((c) => toJson(c, after, before, io));
  if (json) io.out(JSON.stringify({ changes: located }, null, 2));
  else {
    changes.forEach((c, i) => {
      const j = located[i];
      const where = j.file ? `${j.file}${j.line ? `:${j.line}` : ''}: ` : '';
      const consequence = c.kind === 'breaking' ? `; guests built against the old ABI: ${guestConsequence(c)}` : '';
      io.out(`${where}${c.kind} ${describeChange(c)}${consequence}`);
      for (const caller of j.callers ?? []) io.out(`    called from ${caller.file}:${caller.line}`);
    });
  }
  const breaking = changes.filter((c) => c.kind === 'breaking').length;
  const abiChanges = changes.filter((c) => c.kind !== 'cost').length;
  const costs = changes.length - abiChanges;
  io.err(`${title}: ${abiChanges} ABI change${abiChanges === 1 ? '' : 's'} (${breaking} breaking)${costs > 0 ? `, ${costs} cost change${costs === 1 ? '' : 's'}` : ''}`);
  return abiExitStatus(changes);
}

function toJson(c: AbiChange, after: LoadedTables, before: LoadedTables | undefined, io: CliIo): JsonChange {
  const decl = c.decl ?? c.oldDecl;
  const side = c.decl ? after : before;
  const out: JsonChange = {
    table: c.table,
    hypercall: c.hypercall,
    kind: c.kind,
    what: c.what,
    old: c.old,
    new: c.new,
    file: decl ? rel(io, decl.file) : null,
    line: decl && side ? lineOf(side.ws, decl) : null,
  };
  if (c.kind === 'dom0') {
    out.callers = callSites(after.analysis, c.table, c.hypercall).map((s) => ({
      file: rel(io, s.file),
      line: after.analysis.snapshot.file(s.file)?.source.lineOf(s.offset) ?? 0,
    }));
  }
  return out;
}

let builtinSource: SourceFile | undefined;

function lineOf(ws: Workspace, decl: HypercallDecl): number {
  if (decl.file === BUILTIN_ABI_FILE) {
    builtinSource ??= new SourceFile(BUILTIN_ABI_FILE, builtinAbi().text);
    return builtinSource.lineOf(decl.name.span.start);
  }
  return ws.file(decl.file)?.source.lineOf(decl.name.span.start) ?? 0;
}

function rel(io: CliIo, file: string): string {
  if (file === BUILTIN_ABI_FILE) return file;
  const r = path.relative(io.cwd, file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : file;
}
