import type { FoldingRange } from 'vscode-languageserver';
import { FoldingRangeKind } from 'vscode-languageserver';
import type { ProjectView } from './view.js';

/** Braced blocks, multi-line block comments and runs of line comments. */
export function foldingRanges(project: ProjectView, uri: string): FoldingRange[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const line = (offset: number): number => parsed.source.lineOf(offset) - 1;
  const out: FoldingRange[] = [];
  const open: number[] = [];
  for (const t of parsed.tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '{') open.push(t.start);
    else if (t.text === '}' && open.length > 0) {
      const start = line(open.pop() as number);
      const end = line(t.start) - 1;
      if (end > start) out.push({ startLine: start, endLine: end });
    }
  }
  let run: [number, number] | undefined;
  const flush = (): void => {
    if (run && run[1] > run[0]) out.push({ startLine: run[0], endLine: run[1], kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const c of parsed.comments) {
    const a = line(c.span.start);
    const b = line(c.span.end);
    if (b > a) {
      flush();
      out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Comment });
      continue;
    }
    if (run && a === run[1] + 1) run[1] = a;
    else {
      flush();
      run = [a, a];
    }
  }
  flush();
  return out.sort((x, y) => x.startLine - y.startLine);
}
