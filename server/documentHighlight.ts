import type { DocumentHighlight, Position } from 'vscode-languageserver';
import { DocumentHighlightKind } from 'vscode-languageserver';
import type { FileAst, FnItem } from '../sandbox/lang/ast.js';
import { denotes, type Occurrence } from '../sandbox/lang/occurrences.js';
import { forEachStmt, functionsOf } from '../sandbox/lang/walk.js';
import { toRange } from './convert.js';
import { occurrenceUnder } from './navigation.js';
import type { ProjectView } from './view.js';

/** Start offsets of the names assigned to (`x = …`, `x += …`) in these functions. */
function assignedNames(fns: readonly FnItem[]): Set<number> {
  const out = new Set<number>();
  for (const fn of fns) {
    forEachStmt(fn.body, (s) => {
      if (s.kind === 'assign' && s.target.kind === 'name') out.add(s.target.span.start);
    });
  }
  return out;
}

/** The names assigned to anywhere in a file (for globals), once per parse. */
const assignedInFile = new WeakMap<FileAst, Set<number>>();
function assignedAnywhere(ast: FileAst): Set<number> {
  let set = assignedInFile.get(ast);
  if (!set) {
    set = assignedNames(functionsOf(ast));
    assignedInFile.set(ast, set);
  }
  return set;
}

/**
 * Every occurrence in this file of what the cursor names (a local, parameter,
 * global, constant, function, op, table, hypercall or intrinsic).
 * Declarations and assignments are writes; everything else reads.
 */
export function documentHighlights(project: ProjectView, uri: string, position: Position): DocumentHighlight[] {
  const found = occurrenceUnder(project, uri, position);
  if (!found) return [];
  const { parsed, occ } = found;
  const target = occ.implOf ?? occ.decl;
  const same = (o: Occurrence): boolean => (target ? denotes(o, target) : occ.kind === 'intrinsic' && o.kind === 'intrinsic' && o.name === occ.name);
  const list = project.occurrencesOf(parsed).filter(same);
  if (list.length === 0) return [];
  // Only variables are assigned; a local or parameter only in its own function.
  const kind = target && 'kind' in target ? target.kind : undefined;
  const local = kind === 'let' || kind === 'param' || kind === 'for';
  const assigned = kind === 'var' ? assignedAnywhere(parsed.ast) : assignedNames(local ? functionsOf(parsed.ast).filter((f) => f.span.start <= occ.span.start && occ.span.end <= f.span.end) : []);
  return list.map((o) => ({
    range: toRange(parsed.source, o.span),
    kind: o.role === 'definition' || assigned.has(o.span.start) ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}
