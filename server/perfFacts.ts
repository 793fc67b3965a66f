import type * as A from '../sandbox/lang/ast.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import { textHash } from '../sandbox/profile/hash.js';
import type { Profile, ProfileNode, SiteCost } from '../sandbox/profile/types.js';
import { functionsOf, hypervisorFunctionsOf } from '../sandbox/lang/walk.js';
import { profileFnName, staticSites, type StaticSite } from './perfSites.js';
import { multicallEstimate, pvopSaving, type MeasuredCalls, type MulticallEstimate } from './perfSavings.js';

/** A line is hot when it holds at least this share of a domain's cycles… */
export const HOT_LINE_SHARE = 0.01;
/** …and is among that domain's hottest lines of the file. */
export const HOT_LINES_PER_DOMAIN = 20;
/** A function gets a lens when its inclusive cycles are at least this share of its domain's. */
export const HOT_FUNCTION_SHARE = 0.01;

export interface DomainRef {
  id: number;
  name: string;
  /** The domain's cycles (its vCPUs' running time): the whole for shares. */
  running: number;
}

export interface HotLine {
  /** 1-based. */
  line: number;
  /** The domains where the line is hot, by domain id. */
  domains: { domain: DomainRef; cycles: number }[];
}

export interface SiteFact {
  kind: SiteCost['kind'];
  name: string;
  line: number;
  count: number;
  cycles: number;
  min: number;
  max: number;
  /** By domain id. */
  domains: { domain: DomainRef; count: number; cycles: number; min: number }[];
  /** The expression in today's text, when found on the line. */
  at: StaticSite | undefined;
  /** What multicalls would save (hypercalls inside a loop body), all domains together, else 0. */
  multicallSaving: number;
  /** The domains where they would save something, by domain id: the calls measured and the multicalls instead. */
  multicalls: { domain: DomainRef; calls: MeasuredCalls; estimate: MulticallEstimate }[];
  /** What patch_pvops would save (pvop sites called through the table), else 0. */
  pvopSaving: number;
}

export interface FnFact {
  fn: A.FnItem;
  domain: DomainRef;
  /** Cycles in the function and everything it called (recursion counted once). */
  total: number;
  self: number;
  count: number;
}

export interface FileFacts {
  profile: Profile;
  /** Today's text is not the profiled text: no per-line facts, functions matched by name. */
  stale: boolean;
  /** Cycles each domain spent on this file's lines and sites (domains that ran it, by id). */
  domains: { domain: DomainRef; cycles: number }[];
  hotLines: HotLine[];
  sites: SiteFact[];
  fns: FnFact[];
}

/** Costs that are named frames of their own, not in any function's line costs. */
const FRAME_KINDS: ReadonlySet<SiteCost['kind']> = new Set(['hypercall', 'trap', 'vmexit']);

/**
 * What a profile says about one file as it reads today. Per-line facts
 * (hot lines, sites) only when the text is the profiled text: after an edit
 * the lines may have moved, so they are not shown at all rather than shown
 * at wrong lines. Function facts survive edits, matched by name.
 */
export function fileFacts(profile: Profile, fileIndex: number, parsed: ParsedFile): FileFacts {
  const stale = textHash(parsed.source.text) !== profile.fileHashes[fileIndex];
  const domainById = new Map<number, DomainRef>(profile.summary.domains.map((d) => [d.id, { id: d.id, name: d.name, running: d.running }]));
  const domainOf = (id: number): DomainRef => domainById.get(id) ?? { id, name: `domain ${id}`, running: 0 };

  // Cycles by domain and line: own line costs plus the named frames (hypercall, trap, VM exit) issued there.
  const byLine = new Map<number, Map<number, number>>();
  const add = (domain: number, line: number, cycles: number): void => {
    let m = byLine.get(domain);
    if (!m) byLine.set(domain, (m = new Map()));
    m.set(line, (m.get(line) ?? 0) + cycles);
  };
  for (const l of profile.lines) if (l.file === fileIndex) add(l.domain, l.line, l.cycles);
  const fileSites = profile.sites.filter((s) => s.file === fileIndex);
  for (const s of fileSites) if (FRAME_KINDS.has(s.kind)) add(s.domain, s.line, s.cycles);

  const domains = [...byLine.entries()]
    .map(([id, lines]) => ({ domain: domainOf(id), cycles: [...lines.values()].reduce((a, b) => a + b, 0) }))
    .sort((a, b) => a.domain.id - b.domain.id);

  return {
    profile,
    stale,
    domains,
    hotLines: stale ? [] : hotLines(byLine, domainOf),
    sites: stale ? [] : siteFacts(profile, fileIndex, parsed, fileSites, domainOf),
    fns: fnFacts(profile, fileIndex, parsed, stale, domainOf),
  };
}

function hotLines(byLine: Map<number, Map<number, number>>, domainOf: (id: number) => DomainRef): HotLine[] {
  const hot = new Map<number, HotLine>();
  for (const [id, lines] of byLine) {
    const domain = domainOf(id);
    const ranked = [...lines.entries()]
      .filter(([, cycles]) => domain.running > 0 && cycles >= HOT_LINE_SHARE * domain.running)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, HOT_LINES_PER_DOMAIN);
    for (const [line, cycles] of ranked) {
      let h = hot.get(line);
      if (!h) hot.set(line, (h = { line, domains: [] }));
      h.domains.push({ domain, cycles });
    }
  }
  for (const h of hot.values()) h.domains.sort((a, b) => a.domain.id - b.domain.id);
  return [...hot.values()].sort((a, b) => a.line - b.line);
}

/** How many times each domain called a function of the file (every call-tree node of it, recursive ones too), by domain id. */
function callsOf(profile: Profile, fileIndex: number, parsed: ParsedFile, fn: A.FnItem): Map<number, number> {
  const name = profileFnName(fn);
  const line = parsed.source.lineOf(fn.span.start);
  const calls = new Map<number, number>();
  for (const n of profile.nodes) if (n.kind === 'function' && n.file === fileIndex && n.line === line && n.name === name) calls.set(n.domain, (calls.get(n.domain) ?? 0) + n.count);
  return calls;
}

function siteFacts(profile: Profile, fileIndex: number, parsed: ParsedFile, sites: readonly SiteCost[], domainOf: (id: number) => DomainRef): SiteFact[] {
  const present = staticSites(parsed.ast, parsed.source);
  const merged = new Map<string, SiteFact>();
  for (const s of sites) {
    const key = `${s.line}\u0000${s.kind}\u0000${s.name}`;
    let f = merged.get(key);
    if (!f) {
      const at = present.find((p) => p.line === s.line && p.name === s.name && (p.kind === s.kind || (p.kind === 'intrinsic' && (s.kind === 'trap' || s.kind === 'vmexit'))));
      f = { kind: s.kind, name: s.name, line: s.line, count: 0, cycles: 0, min: s.min, max: s.max, domains: [], at, multicallSaving: 0, multicalls: [], pvopSaving: 0 };
      merged.set(key, f);
    }
    f.count += s.count;
    f.cycles += s.cycles;
    f.min = Math.min(f.min, s.min);
    f.max = Math.max(f.max, s.max);
    f.domains.push({ domain: domainOf(s.domain), count: s.count, cycles: s.cycles, min: s.min });
  }
  const out = [...merged.values()];
  for (const f of out) {
    f.domains.sort((a, b) => a.domain.id - b.domain.id);
    // A multicall batches one vCPU's calls: never across domains, so the saving adds up per domain,
    // from the calls each measured and the runs of the loop (the calls of the function around it).
    if (f.kind === 'hypercall' && f.at?.inLoop) {
      const runs = callsOf(profile, fileIndex, parsed, f.at.fn);
      for (const d of f.domains) {
        const calls: MeasuredCalls = { count: d.count, cycles: d.cycles, min: d.min, runs: runs.get(d.domain.id) };
        const estimate = multicallEstimate(f.name, calls, profile.hypervisor);
        if (estimate && estimate.saving > 0) f.multicalls.push({ domain: d.domain, calls, estimate });
      }
      f.multicallSaving = f.multicalls.reduce((a, m) => a + m.estimate.saving, 0);
    }
    if (f.kind === 'pvop') f.pvopSaving = pvopSaving(f.count, f.cycles);
  }
  return out.sort((a, b) => a.line - b.line || (a.at?.span.start ?? 0) - (b.at?.span.start ?? 0) || a.name.localeCompare(b.name));
}

function fnFacts(profile: Profile, fileIndex: number, parsed: ParsedFile, stale: boolean, domainOf: (id: number) => DomainRef): FnFact[] {
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const keyOf = (n: ProfileNode): string => `${n.domain}\u0000${n.file}\u0000${n.line}\u0000${n.name}`;
  const groups = new Map<string, { node: ProfileNode; total: number; self: number; count: number }>();
  for (const n of profile.nodes) {
    if (n.kind !== 'function' || n.file !== fileIndex) continue;
    const key = keyOf(n);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { node: n, total: 0, self: 0, count: 0 }));
    g.self += n.self;
    g.count += n.count;
    // A recursive call's total is already inside its outer call's total.
    let recursive = false;
    for (let p = byId.get(n.parent); p && !recursive; p = byId.get(p.parent)) recursive = p.kind === 'function' && keyOf(p) === key;
    if (!recursive) g.total += n.total;
  }
  // Kernel functions, and the handlers and helpers of `abi` blocks (profiled under their hypercall's frame).
  const fns = [...functionsOf(parsed.ast), ...hypervisorFunctionsOf(parsed.ast)];
  const out: FnFact[] = [];
  for (const g of groups.values()) {
    const domain = domainOf(g.node.domain);
    if (domain.running <= 0 || g.total < HOT_FUNCTION_SHARE * domain.running) continue;
    const named = fns.filter((f) => profileFnName(f) === g.node.name);
    const fn = stale ? named[0] : (named.find((f) => parsed.source.lineOf(f.span.start) === g.node.line) ?? named[0]);
    if (fn) out.push({ fn, domain, total: g.total, self: g.self, count: g.count });
  }
  return out.sort((a, b) => a.fn.span.start - b.fn.span.start || a.domain.id - b.domain.id);
}
