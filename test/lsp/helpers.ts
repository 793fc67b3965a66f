/**
 * Shared helpers of the protocol tests: workspace fixtures copied to a temp
 * dir, positions found by text, a WorkspaceEdit applier honouring LSP
 * ranges, and a barrier that waits until the server has re-published after
 * an edit (even when the edited files' diagnostics did not change).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, Position, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { LspClient, ROOT, uri } from './lspClient';

export const FIXTURES = path.join(ROOT, 'test/fixtures/lsp');

/** Copies test/fixtures/lsp/<name> to a fresh temp dir, so edits never touch the repo. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `pvlab-lsp-${name}-`));
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const read = (file: string): string => readFileSync(file, 'utf8');

/** Start offsets of the lines of `text` (LSP line breaks: \n, \r\n, \r). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      starts.push(i + 1);
    } else if (c === '\n') starts.push(i + 1);
  }
  return starts;
}

/** LSP position → offset (UTF-16 units, as LSP counts), clamped like a client does. */
export function offsetAt(text: string, p: Position): number {
  const starts = lineStarts(text);
  if (p.line >= starts.length) return text.length;
  const start = starts[p.line];
  const next = p.line + 1 < starts.length ? starts[p.line + 1] : text.length;
  // the line's content ends before its line break
  let end = next;
  if (end > start && text[end - 1] === '\n') end--;
  if (end > start && text[end - 1] === '\r') end--;
  return Math.min(start + p.character, end);
}

export function positionAt(text: string, offset: number): Position {
  const starts = lineStarts(text);
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
  return { line, character: offset - starts[line] };
}

/**
 * The position of the `occurrence`-th match of `needle` in `text`, moved by
 * `delta` characters (to land inside or after the match).
 */
export function pos(text: string, needle: string, delta = 0, occurrence = 0): Position {
  let at = -1;
  for (let n = 0; n <= occurrence; n++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (occurrence ${occurrence}) not in text`);
  }
  return positionAt(text, at + delta);
}

/** The range a match of `needle` covers. */
export function rangeOf(text: string, needle: string, occurrence = 0): Range {
  const start = pos(text, needle, 0, occurrence);
  return { start, end: positionAt(text, offsetAt(text, start) + needle.length) };
}

/** The text a range covers. */
export const textIn = (text: string, r: Range): string => text.slice(offsetAt(text, r.start), offsetAt(text, r.end));

/** Applies LSP TextEdits (all relative to the original text; none overlapping; inserts at one spot in array order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const resolved = edits.map((e, i) => ({ start: offsetAt(text, e.range.start), end: offsetAt(text, e.range.end), newText: e.newText, i }));
  resolved.sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  for (let k = 1; k < resolved.length; k++) {
    if (resolved[k].start < resolved[k - 1].end) throw new Error(`overlapping edits: ${JSON.stringify(edits)}`);
  }
  let out = '';
  let last = 0;
  for (const e of resolved) {
    if (e.end < e.start) throw new Error(`edit with end before start: ${JSON.stringify(e)}`);
    out += text.slice(last, e.start) + e.newText;
    last = e.end;
  }
  return out + text.slice(last);
}

/** The text edits of a WorkspaceEdit, by URI (`changes` or `documentChanges`). */
export function editsByUri(edit: WorkspaceEdit): Map<string, TextEdit[]> {
  const out = new Map<string, TextEdit[]>();
  for (const [u, list] of Object.entries(edit.changes ?? {})) out.set(u, [...(out.get(u) ?? []), ...list]);
  for (const dc of edit.documentChanges ?? []) {
    if (!('textDocument' in dc)) throw new Error(`unexpected resource operation in a WorkspaceEdit: ${JSON.stringify(dc)}`);
    out.set(dc.textDocument.uri, [...(out.get(dc.textDocument.uri) ?? []), ...(dc.edits as TextEdit[])]);
  }
  return out;
}

/** A diagnostic's message as text (LSP 3.18 also allows MarkupContent). */
export const messageText = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

export const codes = (ds: readonly Diagnostic[]): string[] => ds.map((d) => String(d.code));
export const errors = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 1);

/** The probe lives only as an open document (outside every workspace folder); nothing is written to disk. */
const PROBE = path.join(tmpdir(), 'pvlab-lsp-probe-never-on-disk', `probe-${process.pid}.pvk`);
const probeCounts = new WeakMap<LspClient, number>();

/**
 * Waits until the server has run a diagnostics pass that covers every edit
 * sent before this call: it edits a probe document (outside the workspace)
 * so that its diagnostics must change, waits for them, then does a round
 * trip so that every notification of that pass has been received.
 */
export async function settle(client: LspClient): Promise<void> {
  const probe = PROBE;
  const n = (probeCounts.get(client) ?? 0) + 1;
  probeCounts.set(client, n);
  const text = `fn probe_main() { probe_missing_${n}(); }\n`;
  if (n === 1) client.open(probe, text);
  else client.change(probe, text, n);
  await client.diagnosticsFor(probe, (p) => p.diagnostics.some((d) => messageText(d).includes(`probe_missing_${n}`)));
  await client.request('workspace/symbol', { query: 'probe_main' });
}

export { LspClient, uri };
