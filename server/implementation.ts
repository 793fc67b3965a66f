import type { Location, Position } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { implIndex, isKind, opNamed } from './callGraph.js';
import { toRange } from './convert.js';
import { locationIn, occurrenceUnder } from './navigation.js';
import { pathToUri } from './paths.js';
import type { ProjectView } from './view.js';

/** Where the hypercall's row of the shipped ABI table is. */
export function abiRow(project: ProjectView, decl: A.HypercallDecl): Location | null {
  if (decl.table !== 'xen') {
    // An extension's row is its declaration with the handler, in the user's file.
    const source = project.file(decl.file)?.source;
    return source ? { uri: pathToUri(decl.file), range: toRange(source, decl.span) } : null;
  }
  const abi = project.abiFile();
  const source = project.parsed(abi.uri)?.source;
  const row = abi.decls.byName.get(decl.name.name);
  return source && row ? { uri: abi.uri, range: toRange(source, row.span) } : null;
}

/**
 * Go to Implementations: from an op (a pvop call, its `pvops` entry or an
 * impl function) every impl function of it; from a pvops table every
 * `impl` block of it; from a hypercall its row in the ABI table. Which
 * domains bind each impl is in its hover (pvopBindings.ts).
 */
export function implementation(project: ProjectView, uri: string, position: Position): Location[] {
  const found = occurrenceUnder(project, uri, position);
  if (!found) return [];
  const { occ } = found;
  const op = opNamed(occ);
  if (op) {
    const impls = implIndex(project).implsOfOp.get(op) ?? [];
    return impls.flatMap((i) => locationIn(project, i.fn.file, i.fn.name.span) ?? []);
  }
  const d = occ.decl;
  if (isKind(d, 'pvops')) {
    const impls = implIndex(project).implsOfTable.get(d) ?? [];
    return impls.flatMap((i) => locationIn(project, i.file, { start: i.span.start, end: i.platform.span.end }) ?? []);
  }
  if (d && !('kind' in d)) {
    const row = abiRow(project, d);
    return row ? [row] : [];
  }
  return [];
}
