import type { DocumentLink } from 'vscode-languageserver';
import { resolveRelative, type ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { toRange } from './convert.js';
import { pathToUri } from './paths.js';
import type { ProjectView } from './view.js';

/** The path inside a string literal's quotes. */
function insideQuotes(parsed: ParsedFile, span: Span): Span {
  const text = parsed.source.text;
  const quoted = span.end - span.start >= 2 && text[span.start] === '"' && text[span.end - 1] === '"';
  return quoted ? { start: span.start + 1, end: span.end - 1 } : span;
}

/**
 * Links for the paths of `import "…";` and of `kernel "…";` in system
 * blocks. A path whose file cannot be read gets no link (its diagnostic,
 * PVK013 or PVK030, says so).
 */
export function documentLinks(project: ProjectView, uri: string): DocumentLink[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const out: DocumentLink[] = [];
  const link = (span: Span, file: string, tooltip: string): void => {
    if (!project.file(file)) return;
    out.push({ range: toRange(parsed.source, insideQuotes(parsed, span)), target: pathToUri(file), tooltip });
  };
  for (const imp of parsed.imports) link(imp.item.pathSpan, imp.file, `Open the imported file ${imp.item.path}`);
  for (const item of parsed.ast.items) {
    if (item.kind !== 'system') continue;
    for (const d of item.domains) {
      for (const p of d.props) {
        const v = p.values[0];
        if (p.name.name === 'kernel' && v?.kind === 'string') link(v.span, resolveRelative(parsed.source.path, v.text), `Open the kernel of domain ${d.name.name}`);
      }
    }
  }
  return out;
}
