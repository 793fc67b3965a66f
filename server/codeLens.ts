import type { CodeLens } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { denotes } from '../sandbox/lang/occurrences.js';
import { forEachExpr, functionsOf } from '../sandbox/lang/walk.js';
import { toRange } from './convert.js';
import { contextsRunning } from '../sandbox/lang/bootContext.js';
import { hypercallCost, hypercallTrouble, implPlatformAt } from './describe.js';
import { perfCodeLenses } from './profileHints.js';
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

/**
 * Lenses that surface the ABI: each hypercall site (number, class, version,
 * cost, trouble in context), each pvops op (its impls and call sites), and
 * each system (Run · Debug · Profile); then, after a profile, the
 * performance lenses (server/profileHints.ts).
 */
export function codeLenses(project: ProjectView, uri: string, profiles?: ProfileStore): CodeLens[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const source = parsed.source;
  const contexts = project.analysis().contexts.get(source.path) ?? [];
  const lenses: CodeLens[] = [];
  for (const site of hypercallSites(parsed.ast)) {
    const d = site.decl;
    if (!d) continue;
    const running = contextsRunning(contexts, implPlatformAt(parsed.ast, site.span.start));
    const parts = [`#${d.number} ${d.name.name}`, d.cls === 'dom0' ? 'dom0-only' : 'stable', `since ${d.since}`, hypercallCost(d), ...hypercallTrouble(d, running).map((t) => `⚠ ${t}`)];
    lenses.push({ range: toRange(source, site.span), command: { title: parts.join(' · '), command: 'pvlab.openHypercallTable', arguments: [d.name.name] } });
  }
  for (const item of parsed.ast.items) {
    if (item.kind === 'pvops') {
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
    if (item.kind === 'system') {
      const range = toRange(source, item.name.span);
      for (const [title, command] of [['▶ Run', 'pvlab.runSystem'], ['Debug', 'pvlab.debugSystem'], ['Profile', 'pvlab.profileSystem']] as const) {
        lenses.push({ range, command: { title, command, arguments: [uri, item.name.name] } });
      }
    }
  }
  if (profiles) lenses.push(...perfCodeLenses(project, profiles, uri));
  return lenses;
}
