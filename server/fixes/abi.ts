import * as path from 'node:path';
import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import { freeHypercallNumber } from '../../sandbox/lang/abiBlocks.js';
import type * as A from '../../sandbox/lang/ast.js';
import { occurrenceAt } from '../../sandbox/lang/occurrences.js';
import type { ParsedFile } from '../../sandbox/lang/program.js';
import type { Span } from '../../sandbox/lang/source.js';
import { toRange } from '../convert.js';
import { pathToUri } from '../paths.js';
import type { ProjectView } from '../view.js';
import type { FixContext } from './context.js';

/** Quick fixes for the extension diagnostics: PVK040 (add `abi NAME;` to a system) and PVK041 (pick a free number). */
export function abiCodeActions({ project, parsed, uri, span, diagnostic: d }: FixContext): CodeAction[] {
  if (d.code === 'PVK040') return addAbiToSystems(project, parsed, span, d);
  if (d.code === 'PVK041') return freeNumber(project, parsed, uri, span, d);
  return [];
}

/** PVK040: for each system that boots the kernel without the extension, add `abi NAME;` (and the import it needs). */
function addAbiToSystems(project: ProjectView, parsed: ParsedFile, span: Span, d: LspDiagnostic): CodeAction[] {
  const occ = occurrenceAt(project.occurrencesOf(parsed), span.start);
  const decl = occ?.decl;
  if (!decl || 'kind' in decl || decl.table === 'xen') return [];
  const analysis = project.analysis();
  const contexts = analysis.contexts.get(parsed.source.path) ?? [];
  const out: CodeAction[] = [];
  const done = new Set<A.SystemItem>();
  for (const c of contexts) {
    if (c.hypervisor === null || c.abis.includes(decl.table)) continue;
    const system = analysis.systems.find((s) => s.config.name === c.system && s.config.file === c.systemFile)?.config.item;
    if (!system || done.has(system)) continue;
    done.add(system);
    const file = project.file(system.file);
    if (!file) continue;
    const edits: TextEdit[] = [abiPropertyEdit(file, system, decl.table)];
    const visible = project.items(system.file).extensions.some((a) => a.name.name === decl.table);
    if (!visible) {
      const rel = path.relative(path.dirname(system.file), decl.file).split(path.sep).join('/');
      edits.unshift({ range: toRange(file.source, { start: 0, end: 0 }), newText: `import "${rel}";\n` });
    }
    out.push({
      title: `Add 'abi ${decl.table};' to system ${system.name.name}${visible ? '' : ` (and import ${path.basename(decl.file)})`}`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: out.length === 0,
      edit: { changes: { [pathToUri(system.file)]: edits } },
    });
  }
  return out;
}

/** `    abi NAME;` on its own line before the system's first domain (or its first property, or its `}`). */
function abiPropertyEdit(file: ParsedFile, system: A.SystemItem, table: string): TextEdit {
  const text = file.source.text;
  const firsts = system.domains.length > 0 ? system.domains.map((x) => x.span.start) : system.props.map((p) => p.span.start);
  if (firsts.length > 0) {
    const first = Math.min(...firsts);
    const lineStart = text.lastIndexOf('\n', first - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '    ';
    return { range: toRange(file.source, { start: lineStart, end: lineStart }), newText: `${indent}abi ${table};\n` };
  }
  const close = system.span.end - 1;
  return { range: toRange(file.source, { start: close, end: close }), newText: `    abi ${table};\n` };
}

/** PVK041 on a taken number: replace it with the lowest free one. */
function freeNumber(project: ProjectView, parsed: ParsedFile, uri: string, span: Span, d: LspDiagnostic): CodeAction[] {
  for (const item of parsed.ast.items) {
    if (item.kind !== 'abi') continue;
    const h = item.hypercalls.find((x) => x.numberSpan.start === span.start && x.numberSpan.end === span.end);
    if (!h) continue;
    const free = freeHypercallNumber(project.items(parsed.source.path));
    return [
      {
        title: `Use the free hypercall number ${free}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [{ range: toRange(parsed.source, h.numberSpan), newText: String(free) }] } },
      },
    ];
  }
  return [];
}
