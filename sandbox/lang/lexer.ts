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

/**
 * The tokens of one file column by column (kinds, offsets, values in typed
 * arrays; texts interned), which is what the parser reads: no object per
 * token. `toTokens()` makes the Token objects when someone wants them.
 */
export class TokenColumns {
  count = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  values: Float64Array;
  readonly texts: string[] = [];

  constructor(capacity: number) {
    const c = Math.max(16, capacity | 0);
    this.kinds = new Uint8Array(c);
    this.starts = new Int32Array(c);
    this.ends = new Int32Array(c);
    this.values = new Float64Array(c);
  }

  push(kind: number, text: string, value: number, start: number, end: number): void {
    const i = this.count;
    if (i === this.kinds.length) this.grow();
    this.kinds[i] = kind;
    this.starts[i] = start;
    this.ends[i] = end;
    this.values[i] = value;
    this.texts.push(text);
    this.count = i + 1;
  }

  private grow(): void {
    const c = this.kinds.length * 2;
    const kinds = new Uint8Array(c);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const starts = new Int32Array(c);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(c);
    ends.set(this.ends);
    this.ends = ends;
    const values = new Float64Array(c);
    values.set(this.values);
    this.values = values;
  }

  token(i: number): Token {
    const k = this.kinds[i];
    return new Token(KIND_NAMES[k & T_KIND], this.texts[i], this.values[i], this.starts[i], this.ends[i], (k & T_OVERFLOW) !== 0);
  }

  toTokens(): Token[] {
    const out: Token[] = new Array<Token>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.token(i);
    return out;
  }
}

/** Punctuators: one character by code, two by c1 * 128 + c2; the three-character ones are '<<=' and '>>='. */
const PUNCT1: (string | undefined)[] = new Array<string | undefined>(128).fill(undefined);
const PUNCT2: (string | undefined)[] = new Array<string | undefined>(128 * 128).fill(undefined);
for (const p of ['+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '=', '(', ')', '{', '}', '[', ']', ';', ',', ':', '.']) {
  PUNCT1[p.charCodeAt(0)] = p;
}
for (const p of ['..', '->', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=']) {
  PUNCT2[p.charCodeAt(0) * 128 + p.charCodeAt(1)] = p;
}

/** The punctuator at `i` by maximal munch, or undefined; allocates nothing. */
function punctuatorAt(text: string, i: number): string | undefined {
  const c1 = text.charCodeAt(i);
  if (!(c1 < 128)) return undefined;
  const one = PUNCT1[c1];
  if (one === undefined) return undefined;
  const c2 = text.charCodeAt(i + 1);
  if (!(c2 < 128)) return one;
  const two = PUNCT2[c1 * 128 + c2];
  if (two === undefined) return one;
  if (text.charCodeAt(i + 2) === 61) {
    if (two === '<<') return '<<=';
    if (two === '>>') return '>>=';
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
 * One string per distinct word of a file (identifiers, keywords, integer
 * literals), found by a hash computed while scanning: a repeated word costs
 * no slice and no allocation. Knows which words are keywords.
 */
class Interner {
  private keys: (string | undefined)[];
  private hashes: Int32Array;
  private keywords: Uint8Array;
  private mask: number;
  private size = 0;
  /** Set by `intern`: the word is a keyword. */
  keyword = false;

  constructor() {
    this.keys = new Array<string | undefined>(256).fill(undefined);
    this.hashes = new Int32Array(256);
    this.keywords = new Uint8Array(256);
    this.mask = 255;
    for (const k of KEYWORDS) {
      let h = 0;
      for (let i = 0; i < k.length; i++) h = hashStep(h, k.charCodeAt(i));
      this.insert(k, h, 1);
    }
  }

  intern(text: string, start: number, end: number, hash: number): string {
    const len = end - start;
    let slot = mix(hash) & this.mask;
    for (;;) {
      const key = this.keys[slot];
      if (key === undefined) break;
      if (this.hashes[slot] === hash && key.length === len && sameChars(key, text, start)) {
        this.keyword = this.keywords[slot] === 1;
        return key;
      }
      slot = (slot + 1) & this.mask;
    }
    const word = text.slice(start, end);
    this.insert(word, hash, 0);
    this.keyword = false;
    return word;
  }

  private insert(word: string, hash: number, keyword: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    let slot = mix(hash) & this.mask;
    while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
    this.keys[slot] = word;
    this.hashes[slot] = hash;
    this.keywords[slot] = keyword;
    this.size++;
  }

  private grow(): void {
    const keys = this.keys;
    const hashes = this.hashes;
    const keywords = this.keywords;
    const c = keys.length * 2;
    this.keys = new Array<string | undefined>(c).fill(undefined);
    this.hashes = new Int32Array(c);
    this.keywords = new Uint8Array(c);
    this.mask = c - 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined) this.insert(k, hashes[i], keywords[i]);
    }
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
  const tokens = new TokenColumns((n >> 2) + 16);
  const comments: Comment[] = [];
  const diagnostics: Diagnostic[] = [];
  const words = new Interner();
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
      const word = words.intern(text, start, i, h);
      tokens.push(words.keyword ? T_KEYWORD : T_IDENT, word, 0, start, i);
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
    if (punct) {
      i += punct.length;
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
  tokens.push(T_EOF, '', 0, n, n);
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
  let value = 0;
  let digits = 0;
  let bad = '';
  let lastUnderscore = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 95) {
      if (digits === 0 || lastUnderscore) bad ||= "'_' is allowed only between digits";
      lastUnderscore = true;
      i++;
      continue;
    }
    if (!isIdentPart(c)) break;
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
    tokens.push(T_INT, text.slice(start, i), 0, start, i);
    return i;
  }
  let h = 0;
  for (let k = start; k < i; k++) h = hashStep(h, text.charCodeAt(k));
  const literal = words.intern(text, start, i, h);
  if (value > MAX_U32) tokens.push(T_INT | T_OVERFLOW, literal, 0, start, i);
  else tokens.push(T_INT, literal, value, start, i);
  return i;
}

function lexString(text: string, start: number, tokens: TokenColumns, error: ErrorFn): number {
  // A string without escapes is its text between the quotes.
  let i = start + 1;
  for (;;) {
    if (i >= text.length) break;
    const c = text.charCodeAt(i);
    if (c === 34) {
      tokens.push(T_STRING, text.slice(start + 1, i), 0, start, i + 1);
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
  tokens.push(T_STRING, value, 0, start, i);
  return i;
}
