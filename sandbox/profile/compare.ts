/**
 * `pvlab compare`: the 2009 paravirt overhead experiment in miniature. Boots
 * the domains of one system four ways — native (bare metal), pv, pv with
 * patched pvops, and hvm — and sets each domain's cycles, and each of its
 * functions' inclusive cycles, against the native baseline (or the pv one
 * where native is not possible). How the variants are built is documented
 * in docs/SANDBOX.md ("pvlab compare").
 */
import { builtinAbi } from '../lang/abi.js';
import type { DomainMode } from '../lang/bootContext.js';
import type { Analysis } from '../lang/analysis.js';
import { SYSTEM_DEFAULTS, type DomainConfig, type SystemConfig } from '../lang/systems.js';
import { Hypervisor, type RunEnd } from '../hv/hypervisor.js';
import { compileSystem, makeEngine, type BootFailure } from '../run/boot.js';
import { runReport, type DomainReport, type ExitCounters } from '../run/report.js';
import type { Program } from '../machine/ir.js';
import { profileHypervisor } from './profileSystem.js';
import type { Profile } from './types.js';
import { VARIANTS, type Comparison, type DomainComparison, type FunctionComparison, type FunctionVariant, type VariantName, type VariantResult } from './comparison.js';

export { VARIANTS, type Comparison, type DomainComparison, type FunctionComparison, type FunctionVariant, type VariantName, type VariantResult };

/**
 * Runs a booted (not yet run) hypervisor to its end: installs the engine, runs,
 * and returns how the run ended and, when it profiled it, the profile.
 */
export type VariantRunner = (hv: Hypervisor) => { end: RunEnd; profile: Profile | null };

/** Runs on the fast engine without a profile. */
export const plainRunner: VariantRunner = (hv) => {
  hv.engine = makeEngine(hv);
  return { end: hv.run(), profile: null };
};

/**
 * Runs on the profiling engine — the same cycles as the fast engine, and a
 * profile for the hot-function tables (as profileSystem() runs a system).
 */
export function profilingRunner(systemFile: string, readText: (path: string) => string | undefined): VariantRunner {
  return (hv) => profileHypervisor(hv, systemFile, readText);
}

export interface CompareRequest {
  file: string;
  system?: string;
  maxCycles: number;
  /** Runs each variant; a profiling runner fills the hot-function tables, the plain one leaves them empty. */
  runner?: VariantRunner;
}

export type CompareResult = { ok: true; comparison: Comparison } | BootFailure;

interface RunOutcome {
  hv: Hypervisor;
  end: RunEnd;
  profile: Profile | null;
}

/** Where one domain's numbers come from under one variant: a run and the domain's id in it, or why not. */
type Source = { run: RunOutcome; domid: number } | { reason: string };

/** Compiles the analysed system file and runs every variant. Compile errors come back as diagnostics. */
export function compareSystem(analysis: Analysis, request: CompareRequest): CompareResult {
  const compiled = compileSystem(analysis, request);
  if (!compiled.ok) return compiled;
  const programs = compiled.programs;
  const base = compiled.system;
  const hypervisor = base.hypervisor ?? SYSTEM_DEFAULTS.hypervisor;
  const run = (system: SystemConfig, patch: boolean): RunOutcome => {
    const hv = new Hypervisor(system, programs, { maxCycles: request.maxCycles, patchPvops: patch });
    return { hv, ...(request.runner ?? plainRunner)(hv) };
  };

  const sources = new Map<VariantName, Source[]>();
  // native: each domain alone on bare metal, as the only (privileged) domain.
  sources.set(
    'native',
    base.domains.map((d) => {
      const missing = missingImpl(programs.get(d.kernel), 'native');
      if (missing) return { reason: missing };
      const outcome = run(nativeSystem(base, d), false);
      const why = nativeImpossible(outcome.hv);
      return why ? { reason: why } : { run: outcome, domid: 0 };
    }),
  );
  for (const variant of ['pv', 'pv+patch_pvops', 'hvm'] as const) {
    const mode: DomainMode = variant === 'hvm' ? 'hvm' : 'pv';
    const platform = mode === 'pv' ? 'xen' : 'native';
    const blocker = base.domains.map((d) => ({ d, missing: missingImpl(programs.get(d.kernel), platform) })).find((x) => x.missing);
    if (blocker) {
      const reason = `domain ${blocker.d.name}: ${blocker.missing}`;
      sources.set(variant, base.domains.map(() => ({ reason })));
      continue;
    }
    const patch = variant === 'pv+patch_pvops';
    const outcome = run(guestSystem(base, hypervisor, mode, patch), patch);
    sources.set(variant, base.domains.map((d) => ({ run: outcome, domid: d.domid })));
  }

  const domains = base.domains.map((d, i) => compareDomain(d, hypervisor, (v) => (sources.get(v) ?? [])[i]));
  return { ok: true, comparison: { system: base.name, hypervisor, maxCycles: request.maxCycles, variants: VARIANTS, domains } };
}

/** The system with every domain in one guest mode, under a hypervisor. */
function guestSystem(base: SystemConfig, hypervisor: string, mode: DomainMode, patch: boolean): SystemConfig {
  return { ...base, hypervisor, patchPvops: patch, domains: base.domains.map((d) => ({ ...d, mode })) };
}

/** One domain booted alone on bare metal: domid 0, privileged, not paused, native. */
function nativeSystem(base: SystemConfig, d: DomainConfig): SystemConfig {
  return { ...base, hypervisor: null, patchPvops: false, domains: [{ ...d, domid: 0, privileged: true, paused: false, mode: 'native' }] };
}

/** Why a kernel cannot boot on a platform (a pvops table without an impl for it), or undefined. */
function missingImpl(program: Program | undefined, platform: 'native' | 'xen'): string | undefined {
  if (!program) return 'its kernel was not compiled';
  const missing = program.pvops.filter((p) => p[platform] < 0).map((p) => p.group);
  if (missing.length === 0) return undefined;
  const groups = [...new Set(missing)].sort();
  return `the kernel has no ${groups.map((g) => `'impl ${g} for ${platform}'`).join(', ')}`;
}

/** Why a domain booted alone on bare metal does not count as a native run, or undefined when it does. */
function nativeImpossible(hv: Hypervisor): string | undefined {
  const d = hv.domains[0];
  if (d.fault?.kind === 'no-hypervisor') {
    const nr = /#(\d+)/.exec(d.fault.message)?.[1];
    const name = nr === undefined ? undefined : builtinAbi().byNumber.get(Number(nr))?.name.name;
    return `it makes a hypercall${name ? ` (${name})` : ''} at ${baseName(d.fault.file)}:${d.fault.line}, and bare metal has no hypervisor`;
  }
  const state = hv.stateName(d);
  if (state === 'blocked' || hv.end === 'deadlock') return 'booted alone it blocks forever, waiting for an event no other domain can send';
  return undefined;
}

function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i < 0 ? file : file.slice(i + 1);
}

function compareDomain(d: DomainConfig, hypervisor: string, source: (v: VariantName) => Source | undefined): DomainComparison {
  const reports = new Map<VariantName, DomainReport>();
  const profiles = new Map<VariantName, Map<string, number>>();
  const results: VariantResult[] = VARIANTS.map((variant) => {
    const src = source(variant);
    const mode: DomainMode = variant === 'native' ? 'native' : variant === 'hvm' ? 'hvm' : 'pv';
    const shape = { variant, mode, hypervisor: variant === 'native' ? null : hypervisor, patchPvops: variant === 'pv+patch_pvops' };
    if (!src || 'reason' in src) return { ...shape, ...impossible(src?.reason ?? 'not run') };
    const report = runReport(src.run.hv, src.run.end).domains[src.domid];
    reports.set(variant, report);
    if (src.run.profile) profiles.set(variant, functionCycles(src.run.profile, src.domid));
    return {
      ...shape,
      possible: true,
      reason: null,
      end: src.run.end,
      state: report.state,
      exitCode: report.exitCode,
      cycles: report.cycles,
      elapsed: src.run.hv.elapsed,
      overhead: null,
      overheadPercent: null,
      hypercalls: report.hypercalls,
      traps: report.traps,
      vmexits: report.vmexits,
      pvopCalls: report.pvopCalls,
    };
  });
  const baseline = reports.has('native') ? 'native' : reports.has('pv') ? 'pv' : null;
  const baseCycles = baseline ? reports.get(baseline)?.cycles : undefined;
  for (const r of results) Object.assign(r, overheadOf(r.cycles, baseCycles));
  return { id: d.domid, name: d.name, baseline, variants: results, functions: compareFunctions(profiles, baseline) };
}

function impossible(reason: string): Omit<VariantResult, 'variant' | 'mode' | 'hypervisor' | 'patchPvops'> {
  return { possible: false, reason, end: null, state: null, exitCode: null, cycles: null, elapsed: null, overhead: null, overheadPercent: null, hypercalls: {}, traps: {}, vmexits: {}, pvopCalls: null };
}

function overheadOf(cycles: number | null, base: number | undefined): { overhead: number | null; overheadPercent: number | null } {
  if (cycles === null || base === undefined) return { overhead: null, overheadPercent: null };
  const overhead = cycles - base;
  return { overhead, overheadPercent: base === 0 ? null : Math.round((overhead * 10000) / base) / 100 };
}

function compareFunctions(profiles: Map<VariantName, Map<string, number>>, baseline: VariantName | null): FunctionComparison[] {
  const names = new Set<string>();
  for (const m of profiles.values()) for (const n of m.keys()) names.add(n);
  const baseOf = (name: string): number | undefined => (baseline && profiles.has(baseline) ? (profiles.get(baseline)?.get(name) ?? 0) : undefined);
  const list = [...names].map((name) => ({
    name,
    variants: VARIANTS.map((variant) => {
      const m = profiles.get(variant);
      const cycles = m ? (m.get(name) ?? 0) : null;
      return { variant, cycles, ...overheadOf(cycles, baseOf(name)) };
    }),
  }));
  return list.sort((a, b) => (baseOf(b.name) ?? 0) - (baseOf(a.name) ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `cpu.irq_disable [xen]` and `cpu.irq_disable [native]` are the same op in two variants. */
export function functionKey(name: string): string {
  return name.replace(/ \[(xen|native)\]$/, '');
}

/**
 * Inclusive cycles per function name in one domain of a profile: the sum of
 * `total` over the outermost `function` nodes of each name (a recursive call
 * below one of the same name is already in its total).
 */
export function functionCycles(profile: Profile, domain: number): Map<string, number> {
  const out = new Map<string, number>();
  const open = new Map<string, number>();
  const nodes = profile.nodes;
  if (nodes.length === 0) return out;
  // Iterative walk: `leave` entries close a function name on the way back up.
  const stack: { id: number; leave: string | null }[] = [{ id: 0, leave: null }];
  while (stack.length > 0) {
    const { id, leave } = stack.pop() as { id: number; leave: string | null };
    if (leave !== null) {
      const n = (open.get(leave) ?? 1) - 1;
      if (n === 0) open.delete(leave);
      else open.set(leave, n);
      continue;
    }
    const node = nodes[id];
    if (node.kind === 'domain' && node.domain !== domain) continue;
    if (node.kind === 'function' && node.domain === domain) {
      const key = functionKey(node.name);
      if (!open.has(key)) out.set(key, (out.get(key) ?? 0) + node.total);
      open.set(key, (open.get(key) ?? 0) + 1);
      stack.push({ id, leave: key });
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ id: node.children[i], leave: null });
  }
  return out;
}
