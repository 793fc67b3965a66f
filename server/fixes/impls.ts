import type { CodeAction, TextEdit } from 'vscode-languageserver';
import type * as A from '../../sandbox/lang/ast.js';
import { toRange } from '../convert.js';
import { pathToUri } from '../paths.js';
import { renameToSuggested } from './names.js';
import { action, itemsSeenFrom, messageOf, replace, sameSpan, zeroOf, type FixContext } from './context.js';

const paramsText = (params: readonly A.Param[]): string => params.map((p) => `${p.name.name}: ${p.type.name}`).join(', ');
const signatureText = (op: A.PvopSig): string => `fn ${op.name.name}(${paramsText(op.params)})${op.ret ? ` -> ${op.ret.name}` : ''}`;

/** A stub implementing `op`: nothing, or a zero of its return type. */
const stub = (op: A.PvopSig): string => `${signatureText(op)} { ${op.ret ? `return ${zeroOf(op.ret.name)}; ` : ''}}`;

/** Text inserted before the closing brace of a block item: one line per entry, indented like the block's members. */
function insertBeforeClose(ctx: FixContext, item: { span: { start: number; end: number } }, lines: string[], indent = '    '): TextEdit {
  const text = ctx.parsed.source.text;
  const close = item.span.end - 1;
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  if (text.slice(lineStart, close).trim() === '') return replace(ctx, { start: lineStart, end: lineStart }, lines.map((l) => `${indent}${l}\n`).join(''));
  return replace(ctx, { start: close, end: close }, `\n${lines.map((l) => `${indent}${l}\n`).join('')}`);
}

/**
 * PVK022: an impl that misses ops gets stubs for them (their declared
 * signatures, returning zero); an impl fn whose signature differs gets the
 * declared one; one the table does not declare is renamed to a suggested op,
 * removed, or declared in the table; an unknown platform becomes native or xen.
 */
export function implFixes(ctx: FixContext): CodeAction[] {
  const message = messageOf(ctx.diagnostic);
  const impl = ctx.parsed.ast.items.find((i): i is A.ImplItem => i.kind === 'impl' && (sameSpan(i.group.span, ctx.span) || sameSpan(i.platform.span, ctx.span) || i.fns.some((f) => sameSpan(f.name.span, ctx.span))));
  if (!impl) return [];
  if (sameSpan(impl.platform.span, ctx.span)) {
    return ['native', 'xen'].map((p) => action(ctx, `Change '${impl.platform.name}' to '${p}'`, [replace(ctx, ctx.span, p)]));
  }
  const group = itemsSeenFrom(ctx).values.get(impl.group.name);
  if (group?.kind !== 'pvops') return [];
  if (sameSpan(impl.group.span, ctx.span)) {
    const present = new Set(impl.fns.map((f) => f.name.name));
    const missing = group.ops.filter((o) => !present.has(o.name.name));
    if (missing.length === 0) return [];
    const indent = impl.fns.length > 0 ? /^[ \t]*/.exec(ctx.parsed.source.text.slice(ctx.parsed.source.text.lastIndexOf('\n', impl.fns[0].span.start - 1) + 1))?.[0] || '    ' : '    ';
    const names = missing.map((o) => o.name.name).join(', ');
    return [action(ctx, `Add stubs for ${names}`, [insertBeforeClose(ctx, impl, missing.map(stub), indent)], true)];
  }
  const fn = impl.fns.find((f) => sameSpan(f.name.span, ctx.span));
  if (!fn) return [];
  const op = group.ops.find((o) => o.name.name === fn.name.name);
  if (op) {
    const sig = `(${paramsText(op.params)})${op.ret ? ` -> ${op.ret.name}` : ''} `;
    return [action(ctx, `Change to the declared signature ${op.name.name}(${paramsText(op.params)})${op.ret ? ` -> ${op.ret.name}` : ''}`, [replace(ctx, { start: fn.name.span.end, end: fn.body.span.start }, sig)], true)];
  }
  if (!/has no op/.test(message)) return [];
  const out = renameToSuggested(ctx);
  const text = ctx.parsed.source.text;
  const lineStart = text.lastIndexOf('\n', fn.span.start - 1) + 1;
  const lineEnd = text.indexOf('\n', fn.span.end);
  const ownLines = text.slice(lineStart, fn.span.start).trim() === '' && (lineEnd < 0 ? text.slice(fn.span.end) : text.slice(fn.span.end, lineEnd)).trim() === '';
  const removal = ownLines ? { start: lineStart, end: lineEnd < 0 ? text.length : lineEnd + 1 } : fn.span;
  out.push(action(ctx, `Remove fn ${fn.name.name} from impl ${impl.group.name} for ${impl.platform.name}`, [replace(ctx, removal, '')]));
  const declaration = `fn ${fn.name.name}(${paramsText(fn.params)})${fn.ret ? ` -> ${fn.ret.name}` : ''};`;
  const groupFile = ctx.project.ws.file(group.file);
  if (groupFile) {
    const gText = groupFile.source.text;
    const close = group.span.end - 1;
    const gLineStart = gText.lastIndexOf('\n', close - 1) + 1;
    const edit: TextEdit =
      gText.slice(gLineStart, close).trim() === ''
        ? { range: toRange(groupFile.source, { start: gLineStart, end: gLineStart }), newText: `    ${declaration}\n` }
        : { range: toRange(groupFile.source, { start: close, end: close }), newText: `\n    ${declaration}\n` };
    const a = action(ctx, `Declare op ${fn.name.name} in pvops ${group.name.name}`, []);
    a.edit = { changes: { [group.file === ctx.parsed.source.path ? ctx.uri : pathToUri(group.file)]: [edit] } };
    out.push(a);
  }
  return out;
}
