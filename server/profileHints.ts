import type { CodeLens, InlayHint, Position, Range } from 'vscode-languageserver';
import type { SourceFile } from '../sandbox/lang/source.js';
import { toPosition, toRange } from './convert.js';
import { fileFacts, type FileFacts, type HotLine, type SiteFact } from './perfFacts.js';
import { multicallFormula, num, percent, pvopFormula } from './perfSavings.js';
import { pathToUri, uriToPath } from './paths.js';
import type { ProfileStore } from './profileStore.js';
import type { ProjectView } from './view.js';

/**
 * Inline performance hints from the latest profile that covers a file:
 * inlay hints at hot lines and at hypercall, trap, VM-exit and pvop sites;
 * code lenses with the file's share and at hot functions.
 *
 * Staleness: when the text differs from the profiled text (textHash), the
 * lines may have moved, so no inlay hint is shown at all (never a number at
 * a wrong line); the code lenses stay, marked `· stale`, the function ones
 * found by name, with a lens at the top of the file to re-run the profile.
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

function endOfLine(source: SourceFile, line: number): Position {
  return toPosition(source, source.offset(line, Number.MAX_SAFE_INTEGER));
}

const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);
const inRange = (p: Position, r: Range | undefined): boolean => !r || (!before(p, r.start) && !before(r.end, p));

function hotLineLabel(h: HotLine): string {
  if (h.domains.length === 1) {
    const [{ domain, cycles }] = h.domains;
    return `⏱ ${num(cycles)} cycles · ${percent(cycles, domain.running)} of ${domain.name}`;
  }
  return `⏱ ${h.domains.map(({ domain, cycles }) => `${domain.name} ${num(cycles)} (${percent(cycles, domain.running)})`).join(' · ')}`;
}

/** The label of a site hint, or undefined where there is nothing worth saying (a patched pvop). */
function siteLabel(s: SiteFact): string | undefined {
  const each = s.count > 0 ? s.cycles / s.count : 0;
  switch (s.kind) {
    case 'hypercall': {
      const batch = s.domains.length > 1 ? 'one multicall per domain' : 'one multicall';
      const loop = s.multicallSaving > 0 ? ` · in a loop: ${batch} would save ~${num(s.multicallSaving)}` : '';
      return `×${num(s.count)} · avg ${num(each)} cycles${loop}`;
    }
    case 'trap': {
      const advice = s.at?.impl === 'xen' ? 'use a hypercall in impl xen' : 'wrap in a pvop';
      return `traps ×${num(s.count)} · +${num(each)} cycles each — ${advice}`;
    }
    case 'vmexit':
      return `VM exits ×${num(s.count)} · +${num(each)} each`;
    case 'pvop':
      if (s.pvopSaving <= 0) return undefined;
      return `via ops table ×${num(s.count)} · +${num(each)} each · patch_pvops would save ${num(s.pvopSaving)}`;
  }
}

function siteTooltip(s: SiteFact, system: string): string {
  const lines = [`${s.kind} ${s.name} in profile of system ${system}: ${num(s.count)} × · ${num(s.cycles)} cycles (min ${num(s.min)}, max ${num(s.max)})`];
  for (const d of s.domains) lines.push(`- ${d.domain.name}: ${num(d.count)} × · ${num(d.cycles)} cycles (${percent(d.cycles, d.domain.running)})`);
  if (s.multicallSaving > 0) lines.push(multicallFormula());
  if (s.pvopSaving > 0) lines.push(pvopFormula());
  return lines.join('\n');
}

export function perfInlayHints(project: ProjectView, store: ProfileStore, uri: string, range: Range | undefined): InlayHint[] {
  const found = factsFor(project, store, uri);
  if (!found || found.facts.stale) return [];
  const { facts, source } = found;
  const hints: InlayHint[] = [];
  for (const s of facts.sites) {
    const label = siteLabel(s);
    if (!label) continue;
    const position = s.at ? toPosition(source, s.at.span.end) : endOfLine(source, s.line);
    hints.push({ position, label, paddingLeft: true, tooltip: siteTooltip(s, facts.profile.system) });
  }
  for (const h of facts.hotLines) {
    hints.push({ position: endOfLine(source, h.line), label: hotLineLabel(h), paddingLeft: true, tooltip: `own cycles of this line (callees not included) in profile of system ${facts.profile.system}` });
  }
  return hints.filter((h) => inRange(h.position, range)).sort((a, b) => (before(a.position, b.position) ? -1 : before(b.position, a.position) ? 1 : 0));
}

export function perfCodeLenses(project: ProjectView, store: ProfileStore, uri: string): CodeLens[] {
  const found = factsFor(project, store, uri);
  if (!found) return [];
  const { facts, source } = found;
  const { profile } = facts;
  const top: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [];
  const stale = facts.stale ? ' · stale' : '';
  if (facts.stale) {
    lenses.push({
      range: top,
      command: { title: `⚠ Profile of ${profile.system} is stale: this file changed since — re-run Profile System`, command: 'pvlab.profileSystem', arguments: [pathToUri(profile.systemFile), profile.system] },
    });
  } else if (facts.domains.length > 0) {
    const shares = facts.domains.map(({ domain, cycles }) => `${num(cycles)} of ${domain.name}'s ${num(domain.running)} cycles (${percent(cycles, domain.running)})`);
    const pvopCalls = facts.sites.filter((s) => s.pvopSaving > 0).reduce((a, s) => a + s.count, 0);
    const pvopSaving = facts.sites.reduce((a, s) => a + s.pvopSaving, 0);
    const patch = pvopSaving > 0 ? ` · ${num(pvopCalls)} pvop calls via the ops table: patch_pvops would save ${num(pvopSaving)}` : '';
    lenses.push({ range: top, command: { title: `⏱ Profile of ${profile.system}: this file ${shares.join(' · ')}${patch}`, command: '' } });
  }
  for (const f of facts.fns) {
    const calls = `${num(f.count)} call${f.count === 1 ? '' : 's'}`;
    lenses.push({
      range: toRange(source, f.fn.name.span),
      command: { title: `⏱ ${num(f.total)} cycles (${percent(f.total, f.domain.running)} of ${f.domain.name}) · self ${num(f.self)} · ${calls}${stale}`, command: '' },
    });
  }
  return lenses;
}
