import type { CodeAction, Diagnostic as LspDiagnostic, Range } from 'vscode-languageserver';
import { toOffset } from './convert.js';
import { argumentFixes } from './fixes/arguments.js';
import type { Fixer } from './fixes/context.js';
import { checkEnosys, privilegeFixes } from './fixes/hypercalls.js';
import { implFixes } from './fixes/impls.js';
import { literalFixes } from './fixes/literals.js';
import { renameToSuggested } from './fixes/names.js';
import { callThroughPvop, moveIntoPvop } from './fixes/pvops.js';
import { abiCodeActions } from './fixes/abi.js';
import type { ProjectView } from './view.js';

/** The quick fixes, by diagnostic code (server/fixes/, one file per kind of fix). */
const FIXERS: Readonly<Record<string, Fixer>> = {
  PVK002: renameToSuggested,
  PVK004: argumentFixes,
  PVK005: literalFixes,
  PVK010: renameToSuggested,
  PVK011: privilegeFixes,
  PVK012: checkEnosys,
  PVK020: moveIntoPvop,
  PVK021: callThroughPvop,
  PVK022: implFixes,
  PVK040: abiCodeActions,
  PVK041: abiCodeActions,
};

/** Quick fixes for the pvlab diagnostics the client sends with the request. */
export function codeActions(project: ProjectView, uri: string, _range: Range, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const out: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const fixer = typeof diagnostic.code === 'string' ? FIXERS[diagnostic.code] : undefined;
    if (!fixer) continue;
    const span = { start: toOffset(parsed.source, diagnostic.range.start), end: toOffset(parsed.source, diagnostic.range.end) };
    out.push(...fixer({ project, parsed, uri, span, diagnostic }));
  }
  return out;
}
