/**
 * How a file's current text differs from the text an older analysis read:
 * one edited region (from the first to the last changed character; any
 * number of edits in between count as one), found by the common prefix and
 * suffix of the two texts. Outside that region offsets only shift, so
 * answers of the older analysis can be placed in the current text.
 */
export class TextShift {
  /** Length of the common prefix: offsets below it are the same in both texts. */
  readonly prefix: number;
  /** End of the edited region in the old text (offsets from here on shift by `newEnd - oldEnd`). */
  readonly oldEnd: number;
  /** End of the edited region in the current text. */
  readonly newEnd: number;
  /**
   * The part of the current text a request may not be answered from the old
   * analysis: the edited region widened to the whole words it touches (a
   * word the edit changed is a different word).
   */
  private readonly unsafeStart: number;
  private readonly unsafeEnd: number;

  constructor(oldText: string, newText: string) {
    const prefix = commonPrefix(oldText, newText);
    const suffix = commonSuffix(oldText, newText, Math.min(oldText.length, newText.length) - prefix);
    this.prefix = prefix;
    this.oldEnd = oldText.length - suffix;
    this.newEnd = newText.length - suffix;
    let start = prefix;
    while (start > 0 && isWordChar(newText.charCodeAt(start - 1))) start--;
    let end = this.newEnd;
    while (end < newText.length && isWordChar(newText.charCodeAt(end))) end++;
    this.unsafeStart = start;
    this.unsafeEnd = end;
  }

  /** True when the texts are the same. */
  get identical(): boolean {
    return this.prefix === this.oldEnd && this.prefix === this.newEnd;
  }

  /** Current offset → offset in the old text; undefined at or inside the edited words. */
  toOld(offset: number): number | undefined {
    if (this.identical) return offset;
    if (offset < this.unsafeStart) return offset;
    if (offset > this.unsafeEnd) return offset - this.newEnd + this.oldEnd;
    return undefined;
  }

  /** Old offset → current offset; undefined strictly inside the text the edit replaced. */
  toNew(offset: number): number | undefined {
    if (offset <= this.prefix) return offset;
    if (offset >= this.oldEnd) return offset - this.oldEnd + this.newEnd;
    return undefined;
  }
}

const CHUNK = 4096;

/** Length of the common prefix; compares whole chunks first (string equality is a memory compare). */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + CHUNK <= n && a.slice(i, i + CHUNK) === b.slice(i, i + CHUNK)) i += CHUNK;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Length of the common suffix, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i + CHUNK <= max && a.slice(a.length - i - CHUNK, a.length - i) === b.slice(b.length - i - CHUNK, b.length - i)) i += CHUNK;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/** Letters, digits and `_`: the characters of pvk identifiers and numbers. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
