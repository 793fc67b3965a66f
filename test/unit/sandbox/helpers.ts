/**
 * Shared helpers for the sandbox tests (spec sections 3–7): run a system held
 * in memory through bootSystem and return the `pvlab run --json` report, or run
 * a system on disk through the built command line (dist/cli.js).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../../sandbox/lang/program.js';
import { bootSystem, type EngineKind } from '../../../sandbox/run/boot.js';
import { beforeAll, describe } from 'vitest';
import { runReport, type DomainReport, type RunReport } from '../../../sandbox/run/report.js';
import type { Hypervisor } from '../../../sandbox/hv/hypervisor.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface RunOptions {
  /** The system file; the first key of `files` when absent. */
  file?: string;
  system?: string;
  maxCycles?: number;
  patchPvops?: boolean;
  /** The engine; the one chosen by forEachEngine (or the boot default) when absent. */
  engine?: EngineKind;
  /** Called with the booted hypervisor before it runs (e.g. to install a debugger's hook). */
  beforeRun?: (hv: Hypervisor) => void;
}

/** Every engine must give the same counts (spec §4): the tests run on each. */
export const ENGINES: EngineKind[] = ['interpreter', 'fast'];
let currentEngine: EngineKind | undefined;

/** Runs the tests `body` declares once per engine, in a describe block named after it. */
export function forEachEngine(body: (engine: EngineKind) => void): void {
  for (const engine of ENGINES) {
    describe(`engine: ${engine}`, () => {
      beforeAll(() => {
        currentEngine = engine;
      });
      body(engine);
    });
  }
}

/**
 * Boots and runs a system from in-memory files (absolute paths such as
 * '/t/sys.pvk') and returns the spec §7 report. Throws with the diagnostics
 * when it does not boot.
 */
export function runSystem(files: Record<string, string>, opts: RunOptions = {}): RunReport {
  const map = new Map(Object.entries(files));
  const ws = new Workspace({ readFile: (p) => map.get(p) });
  const file = opts.file ?? Object.keys(files)[0];
  const boot = bootSystem(ws, {
    file,
    system: opts.system,
    options: { maxCycles: opts.maxCycles ?? 1_000_000_000, patchPvops: opts.patchPvops },
    engine: opts.engine ?? currentEngine,
  });
  if (!boot.ok) {
    const diags = boot.diagnostics.map((d) => `${d.file}: ${d.code} ${d.message}`).join('\n');
    throw new Error(`does not boot: ${boot.message}\n${diags}`);
  }
  opts.beforeRun?.(boot.hv);
  const end = boot.hv.run();
  return runReport(boot.hv, end);
}

export type Mode = 'pv' | 'hvm' | 'native';

export interface KernelOptions {
  mode?: Mode;
  /** Hypervisor version; 'none' for bare metal. Default 4.2 (native: none). */
  hypervisor?: string;
  memory?: number;
  vcpus?: number;
  pcpus?: number;
  /** Extra system properties, e.g. 'patch_pvops;'. */
  systemExtra?: string;
  maxCycles?: number;
  patchPvops?: boolean;
}

/** One privileged domain running `kernel`: returns the report and its only domain. */
export function runKernel(kernel: string, o: KernelOptions = {}): { report: RunReport; dom: DomainReport } {
  const mode = o.mode ?? 'pv';
  const hv = o.hypervisor ?? (mode === 'native' ? 'none' : '4.2');
  const modeProp = mode === 'native' ? '' : `mode ${mode};`;
  const sys = `system s {
    hypervisor ${hv};
    pcpus ${o.pcpus ?? 1};
    ${o.systemExtra ?? ''}
    domain d0 { kernel "k.pvk"; memory ${o.memory ?? 16}; vcpus ${o.vcpus ?? 1}; ${modeProp} privileged; }
}`;
  const report = runSystem({ '/t/sys.pvk': sys, '/t/k.pvk': kernel }, { maxCycles: o.maxCycles, patchPvops: o.patchPvops });
  return { report, dom: report.domains[0] };
}

/** Console lines of a domain (without the final empty string). */
export function lines(d: DomainReport): string[] {
  const l = d.console.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

// ------------------------------------------------------------ the real CLI

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

let built = false;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!fs.existsSync(CLI)) return true;
  return newestMtime(path.join(ROOT, 'sandbox')) > fs.statSync(CLI).mtimeMs;
}

/**
 * dist/cli.js must match the sources (`npm test` builds first). When it is
 * missing or older than sandbox/, build it once, under a lock directory so
 * that parallel test files do not build at the same time.
 */
function ensureBuilt(): void {
  if (built) return;
  const lock = path.join(ROOT, 'dist', '.sandbox-tests-build.lock');
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (let tries = 0; tries < 1200 && (fs.existsSync(lock) || isStale()); tries++) {
    if (fs.existsSync(lock)) {
      // another test file is building; a lock left behind for a minute is stale
      if (Date.now() - fs.statSync(lock).mtimeMs > 60_000) fs.rmSync(lock, { recursive: true, force: true });
      sleep(100);
      continue;
    }
    try {
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.mkdirSync(lock);
    } catch {
      continue;
    }
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  built = true;
}

export function pvlab(args: string[], cwd = ROOT): CliRun {
  ensureBuilt();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes files (relative names) into a fresh temp directory and returns its path. */
export function writeTemp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-sandbox-'));
  for (const [name, text] of Object.entries(files)) {
    const full = path.join(dir, name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  return dir;
}

/** Runs `pvlab run <dir>/<first file> --json …` on temp files; returns the exit status and parsed report. */
export function cliRun(files: Record<string, string>, extra: string[] = []): { status: number | null; report: RunReport; stderr: string } {
  const dir = writeTemp(files);
  try {
    const engine = currentEngine ? ['--engine', currentEngine] : [];
    const r = pvlab(['run', path.join(dir, Object.keys(files)[0]), '--json', ...engine, ...extra]);
    let report: RunReport;
    try {
      report = JSON.parse(r.stdout) as RunReport;
    } catch {
      throw new Error(`no JSON from pvlab run (status ${r.status}): ${r.stdout}\n${r.stderr}`);
    }
    return { status: r.status, report, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface DomainSpec {
  name: string;
  /** Kernel source text (stored as /t/<name>.pvk). */
  kernel: string;
  /** Extra domain properties, e.g. 'privileged;', 'paused;', 'weight 512;'. */
  props?: string;
}

/** A system of several domains, each with its own kernel; the first should say `privileged;`. */
export function systemFiles(domains: DomainSpec[], header = 'hypervisor 4.2;'): Record<string, string> {
  const files: Record<string, string> = {};
  const decls = domains.map((d) => `    domain ${d.name} { kernel "${d.name}.pvk"; ${d.props ?? ''} }`).join('\n');
  files['/t/sys.pvk'] = `system s {\n    ${header}\n${decls}\n}\n`;
  for (const d of domains) files[`/t/${d.name}.pvk`] = d.kernel;
  return files;
}

export function runDomains(domains: DomainSpec[], header = 'hypervisor 4.2;', opts: RunOptions = {}): RunReport {
  return runSystem(systemFiles(domains, header), opts);
}
