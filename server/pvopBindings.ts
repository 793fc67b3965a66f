import type * as A from '../sandbox/lang/ast.js';
import { contextsRunning, type BootContext } from '../sandbox/lang/bootContext.js';
import type { Occurrence } from '../sandbox/lang/occurrences.js';
import { implIndex, isKind, opNamed } from './callGraph.js';
import type { ProjectView } from './view.js';

/**
 * The domains that bind an impl block: those booting a kernel whose closure
 * holds the impl's file, in the mode that binds its platform (pv binds
 * `xen`, native and hvm bind `native`).
 */
export function implBoundBy(project: ProjectView, impl: A.ImplItem): BootContext[] {
  const platform = impl.platform.name;
  if (platform !== 'xen' && platform !== 'native') return [];
  return contextsRunning(project.analysis().contexts.get(impl.file) ?? [], platform);
}

/** "host: web, db; bare: solo", or "no domain" — domains grouped by system, in boot order. */
export function domainsBySystem(contexts: readonly BootContext[]): string {
  const bySystem = new Map<string, string[]>();
  for (const c of contexts) {
    const list = bySystem.get(c.system) ?? [];
    if (!list.includes(c.domain)) list.push(c.domain);
    bySystem.set(c.system, list);
  }
  if (bySystem.size === 0) return 'no domain';
  return [...bySystem].map(([system, domains]) => `${system}: ${domains.join(', ')}`).join('; ');
}

/** `impl cpu for xen · bound by host: web` */
export function implLabel(project: ProjectView, impl: A.ImplItem): string {
  return `impl ${impl.group.name} for ${impl.platform.name} · bound by ${domainsBySystem(implBoundBy(project, impl))}`;
}

/**
 * For a hover on an impl function, an op or a pvops table: which domains bind
 * which implementation.
 */
export function bindingsHover(project: ProjectView, occ: Occurrence): string | undefined {
  const g = implIndex(project);
  const line = (impl: A.ImplItem): string => `- \`impl ${impl.group.name} for ${impl.platform.name}\` is bound by ${domainsBySystem(implBoundBy(project, impl))}`;
  if (occ.implOf && isKind(occ.decl, 'fn') && occ.decl.impl) return `bound by ${domainsBySystem(implBoundBy(project, occ.decl.impl))}`;
  const op = opNamed(occ);
  const impls = op ? (g.implsOfOp.get(op) ?? []).map((i) => i.impl) : isKind(occ.decl, 'pvops') ? (g.implsOfTable.get(occ.decl) ?? []) : undefined;
  if (!impls) return undefined;
  return impls.length > 0 ? ['**implementations:**', ...impls.map(line)].join('\n') : 'no implementation in the workspace';
}
