/**
 * The pvk source formatter.
 *
 * It works on the token stream (`lex`) rather than on the AST, so it sees
 * every token and comment exactly once and needs no printer per node kind.
 * It never changes what the program means: the output has the same tokens
 * (kind and source text) and the same comments in the same order as the
 * input; only the whitespace between them changes. Text that does not lex or
 * parse cleanly is returned unchanged, so broken code is never made worse.
 *
 * Style (C/Rust-like, what kernel developers expect):
 * - One statement, item, op signature, hypercall declaration or property per
 *   line; block contents indented by `indent` spaces (default 4) per level.
 * - `{` ends its line, preceded by one space; `}` stands on its own line at
 *   the indentation of the line that opened the block, except `} else {` and
 *   `} else if (…) {`. An empty block (no tokens or comments inside) is `{}`.
 * - **One-line blocks.** Every block is expanded to one statement per line,
 *   with a single exception: a `domain name { … }` block inside a `system`
 *   stays on one line (`domain dom0 { kernel "a.pvk"; memory 64; privileged; }`)
 *   when the user wrote it on one line, i.e. when its text from `{` to `}`
 *   (comments included) contains no line break. A domain written over several
 *   lines is formatted with one property per line. The rule depends only on
 *   the line breaks inside the block, which formatting keeps, so it is
 *   idempotent.
 * - Single spaces around binary operators, `=`, compound assignments, `->`
 *   and `as`; `:` has no space before and one after; `,` has none before and
 *   one after; `;` has none before; nothing inside `( )` and `[ ]`; calls
 *   `f(…)`, `G.op(…)`, `mem32[…]` without spaces; `..` and `.` without spaces
 *   (`0..n`, `4.2`, `since 3.0`); unary `-`, `!`, `~` attached to their
 *   operand (`- -x` keeps one space so it does not read as `--`); a space
 *   after keywords (`if (`, `while (`, `return (`, `hypercall name(…)`).
 * - Blank lines: a run of blank lines where the formatter breaks the line
 *   (between items, statements, properties, and around comments on their own
 *   line) becomes one blank line; blank lines right after `{`, right before
 *   `}`, at the start of the file and inside a statement are removed.
 * - Comments: a comment that followed code on the same line stays at the end
 *   of that line, one space after the code; a comment that started its own
 *   line stays on its own line, indented like the code around it. After a
 *   line comment, or a block comment followed by a line break, the line
 *   breaks. Block comments are copied verbatim, line breaks and all (their
 *   inner lines are not re-indented). A line comment loses only its trailing
 *   whitespace.
 * - When a comment forces a line break inside a statement, the continuation
 *   is indented one level deeper than the statement.
 * - Every line is free of trailing whitespace (outside block comments) and
 *   the file ends with exactly one newline. A file with no tokens and no
 *   comments formats to the empty string. A leading byte-order mark is kept.
 * - Every token is copied from the source text, so string escapes, hex and
 *   binary literals and `_` digit separators stay as written.
 */
import { parse } from './parser.js';

export interface FormatOptions {
  /** Spaces per indentation level (default 4; clamped to 0–16). */
  indent?: number;
}

// Token classes, computed once per token so that the layout loop compares small integers.
const OTHER = 0; // operators, `=`, `->`, keywords without a rule of their own
const IDENT = 1;
const VALUE = 2; // literals, `true`, `false` and the type names: a `-` after them is binary
const LBRACE = 3;
const RBRACE = 4;
const SEMI = 5;
const LPAREN = 6;
const LBRACK = 7;
const CLOSE = 8; // `)` `]`
const TIGHT_LEFT = 9; // `,` `:`: no space before, one after
const DOT = 10; // `.` `..`: no space on either side
const MINUS = 11;
const NOT = 12; // `!` `~`: always unary
const ELSE = 13;

function punctClass(p: string): number {
  if (p.length !== 1) return p === '..' ? DOT : OTHER;
  switch (p.charCodeAt(0)) {
    case 123: return LBRACE; // {
    case 125: return RBRACE; // }
    case 59: return SEMI; // ;
    case 40: return LPAREN; // (
    case 91: return LBRACK; // [
    case 41: // )
    case 93: return CLOSE; // ]
    case 44: // ,
    case 58: return TIGHT_LEFT; // :
    case 46: return DOT; // .
    case 45: return MINUS; // -
    case 33: // !
    case 126: return NOT; // ~
    default: return OTHER;
  }
}

// Separators between two elements (tokens or comments).
const NONE = 0;
const SPACE = 1;
const NL = 2;
const BLANK = 3; // a line break after one blank line

/** Formats pvk source text; returns `text` unchanged when it has lexical or syntax errors. */
export function formatPvk(text: string, options: FormatOptions = {}): string {
  let width = options.indent ?? 4;
  width = Number.isFinite(width) ? Math.max(0, Math.min(16, Math.floor(width))) : 4;

  let parsed;
  try {
    parsed = parse('<format>', text);
  } catch {
    return text;
  }
  if (parsed.diagnostics.length > 0) return text;

  const tokens = parsed.tokens;
  const comments = parsed.comments;
  let count = tokens.length;
  if (count > 0 && tokens[count - 1].kind === 'eof') count--;
  const bom = text.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  if (count === 0 && comments.length === 0) return bom;

  const cls = new Uint8Array(count);
  // 1 on the `{` and `}` of a `domain … { … }` block written on one line.
  const oneLine = new Uint8Array(count);
  const stack: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = tokens[i];
    let c = OTHER;
    if (t.kind === 'punct') c = punctClass(t.text);
    else if (t.kind === 'ident') c = IDENT;
    else if (t.kind === 'int' || t.kind === 'string') c = VALUE;
    else if (t.kind === 'keyword') {
      const w = t.text;
      c = w === 'else' ? ELSE : w === 'true' || w === 'false' || w === 'u32' || w === 'i32' || w === 'bool' ? VALUE : OTHER;
    }
    cls[i] = c;
    if (c === LBRACE) stack.push(i);
    else if (c === RBRACE) {
      const open = stack.pop();
      if (open === undefined) return text; // cannot happen after a clean parse
      if (open >= 2 && cls[open - 1] === IDENT && tokens[open - 2].kind === 'keyword' && tokens[open - 2].text === 'domain' && !hasLineBreak(text, tokens[open].start, t.end)) {
        oneLine[open] = 1;
        oneLine[i] = 1;
      }
    }
  }
  if (stack.length > 0) return text;

  let inOneLine = false;

  /** The separator the style asks for between token `a` and the next token `b`. */
  const tokenSep = (a: number, b: number): number => {
    const ca = cls[a];
    const cb = cls[b];
    if (ca === LBRACE) return cb === RBRACE ? NONE : oneLine[a] ? SPACE : NL;
    if (cb === RBRACE) return inOneLine ? SPACE : NL;
    if (ca === RBRACE) return cb === ELSE ? SPACE : NL;
    if (ca === SEMI) return inOneLine ? SPACE : NL;
    if (cb === LBRACE) return SPACE;
    if (cb === CLOSE || cb === TIGHT_LEFT || cb === DOT || cb === SEMI || ca === LPAREN || ca === LBRACK || ca === DOT) return NONE;
    let unary = ca === NOT;
    if (ca === MINUS) {
      const before = a > 0 ? cls[a - 1] : OTHER;
      unary = before !== IDENT && before !== VALUE && before !== CLOSE;
    }
    if (cb === LPAREN || cb === LBRACK) return ca === IDENT || unary ? NONE : SPACE;
    if (unary) return ca === MINUS && cb === MINUS ? SPACE : NONE;
    return SPACE;
  };

  // Line breaks with their indentation, by level.
  const breaks: string[] = [];
  const blanks: string[] = [];
  const lineBreak = (blank: boolean, level: number): string => {
    const cache = blank ? blanks : breaks;
    let s = cache[level];
    if (s === undefined) {
      s = (blank ? '\n\n' : '\n') + ' '.repeat(level * width);
      cache[level] = s;
    }
    return s;
  };

  // The output is the source text with its gaps replaced: a run of elements
  // whose gaps already are what the style asks for is copied as one slice.
  let out = bom;
  let runStart = -1; // where the run being copied starts, -1 when there is none
  let depth = 0;
  let lastTok = -1; // index of the last token written
  // What was written last: nothing yet, a token, a line comment, a block comment.
  let prevKind: 0 | 1 | 2 | 3 = 0;
  let prevEnd = 0;
  let ti = 0;
  let ci = 0;
  let nextComment = comments.length > 0 ? comments[0].span.start : Infinity;

  while (ti < count || ci < comments.length) {
    const isComment = nextComment < (ti < count ? tokens[ti].start : Infinity);
    let start: number;
    let end: number;
    let c = OTHER;
    if (isComment) {
      start = nextComment;
      end = comments[ci].span.end;
    } else {
      start = tokens[ti].start;
      end = tokens[ti].end;
      c = cls[ti];
    }
    const isLine = isComment && text.charCodeAt(start + 1) === 47;

    if (c === RBRACE) depth--;

    if (prevKind === 0) {
      runStart = start;
    } else {
      const nl = countLineBreaks(text, prevEnd, start);
      let sep: number;
      if (isComment) {
        if (prevKind === 2 || nl > 0) sep = NL;
        else if (prevKind === 1 && (cls[lastTok] === LPAREN || cls[lastTok] === LBRACK)) sep = NONE;
        else sep = SPACE;
      } else if (prevKind === 1) {
        sep = tokenSep(lastTok, ti);
      } else if (prevKind === 2 || nl > 0) {
        sep = NL;
      } else if (lastTok < 0) {
        sep = SPACE;
      } else {
        // A block comment on the same line as the token that follows it.
        const s = tokenSep(lastTok, ti);
        if (s === NL) sep = NL;
        else if (c === RBRACE) sep = inOneLine ? SPACE : NL;
        else sep = c === CLOSE || c === SEMI || (c === TIGHT_LEFT && text.charCodeAt(start) === 44) ? NONE : SPACE;
      }
      if (sep === NL && nl >= 2 && c !== RBRACE && !(prevKind === 1 && cls[lastTok] === LBRACE)) sep = BLANK;

      let spaces = 0;
      if (sep >= NL) {
        // A line that does not start a statement, item or property continues one: one level deeper.
        const lc = lastTok < 0 ? SEMI : cls[lastTok];
        const level = c === RBRACE || c === LBRACE || lc === SEMI || lc === LBRACE || lc === RBRACE ? depth : depth + 1;
        spaces = level * width;
        if (!(runStart >= 0 && gapIs(text, prevEnd, start, sep === BLANK ? 2 : 1, spaces))) {
          if (runStart >= 0) out += text.slice(runStart, prevEnd);
          out += lineBreak(sep === BLANK, level);
          runStart = start;
        }
      } else if (!(runStart >= 0 && (sep === NONE ? start === prevEnd : start === prevEnd + 1 && text.charCodeAt(prevEnd) === 32))) {
        if (runStart >= 0) out += text.slice(runStart, prevEnd);
        if (sep === SPACE) out += ' ';
        runStart = start;
      }
    }

    if (isComment) {
      if (isLine) {
        // A line comment loses its trailing whitespace; that ends the run.
        let trimmed = end;
        while (trimmed > start + 2 && WHITESPACE.test(text[trimmed - 1])) trimmed--;
        if (trimmed < end) {
          out += text.slice(runStart, trimmed);
          runStart = -1;
        }
      }
      prevKind = isLine ? 2 : 3;
      ci++;
      nextComment = ci < comments.length ? comments[ci].span.start : Infinity;
    } else {
      if (c === LBRACE) {
        depth++;
        if (oneLine[ti]) inOneLine = true;
      } else if (c === RBRACE) {
        inOneLine = false;
      }
      prevKind = 1;
      lastTok = ti;
      ti++;
    }
    prevEnd = end;
  }
  if (runStart >= 0) out += text.slice(runStart, prevEnd);
  return out + '\n';
}

const WHITESPACE = /\s/;

/** True when `text[from, to)` is `breaks` line feeds followed by `spaces` spaces. */
function gapIs(text: string, from: number, to: number, breaks: number, spaces: number): boolean {
  if (to - from !== breaks + spaces) return false;
  for (let i = from; i < from + breaks; i++) if (text.charCodeAt(i) !== 10) return false;
  for (let i = from + breaks; i < to; i++) if (text.charCodeAt(i) !== 32) return false;
  return true;
}

/** Number of line breaks (`\n`, `\r\n` or a lone `\r`) in `text[from, to)`. */
function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}
