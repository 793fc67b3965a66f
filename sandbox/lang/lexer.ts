import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import type { Span } from './source.js';

export const KEYWORDS = [
  'import', 'const', 'var', 'fn', 'let', 'if', 'else', 'while', 'for', 'in', 'return', 'break',
  'continue', 'as', 'true', 'false', 'pvops', 'impl', 'system', 'domain', 'abi', 'hypercall',
  'u32', 'i32', 'bool',
] as const;
export type Keyword = (typeof KEYWORDS)[number];

export type TokenKind = 'ident' | 'keyword' | 'int' | 'string' | 'punct' | 'eof';

/**
 * One token. Its offsets are plain fields so that lexing allocates one object
 * per token; `span` makes a Span when a node needs one.
 */
export class Token {
  constructor(
    readonly kind: TokenKind,
    /** Identifier or keyword name, punctuator text, or a string literal's decoded value. */
    readonly text: string,
    /** Integer literal value, 0 ..= 2^32-1 (0 for an out-of-range literal, which is reported). */
    readonly value: number,
    readonly start: number,
    readonly end: number,
    /** True when an integer literal did not fit in 32 bits. */
    readonly overflow = false,
  ) {}

  get span(): Span {
    return { start: this.start, end: this.end };
  }
}

export interface Comment {
  span: Span;
  text: string;
}

// Token kinds as small integers, for TokenColumns.
export const T_IDENT = 0;
export const T_KEYWORD = 1;
export const T_INT = 2;
export const T_STRING = 3;
export const T_PUNCT = 4;
export const T_EOF = 5;
/** Or'ed into a T_INT kind: the literal did not fit in 32 bits. */
export const T_OVERFLOW = 8;
/** Masks the flags off a kind. */
export const T_KIND = 7;
const KIND_NAMES: readonly TokenKind[] = ['ident', 'keyword', 'int', 'string', 'punct', 'eof'];

const PUNCTUATORS = [
  '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '=', '(', ')', '{', '}', '[', ']', ';', ',', ':', '.',
  '..', '->', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '<<=', '>>=',
] as const;
/** The texts every file starts with: the keywords (ids 0 ..< KEYWORDS.length), the punctuators, and ''. */
const FIXED_TEXTS: readonly string[] = [...KEYWORDS, ...PUNCTUATORS, ''];
const EMPTY_ID = FIXED_TEXTS.length - 1;
const fixedId = (t: string): number => FIXED_TEXTS.indexOf(t);

/**
 * The tokens of one file column by column: kinds, offsets and integer values
 * in typed arrays, and each token's text as an id into `texts`, where every
 * distinct identifier, keyword, punctuator and integer literal of the file is
 * once. This is what the parser reads: no object per token. `toTokens()`
 * makes the Token objects when someone wants them.
 */
export class TokenColumns {
  count = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  values: Uint32Array;
  ids: Int32Array;
  /** Texts by id. */
  readonly texts: string[] = FIXED_TEXTS.slice();

  constructor(capacity: number) {
    const c = Math.max(16, capacity | 0);
    this.kinds = new Uint8Array(c);
    this.starts = new Int32Array(c);
    this.ends = new Int32Array(c);
    this.values = new Uint32Array(c);
    this.ids = new Int32Array(c);
  }

  /** Adds a text (a string literal's value, a malformed literal) and gives its id. */
  addText(text: string): number {
    this.texts.push(text);
    return this.texts.length - 1;
  }

  push(kind: number, id: number, value: number, start: number, end: number): void {
    const i = this.count;
    if (i === this.kinds.length) this.grow();
    this.kinds[i] = kind;
    this.ids[i] = id;
    this.starts[i] = start;
    this.ends[i] = end;
    this.values[i] = value;
    this.count = i + 1;
  }

  private grow(): void {
    const c = this.kinds.length * 2;
    const kinds = new Uint8Array(c);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const ids = new Int32Array(c);
    ids.set(this.ids);
    this.ids = ids;
    const starts = new Int32Array(c);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(c);
    ends.set(this.ends);
    this.ends = ends;
    const values = new Uint32Array(c);
    values.set(this.values);
    this.values = values;
  }

  token(i: number): Token {
    const k = this.kinds[i];
    return new Token(KIND_NAMES[k & T_KIND], this.texts[this.ids[i]], this.values[i], this.starts[i], this.ends[i], (k & T_OVERFLOW) !== 0);
  }

  toTokens(): Token[] {
    const out: Token[] = new Array<Token>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.token(i);
    return out;
  }
}

/** Punctuator ids: one character by code, two by c1 * 128 + c2; the three-character ones are '<<=' and '>>='. */
const PUNCT1 = new Int16Array(128).fill(-1);
const PUNCT2 = new Int16Array(128 * 128).fill(-1);
for (const p of PUNCTUATORS) {
  if (p.length === 1) PUNCT1[p.charCodeAt(0)] = fixedId(p);
  else if (p.length === 2) PUNCT2[p.charCodeAt(0) * 128 + p.charCodeAt(1)] = fixedId(p);
}
const SHL = fixedId('<<');
const SHR = fixedId('>>');
const SHL_ASSIGN = fixedId('<<=');
const SHR_ASSIGN = fixedId('>>=');

/** The id of the punctuator at `i` by maximal munch, or -1; allocates nothing. */
function punctuatorAt(text: string, i: number): number {
  const c1 = text.charCodeAt(i);
  if (!(c1 < 128)) return -1;
  const one = PUNCT1[c1];
  if (one < 0) return -1;
  const c2 = text.charCodeAt(i + 1);
  if (!(c2 < 128)) return one;
  const two = PUNCT2[c1 * 128 + c2];
  if (two < 0) return one;
  if (text.charCodeAt(i + 2) === 61) {
    if (two === SHL) return SHL_ASSIGN;
    if (two === SHR) return SHR_ASSIGN;
  }
  return two;
}

const MAX_U32 = 0xffffffff;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 99;
}

function hashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

/**
 * Gives each distinct word of a file (identifier, keyword, integer literal)
 * one id in the token columns' texts, found by a hash computed while
 * scanning: a repeated word costs no slice and no allocation.
 */
class Interner {
  /** Text id + 1 per slot; 0: empty. */
  private slots: Int32Array;
  private hashes: Int32Array;
  private mask: number;
  private size = 0;

  constructor(private readonly texts: string[]) {
    this.slots = new Int32Array(1024);
    this.hashes = new Int32Array(1024);
    this.mask = 1023;
    for (let id = 0; id < KEYWORDS.length; id++) {
      const k = texts[id];
      let h = 0;
      for (let i = 0; i < k.length; i++) h = hashStep(h, k.charCodeAt(i));
      this.insert(id, h);
    }
  }

  /** The id of the word text[start, end) whose hash is `hash`; ids below KEYWORDS.length are keywords. */
  intern(text: string, start: number, end: number, hash: number): number {
    const len = end - start;
    const texts = this.texts;
    let slot = mix(hash) & this.mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) break;
      if (this.hashes[slot] === hash) {
        const key = texts[entry - 1];
        if (key.length === len && sameChars(key, text, start)) return entry - 1;
      }
      slot = (slot + 1) & this.mask;
    }
    texts.push(text.slice(start, end));
    const id = texts.length - 1;
    this.insert(id, hash);
    return id;
  }

  private insert(id: number, hash: number): void {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    let slot = mix(hash) & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = id + 1;
    this.hashes[slot] = hash;
    this.size++;
  }

  private grow(): void {
    const slots = this.slots;
    const hashes = this.hashes;
    const c = slots.length * 2;
    this.slots = new Int32Array(c);
    this.hashes = new Int32Array(c);
    this.mask = c - 1;
    this.size = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.insert(slots[i] - 1, hashes[i]);
  }
}

function mix(h: number): number {
  return h ^ (h >>> 13) ^ (h >>> 7);
}

function sameChars(key: string, text: string, start: number): boolean {
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

/** What `lexColumns` gives: the tokens as columns. */
export interface ColumnLexResult {
  tokens: TokenColumns;
  comments: Comment[];
  diagnostics: Diagnostic[];
}

/** Splits pvk text into tokens. Never throws; bad characters become PVK001 diagnostics. */
export function lex(file: string, text: string): LexResult {
  const r = lexColumns(file, text);
  return { tokens: r.tokens.toTokens(), comments: r.comments, diagnostics: r.diagnostics };
}

/** `lex`, with the tokens as columns (what the parser reads). */
export function lexColumns(file: string, text: string): ColumnLexResult {
  const n = text.length;
  const tokens = new TokenColumns((n >> 1) + 16);
  const comments: Comment[] = [];
  const diagnostics: Diagnostic[] = [];
  const words = new Interner(tokens.texts);
  let i = 0;
  const error = (start: number, end: number, message: string): void => {
    diagnostics.push(makeDiagnostic(file, { start, end }, 'PVK001', message));
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 0xfeff) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      let h = c;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (!isIdentPart(d)) break;
        h = hashStep(h, d);
        i++;
      }
      const id = words.intern(text, start, i, h);
      tokens.push(id < KEYWORDS.length ? T_KEYWORD : T_IDENT, id, 0, start, i);
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      comments.push({ span: { start, end: i }, text: text.slice(start + 2, i) });
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) {
        error(start, start + 2, 'unterminated block comment: add "*/"');
        i = n;
      } else {
        i = close + 2;
        comments.push({ span: { start, end: i }, text: text.slice(start + 2, close) });
      }
      continue;
    }
    if (c >= 48 && c <= 57) {
      i = lexNumber(text, start, tokens, words, error);
      continue;
    }
    if (c === 34) {
      i = lexString(text, start, tokens, error);
      continue;
    }
    const punct = punctuatorAt(text, i);
    if (punct >= 0) {
      i += FIXED_TEXTS[punct].length;
      tokens.push(T_PUNCT, punct, 0, start, i);
      continue;
    }
    // Skip a whole surrogate pair so the error covers one character.
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    let shown = text.slice(i, i + width);
    if (c < 32 || c === 127) shown = `\\x${c.toString(16).padStart(2, '0')}`;
    error(start, start + width, `unexpected character '${shown}'`);
    i += width;
  }
  tokens.push(T_EOF, EMPTY_ID, 0, n, n);
  return { tokens, comments, diagnostics };
}

type ErrorFn = (start: number, end: number, message: string) => void;

function lexNumber(text: string, start: number, tokens: TokenColumns, words: Interner, error: ErrorFn): number {
  let i = start;
  let base = 10;
  const prefix = text.charCodeAt(i + 1) | 0x20;
  if (text.charCodeAt(i) === 48 && (prefix === 120 || prefix === 98)) {
    base = prefix === 120 ? 16 : 2;
    i += 2;
  }
  const digitsStart = i;
  let h = 0;
  for (let k = start; k < i; k++) h = hashStep(h, text.charCodeAt(k));
  let value = 0;
  let digits = 0;
  let bad = '';
  let lastUnderscore = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 95) {
      if (digits === 0 || lastUnderscore) bad ||= "'_' is allowed only between digits";
      lastUnderscore = true;
      h = hashStep(h, c);
      i++;
      continue;
    }
    if (!isIdentPart(c)) break;
    h = hashStep(h, c);
    const d = digitValue(c);
    if (d >= base) bad ||= `'${text[i]}' is not a ${base === 16 ? 'hex' : base === 2 ? 'binary' : 'decimal'} digit`;
    else value = value * base + d;
    digits++;
    lastUnderscore = false;
    i++;
  }
  if (lastUnderscore) bad ||= "'_' is allowed only between digits";
  if (digits === 0) bad ||= `missing digits after '${text.slice(start, digitsStart)}'`;
  if (bad) {
    error(start, i, `malformed integer literal '${text.slice(start, i)}': ${bad}`);
    tokens.push(T_INT, tokens.addText(text.slice(start, i)), 0, start, i);
    return i;
  }
  const id = words.intern(text, start, i, h);
  if (value > MAX_U32) tokens.push(T_INT | T_OVERFLOW, id, 0, start, i);
  else tokens.push(T_INT, id, value, start, i);
  return i;
}

function lexString(text: string, start: number, tokens: TokenColumns, error: ErrorFn): number {
  // A string without escapes is its text between the quotes.
  let i = start + 1;
  for (;;) {
    if (i >= text.length) break;
    const c = text.charCodeAt(i);
    if (c === 34) {
      tokens.push(T_STRING, tokens.addText(text.slice(start + 1, i)), 0, start, i + 1);
      return i + 1;
    }
    if (c === 92 || c === 10 || c === 13) break;
    i++;
  }
  i = start + 1;
  let value = '';
  while (true) {
    if (i >= text.length || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13) {
      error(start, i, 'unterminated string literal: add a closing \'"\'');
      break;
    }
    const c = text[i];
    if (c === '"') {
      i++;
      break;
    }
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === 'n') value += '\n';
    else if (e === 't') value += '\t';
    else if (e === '\\') value += '\\';
    else if (e === '"') value += '"';
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 2;
    } else {
      const shown = e === undefined || e === '\n' || e === '\r' ? '' : e;
      error(i, i + 1 + shown.length, `unknown escape '\\${shown}': use \\n \\t \\\\ \\" or \\xNN`);
    }
    // A backslash before a line break (or the end) escapes nothing: the string ends unterminated there.
    i += e === undefined || e === '\n' || e === '\r' ? 1 : 2;
  }
  tokens.push(T_STRING, tokens.addText(value), 0, start, i);
  return i;
}

/**
 * V8 drops an object shape (hidden class) once no object of that shape is
 * alive, and with it the optimized code built for that shape. Between two
 * files no TokenColumns or Interner need be alive, so one of each is kept here
 * for the life of the module: lexing stays optimized from one file to the next.
 */
export const LEXER_SHAPES: readonly object[] = [new TokenColumns(0), new Interner(FIXED_TEXTS.slice())];
