import type { CodeLens, InlayHint, Position, Range } from 'vscode-languageserver';
import type { SourceFile } from '../sandbox/lang/source.js';
import { toPosition, toRange } from './convert.js';
import { HOT_DENSITY_FUNCTION_SHARE, HOT_DENSITY_LINE_SHARE, type HintDensity } from './hintDensity.js';
import { fileFacts, type DomainRef, type FileFacts, type FnFact, type HotLine, type SiteFact } from './perfFacts.js';
import { multicallFormula, num, percent, pvopFormula } from './perfSavings.js';
import { pathToUri, uriToPath } from './paths.js';
import type { ProfileStore } from './profileStore.js';
import type { ProjectView } from './view.js';

/**
 * Inline performance hints from the latest profile that covers a file: one
 * inlay hint at the end of each line worth a hint (never inside an
 * expression), short enough for VS Code's inlay-hint length limit, the whole
 * story in its tooltip; code lenses with the file's share and at hot
 * functions, one per line. How many: the `pvlab.hints` density.
 *
 * Staleness: when the text differs from the profiled text (textHash), the
 * lines may have moved, so no inlay hint is shown at all (never a number at
 * a wrong line); the code lenses stay, marked, the function ones found by
 * name, with a lens at the top of the file to profile again.
 */
function factsFor(project: ProjectView, store: ProfileStore, uri: string): { facts: FileFacts; source: SourceFile } | undefined {
  if (store.size === 0) return undefined;
  const file = uriToPath(uri);
  if (!file) return undefined;
  const found = store.forFile(file);
  if (!found) return undefined;
  const parsed = project.parsed(uri);
  if (!parsed) return undefined;
  return { facts: fileFacts(found.profile, found.index, parsed), source: parsed.source };
}

/** VS Code cuts inlay hints longer than 43 characters (editor.inlayHints.maximumLength): labels stay under it. */
export const MAX_HINT_LABEL = 40;

function endOfLine(source: SourceFile, line: number): Position {
  return toPosition(source, source.offset(line, Number.MAX_SAFE_INTEGER));
}

const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);
const inRange = (p: Position, r: Range | undefined): boolean => !r || (!before(p, r.start) && !before(r.end, p));

/** One thing a hint says: short for the label, long for the tooltip; problems go first. */
interface Piece {
  short: string;
  /** A shorter form, used when the short one does not fit beside the others. */
  tiny?: string;
  long: string[];
  problem: boolean;
}

/** The largest share among domains, as text. */
function maxShare(list: readonly { domain: DomainRef; cycles: number }[]): string {
  const top = list.reduce((best, d) => (d.domain.running > 0 && d.cycles / d.domain.running > best.cycles / Math.max(1, best.domain.running) ? d : best), list[0]);
  return percent(top.cycles, top.domain.running);
}

function hotLinePiece(h: HotLine, system: string): Piece {
  const short =
    h.domains.length === 1
      ? `${num(h.domains[0].cycles)} cycles · ${percent(h.domains[0].cycles, h.domains[0].domain.running)} of ${h.domains[0].domain.name}`
      : h.domains.map(({ domain, cycles }) => `${domain.name} ${percent(cycles, domain.running)}`).join(' · ');
  const tiny =
    h.domains.length === 1
      ? `${percent(h.domains[0].cycles, h.domains[0].domain.running)} of ${h.domains[0].domain.name}`
      : `up to ${maxShare(h.domains)}`;
  const long = [`This line's own cycles (callees not included) in the profile of system ${system}:`];
  for (const { domain, cycles } of h.domains) long.push(`- ${domain.name}: ${num(cycles)} of its ${num(domain.running)} cycles (${percent(cycles, domain.running)})`);
  return { short, tiny, long, problem: false };
}

/** One domain's multicall saving, with the measured calls it comes from. */
function multicallLine({ domain, calls, estimate }: SiteFact['multicalls'][number], fn: string | undefined): string {
  const runs = calls.runs === undefined || fn === undefined ? 'no count of the loop runs in the profile: all in one' : `${num(calls.runs)} call${calls.runs === 1 ? '' : 's'} of ${fn}`;
  const batches = estimate.multicalls === 1 ? 'one multicall' : `${num(estimate.multicalls)} multicalls`;
  const each = estimate.cycles - estimate.entries - estimate.lists;
  return `- ${domain.name}: ${num(calls.count)} calls (${runs}) cost ${num(calls.cycles)}; as ${batches} ${num(each)} + ${num(estimate.entries)} of their own + ${num(estimate.lists)} for the list = ${num(estimate.cycles)}: saves ${num(estimate.saving)}`;
}

/** The piece for a site, or undefined where there is nothing worth saying (a patched pvop). */
function sitePiece(s: SiteFact, system: string): Piece | undefined {
  const each = s.count > 0 ? s.cycles / s.count : 0;
  const long = [`${s.kind} ${s.name} in the profile of system ${system}: ${num(s.count)} × · ${num(s.cycles)} cycles (min ${num(s.min)}, max ${num(s.max)})`];
  for (const d of s.domains) long.push(`- ${d.domain.name}: ${num(d.count)} × · ${num(d.cycles)} cycles (${percent(d.cycles, d.domain.running)})`);
  switch (s.kind) {
    case 'hypercall': {
      if (s.multicallSaving > 0) {
        long.push(`In a loop: multicalls would save ~${num(s.multicallSaving)} cycles, from the calls measured:`, ...s.multicalls.map((m) => multicallLine(m, s.at?.fn.name.name)), multicallFormula());
        return { short: `×${num(s.count)} · avg ${num(each)} · multicall saves ~${num(s.multicallSaving)}`, long, problem: true };
      }
      return { short: `×${num(s.count)} · avg ${num(each)} cycles`, tiny: `×${num(s.count)}`, long, problem: false };
    }
    case 'trap': {
      const advice = s.at?.impl === 'xen' ? 'use a hypercall in impl xen' : 'wrap in a pvop';
      long.push(`A privileged instruction traps in a pv domain: +${num(each)} cycles each — ${advice}.`);
      return { short: `traps ×${num(s.count)} · +${num(each)} each`, long, problem: true };
    }
    case 'vmexit':
      long.push(`The instruction causes a VM exit in an hvm domain: +${num(each)} cycles each.`);
      return { short: `VM exits ×${num(s.count)} · +${num(each)} each`, long, problem: true };
    case 'pvop':
      if (s.pvopSaving <= 0) return undefined;
      long.push(`Called through the ops table (+8 each); patch_pvops would save ${num(s.pvopSaving)} cycles.`, pvopFormula());
      return { short: `×${num(s.count)} via ops table · patch saves ${num(s.pvopSaving)}`, long, problem: true };
  }
}

/** The label: problems first, then the rest, as many pieces as fit (in their tiny form if need be); the tooltip has every piece. */
function hintLabel(pieces: readonly Piece[]): string {
  const ordered = [...pieces.filter((p) => p.problem), ...pieces.filter((p) => !p.problem)];
  let label = ordered[0].short;
  let dropped = false;
  for (const p of ordered.slice(1)) {
    const text = [p.short, p.tiny].find((t) => t !== undefined && label.length + 3 + t.length <= MAX_HINT_LABEL);
    if (text === undefined) dropped = true;
    else label += ` · ${text}`;
  }
  return dropped && label.length + 2 <= MAX_HINT_LABEL ? `${label} …` : label;
}

const isHotEnough = (h: HotLine): boolean => h.domains.some(({ domain, cycles }) => domain.running > 0 && cycles >= HOT_DENSITY_LINE_SHARE * domain.running);

export function perfInlayHints(project: ProjectView, store: ProfileStore, uri: string, range: Range | undefined, density: HintDensity = 'all'): InlayHint[] {
  if (density === 'off') return [];
  const found = factsFor(project, store, uri);
  if (!found || found.facts.stale) return [];
  const { facts, source } = found;
  const system = facts.profile.system;
  const byLine = new Map<number, { pieces: Piece[]; hot: boolean }>();
  const at = (line: number): { pieces: Piece[]; hot: boolean } => {
    let entry = byLine.get(line);
    if (!entry) byLine.set(line, (entry = { pieces: [], hot: false }));
    return entry;
  };
  for (const h of facts.hotLines) {
    const entry = at(h.line);
    entry.pieces.push(hotLinePiece(h, system));
    entry.hot = density === 'all' || isHotEnough(h);
  }
  for (const s of facts.sites) {
    const piece = sitePiece(s, system);
    if (piece) at(s.line).pieces.push(piece);
  }
  const hints: InlayHint[] = [];
  for (const [line, { pieces, hot }] of byLine) {
    if (density === 'hot' && !hot && !pieces.some((p) => p.problem)) continue;
    const position = endOfLine(source, line);
    if (!inRange(position, range)) continue;
    const tooltip = [...pieces.filter((p) => p.problem), ...pieces.filter((p) => !p.problem)].flatMap((p) => p.long).join('\n');
    hints.push({ position, label: hintLabel(pieces), paddingLeft: true, tooltip });
  }
  return hints.sort((a, b) => a.position.line - b.position.line);
}

/** A function's lens: one per function line, whatever the number of domains that ran it. */
function fnLens(source: SourceFile, list: readonly FnFact[], stale: boolean): CodeLens {
  const calls = list.reduce((a, f) => a + f.count, 0);
  const callText = `${num(calls)} call${calls === 1 ? '' : 's'}`;
  const mark = stale ? ' · before your edits' : '';
  const share = (f: FnFact): string => `${percent(f.total, f.domain.running)} of ${f.domain.name}`;
  const title =
    list.length === 1
      ? `$(watch) ${num(list[0].total)} cycles (${share(list[0])}) · self ${num(list[0].self)} · ${callText}${mark}`
      : `$(watch) ${list.map((f) => `${f.domain.name} ${num(f.total)} (${percent(f.total, f.domain.running)})`).join(' · ')} · ${callText}${mark}`;
  const tooltip = list.map((f) => `${f.domain.name}: ${num(f.total)} cycles with callees (${share(f)}), ${num(f.self)} own, ${num(f.count)} call${f.count === 1 ? '' : 's'}`).join('\n');
  return { range: toRange(source, list[0].fn.name.span), command: { title, command: '', tooltip } };
}

const domainShare = (d: { domain: DomainRef; cycles: number }): string => `${d.domain.name} ${percent(d.cycles, d.domain.running)}`;

export function perfCodeLenses(project: ProjectView, store: ProfileStore, uri: string, density: HintDensity = 'all'): CodeLens[] {
  if (density === 'off') return [];
  const found = factsFor(project, store, uri);
  if (!found) return [];
  const { facts, source } = found;
  const { profile } = facts;
  const top: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [];
  if (facts.stale) {
    lenses.push(
      { range: top, command: { title: `$(warning) Edited since the profile of ${profile.system} was taken: line hints hidden`, command: '', tooltip: 'The lines may have moved, so no number is shown at a line; function lenses follow their functions by name.' } },
      { range: top, command: { title: `$(flame) Profile ${profile.system} again`, command: 'pvlab.profileSystem', arguments: [pathToUri(profile.systemFile), profile.system] } },
    );
  } else if (facts.domains.length > 0) {
    const pvopCalls = facts.sites.filter((s) => s.pvopSaving > 0).reduce((a, s) => a + s.count, 0);
    const pvopSaving = facts.sites.reduce((a, s) => a + s.pvopSaving, 0);
    const here = facts.domains.length === 1 ? `${percent(facts.domains[0].cycles, facts.domains[0].domain.running)} of ${facts.domains[0].domain.name}'s ${num(facts.domains[0].domain.running)} cycles` : facts.domains.map(domainShare).join(' · ');
    const patch = pvopSaving > 0 ? ` · patch_pvops would save ${num(pvopSaving)}` : '';
    const tooltip = [
      `Profile of system ${profile.system}: the cycles of this file's lines, hypercalls, traps and VM exits`,
      ...facts.domains.map((d) => `- ${d.domain.name}: ${num(d.cycles)} of ${num(d.domain.running)} cycles (${percent(d.cycles, d.domain.running)})`),
      ...(pvopSaving > 0 ? [`${num(pvopCalls)} pvop calls via the ops table: patch_pvops would save ${num(pvopSaving)}`, pvopFormula()] : []),
    ].join('\n');
    lenses.push({ range: top, command: { title: `$(watch) Profile of ${profile.system}: this file ${here}${patch}`, command: '', tooltip } });
  }
  const byFn = new Map<number, FnFact[]>();
  for (const f of facts.fns) {
    if (density === 'hot' && f.total < HOT_DENSITY_FUNCTION_SHARE * f.domain.running) continue;
    const list = byFn.get(f.fn.span.start) ?? [];
    list.push(f);
    byFn.set(f.fn.span.start, list);
  }
  for (const list of byFn.values()) lenses.push(fnLens(source, list, facts.stale));
  return lenses;
}
