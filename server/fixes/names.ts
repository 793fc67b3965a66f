import type { CodeAction } from 'vscode-languageserver';
import { suggestedNames } from '../../sandbox/lang/suggest.js';
import { action, messageOf, replace, type FixContext } from './context.js';

/**
 * PVK002, PVK010 (and PVK022's unknown op): the diagnostic covers the
 * misspelt name and its message offers the nearest names ("did you mean
 * 'count'?"); one fix per offered name replaces it.
 */
export function renameToSuggested(ctx: FixContext): CodeAction[] {
  const names = suggestedNames(messageOf(ctx.diagnostic));
  const written = ctx.parsed.source.text.slice(ctx.span.start, ctx.span.end);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(written)) return [];
  return names.map((name) => action(ctx, `Change '${written}' to '${name}'`, [replace(ctx, ctx.span, name)], names.length === 1));
}
