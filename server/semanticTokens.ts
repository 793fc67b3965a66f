import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import type { DeclKind } from '../sandbox/lang/occurrences.js';
import type { SourceFile } from '../sandbox/lang/source.js';
import type { ProjectView } from './view.js';

const TYPES = ['namespace', 'type', 'function', 'method', 'variable', 'parameter', 'property', 'keyword', 'number', 'string', 'comment', 'interface', 'macro'] as const;
const MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const BY_KIND: Record<DeclKind | 'unknown', [TokenType, number] | undefined> = {
  function: ['function', 0],
  global: ['variable', 0],
  const: ['variable', 2],
  pvops: ['interface', 0],
  op: ['method', 0],
  local: ['variable', 0],
  param: ['parameter', 0],
  'loop-variable': ['variable', 2],
  hypercall: ['function', 4],
  intrinsic: ['macro', 4],
  system: ['namespace', 0],
  domain: ['namespace', 0],
  unknown: undefined,
};

class Builder {
  private readonly data: number[] = [];
  private line = 0;
  private char = 0;
  constructor(private readonly source: SourceFile) {}

  /** Adds a token, split at line breaks (LSP tokens may not span lines). */
  add(start: number, end: number, type: TokenType, modifiers = 0): void {
    const text = this.source.text;
    let s = start;
    while (s < end) {
      let e = s;
      while (e < end && text[e] !== '\n' && text[e] !== '\r') e++;
      if (e > s) {
        const p = this.source.position(s);
        const line = p.line - 1;
        const char = p.column - 1;
        this.data.push(line - this.line, line === this.line ? char - this.char : char, e - s, TYPES.indexOf(type), modifiers);
        this.line = line;
        this.char = char;
      }
      s = e + 1;
    }
  }
  build(): SemanticTokens {
    return { data: this.data };
  }
}

export function semanticTokens(project: ProjectView, uri: string): SemanticTokens {
  const parsed = project.parsed(uri);
  if (!parsed) return { data: [] };
  const occ = new Map(project.occurrencesOf(parsed).map((o) => [o.span.start, o]));
  const entries: { start: number; end: number; type: TokenType; mods: number }[] = [];
  for (const t of parsed.tokens) {
    if (t.kind === 'keyword') entries.push({ start: t.start, end: t.end, type: ['u32', 'i32', 'bool'].includes(t.text) ? 'type' : 'keyword', mods: 0 });
    else if (t.kind === 'int') entries.push({ start: t.start, end: t.end, type: 'number', mods: 0 });
    else if (t.kind === 'string') entries.push({ start: t.start, end: t.end, type: 'string', mods: 0 });
    else if (t.kind === 'ident') {
      const o = occ.get(t.start);
      const style = o ? BY_KIND[o.kind] : undefined;
      if (style) entries.push({ start: t.start, end: t.end, type: style[0], mods: style[1] | (o?.role === 'definition' ? 1 : 0) });
    }
  }
  for (const c of parsed.comments) entries.push({ start: c.span.start, end: c.span.end, type: 'comment', mods: 0 });
  entries.sort((a, b) => a.start - b.start);
  const builder = new Builder(parsed.source);
  for (const e of entries) builder.add(e.start, e.end, e.type, e.mods);
  return builder.build();
}
