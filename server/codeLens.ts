import type { CodeLens } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { denotes } from '../sandbox/lang/occurrences.js';
import { forEachExpr, functionsOf } from '../sandbox/lang/walk.js';
import { toRange } from './convert.js';
import { contextsRunning } from '../sandbox/lang/bootContext.js';
import { hypercallCost, hypercallTrouble, implPlatformAt } from './describe.js';
import type { HintDensity } from './hintDensity.js';
import { perfCodeLenses } from './profileHints.js';
import { lockLensTitle } from '../sandbox/lang/lockDiagnostics.js';
import type { ProfileStore } from './profileStore.js';
import type { ProjectView } from './view.js';

/** Every hypercall expression of a file, in text order. */
function hypercallSites(ast: A.FileAst): A.HypercallExpr[] {
  const out: A.HypercallExpr[] = [];
  const collect = (e: A.Expr): void => {
    if (e.kind === 'hypercall') out.push(e);
  };
  for (const fn of functionsOf(ast)) forEachExpr(fn.body, collect);
  for (const item of ast.items) if (item.kind === 'const' || item.kind === 'var') forEachExpr(item.init, collect);
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** The system lenses: each runs its command on the system (Compare draws native vs pv vs patched vs hvm in the profile view). */
const SYSTEM_ACTIONS = [
  ['$(play) Run', 'pvlab.runSystem'],
  ['$(debug-alt) Debug', 'pvlab.debugSystem'],
  ['$(flame) Profile', 'pvlab.profileSystem'],
  ['$(graph) Compare', 'pvlab.compareSystem'],
] as const;

/**
 * Lenses that surface the ABI: the hypercalls of each line (number, class,
 * version, cost, trouble in context; one lens per line however many calls
 * it holds), each pvops op (its impls and call sites), each extension's
 * standing against abi.lock, and each system (Run · Debug · Profile ·
 * Compare); then, after a profile, the performance lenses
 * (server/profileHints.ts). `off` keeps only the system lenses.
 */
export function codeLenses(project: ProjectView, uri: string, profiles?: ProfileStore, density: HintDensity = 'all'): CodeLens[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const source = parsed.source;
  const contexts = project.analysis().contexts.get(source.path) ?? [];
  const lenses: CodeLens[] = [];
  const abi = density !== 'off';
  const byLine = new Map<number, { site: A.HypercallExpr; title: string }[]>();
  for (const site of abi ? hypercallSites(parsed.ast) : []) {
    const d = site.decl;
    if (!d) continue;
    const running = contextsRunning(contexts, implPlatformAt(parsed.ast, site.span.start));
    const parts = [`#${d.number} ${d.name.name}`, d.cls === 'dom0' ? 'dom0-only' : 'stable', `since ${d.since}`, hypercallCost(d), ...hypercallTrouble(d, running).map((t) => `$(warning) ${t}`)];
    const line = source.lineOf(site.span.start);
    byLine.set(line, [...(byLine.get(line) ?? []), { site, title: parts.join(' · ') }]);
  }
  for (const sites of byLine.values()) {
    const titles = [...new Set(sites.map((s) => s.title))];
    const title = titles.length === 1 && sites.length > 1 ? `${titles[0]} · ×${sites.length} on this line` : titles.join('  |  ');
    const decl = sites[0].site.decl;
    // The built-in table opens at its row; an extension's declaration is one go-to-definition away.
    const command = decl?.table === 'xen' ? { title, command: 'pvlab.openHypercallTable', arguments: [decl.name.name] } : { title, command: '' };
    lenses.push({ range: toRange(source, sites[0].site.span), command });
  }
  for (const item of parsed.ast.items) {
    if (item.kind === 'pvops' && abi) {
      for (const op of item.ops) {
        let calls = 0;
        const impls = new Set<string>();
        for (const f of project.files()) {
          for (const o of project.occurrencesOf(f)) {
            if (!denotes(o, op)) continue;
            if (o.implOf === op && o.decl && 'kind' in o.decl && o.decl.kind === 'fn' && o.decl.impl) impls.add(o.decl.impl.platform.name);
            else if (o.role === 'use') calls++;
          }
        }
        const implText = impls.size === 0 ? 'no impls' : [...impls].sort().map((p) => `impl ${p}`).join(' · ');
        lenses.push({ range: toRange(source, op.span), command: { title: `${implText} · ${calls} call site${calls === 1 ? '' : 's'}`, command: '' } });
      }
    }
    if (item.kind === 'abi' && item.name.name !== 'xen') {
      const status = project.analysis().abiLock;
      if (status) lenses.push({ range: toRange(source, item.name.span), command: { title: lockLensTitle(status, item.name.name), command: '' } });
    }
    if (item.kind === 'system') {
      const range = toRange(source, item.name.span);
      for (const [title, command] of SYSTEM_ACTIONS) lenses.push({ range, command: { title, command, arguments: [uri, item.name.name] } });
    }
  }
  if (profiles) lenses.push(...perfCodeLenses(project, profiles, uri, density));
  return lenses;
}
