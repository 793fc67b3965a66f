import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';

/**
 * An open document kept as its lines (each with its own line break), so that
 * a keystroke costs the length of its line, not of the file: the whole text
 * is joined only when someone reads it (once per burst of edits). The text
 * document of vscode-languageserver-textdocument copies the whole file on
 * every edit, which made a burst of keystrokes on a large file slow to read.
 * Line breaks are \n, \r\n and \r, as in LSP; positions count UTF-16 units.
 */
export class LineDocument {
  private lines: string[];
  private text: string | undefined;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    text: string,
  ) {
    this.lines = splitLines(text);
    this.text = text;
  }

  getText(): string {
    if (this.text === undefined) this.text = this.lines.join('');
    return this.text;
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** Applies the changes of one `didChange`, in order (each in the coordinates the previous ones left). */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change) this.replace(change.range, change.text);
      else this.lines = splitLines(change.text);
      this.text = undefined;
    }
    this.version = version;
  }

  private replace(range: { start: { line: number; character: number }; end: { line: number; character: number } }, inserted: string): void {
    let [from, to] = before(range.end, range.start) ? [range.end, range.start] : [range.start, range.end];
    const last = this.lines.length - 1;
    // Positions past the end are the end; characters past a line's content are its end.
    if (from.line > last) from = { line: last, character: Number.MAX_SAFE_INTEGER };
    if (to.line > last) to = { line: last, character: Number.MAX_SAFE_INTEGER };
    let startLine = Math.max(0, from.line);
    const endLine = Math.max(0, to.line);
    let head = this.lines[startLine].slice(0, clampColumn(this.lines[startLine], from.character));
    const endText = this.lines[endLine];
    const tail = endText.slice(clampColumn(endText, to.character));
    // A line ending in a lone \r may pair with a \n the edit puts after it: re-split from there.
    if (startLine > 0 && head === '' && this.lines[startLine - 1].endsWith('\r')) {
      startLine--;
      head = this.lines[startLine];
    }
    // Typing within a line (the common case) stays within that line.
    if (startLine === endLine && !/[\r\n]/.test(inserted) && (tail !== '' || endLine === last)) {
      this.lines[startLine] = head + inserted + tail;
      return;
    }
    const parts = splitLines(head + inserted + tail);
    // The text of a line that is not the last ends with its line break: nothing follows it.
    if (endLine < last && parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    this.lines = spliced(this.lines, startLine, endLine - startLine + 1, parts);
  }
}

function before(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** A column clamped to the line's content (never into its line break). */
function clampColumn(line: string, character: number): number {
  let content = line.length;
  if (content > 0 && line.charCodeAt(content - 1) === 10) content--;
  if (content > 0 && line.charCodeAt(content - 1) === 13) content--;
  return Math.max(0, Math.min(character, content));
}

/** The text's lines, each with its line break; the last one has none (and is '' after a final break). */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** `list` with `count` entries at `at` replaced by `items`, without spreading a long list into arguments. */
function spliced(list: string[], at: number, count: number, items: string[]): string[] {
  if (items.length <= 1000) {
    list.splice(at, count, ...items);
    return list;
  }
  return list.slice(0, at).concat(items, list.slice(at + count));
}
