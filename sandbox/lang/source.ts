/** A span of source text as UTF-16 offsets, `end` exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** 1-based line and 1-based UTF-16 column, as in every pvlab message. */
export interface Position {
  line: number;
  column: number;
}

/** One source file's text with a line table for offset ↔ position conversion. */
export class SourceFile {
  readonly lineStarts: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const starts = [0];
    if (text.indexOf('\r') < 0) {
      // Only '\n' line breaks: let indexOf find them.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) starts.push(i + 1);
        else if (c === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          starts.push(i + 1);
        }
      }
    }
    this.lineStarts = starts;
  }

  /** Offset → 1-based line/column. Offsets past the end clamp to the end. */
  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.lineStarts[lo] + 1 };
  }

  /** 1-based line/column → offset, clamped into the file. */
  offset(line: number, column: number): number {
    const l = Math.max(1, Math.min(line, this.lineStarts.length));
    const start = this.lineStarts[l - 1];
    let end = l < this.lineStarts.length ? this.lineStarts[l] : this.text.length;
    // A column past the end of the line means the end of that line, before its line break.
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return Math.max(start, Math.min(start + column - 1, end));
  }

  lineOf(offset: number): number {
    return this.position(offset).line;
  }
}

/** One SourceFile kept alive, so that its shape and the code optimized for it outlive each file (see LEXER_SHAPES in lexer.ts). */
export const SOURCE_FILE_SHAPE: object = new SourceFile('', '');
