import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import type { Span } from './source.js';

export const KEYWORDS = [
  'import', 'const', 'var', 'fn', 'let', 'if', 'else', 'while', 'for', 'in', 'return', 'break',
  'continue', 'as', 'true', 'false', 'pvops', 'impl', 'system', 'domain', 'abi', 'hypercall',
  'u32', 'i32', 'bool',
] as const;
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

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

const PUNCT3: ReadonlySet<string> = new Set(['<<=', '>>=']);
const PUNCT2: ReadonlySet<string> = new Set([
  '..', '->', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
]);
const PUNCT1: ReadonlySet<string> = new Set([
  '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '=', '(', ')', '{', '}', '[', ']', ';', ',', ':', '.',
]);

/** Interned punctuator strings by their first one, two and three characters' codes. */
const PUNCT_BY_CODE = new Map<number, string>();
for (const p of [...PUNCT1, ...PUNCT2, ...PUNCT3]) {
  let key = 0;
  for (let k = 0; k < p.length; k++) key = key * 128 + p.charCodeAt(k);
  PUNCT_BY_CODE.set(key, p);
}

/** The punctuator at `i` by maximal munch, or undefined; allocates nothing. */
function punctuatorAt(text: string, i: number): string | undefined {
  const c1 = text.charCodeAt(i);
  if (!(c1 < 128)) return undefined;
  const one = PUNCT_BY_CODE.get(c1);
  if (one === undefined) return undefined;
  const c2 = text.charCodeAt(i + 1);
  if (!(c2 < 128)) return one;
  const two = PUNCT_BY_CODE.get(c1 * 128 + c2);
  if (two === undefined) return one;
  const c3 = text.charCodeAt(i + 2);
  if (!(c3 < 128)) return two;
  return PUNCT_BY_CODE.get((c1 * 128 + c2) * 128 + c3) ?? two;
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

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

/** Splits pvk text into tokens. Never throws; bad characters become PVK001 diagnostics. */
export function lex(file: string, text: string): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const diagnostics: Diagnostic[] = [];
  const n = text.length;
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
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      tokens.push(new Token(KEYWORD_SET.has(word) ? 'keyword' : 'ident', word, 0, start, i));
      continue;
    }
    if (c >= 48 && c <= 57) {
      i = lexNumber(text, start, tokens, error);
      continue;
    }
    if (c === 34) {
      i = lexString(text, start, tokens, error);
      continue;
    }
    const punct = punctuatorAt(text, i);
    if (punct) {
      i += punct.length;
      tokens.push(new Token('punct', punct, 0, start, i));
      continue;
    }
    // Skip a whole surrogate pair so the error covers one character.
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    let shown = text.slice(i, i + width);
    if (c < 32 || c === 127) shown = `\\x${c.toString(16).padStart(2, '0')}`;
    error(start, start + width, `unexpected character '${shown}'`);
    i += width;
  }
  tokens.push(new Token('eof', '', 0, n, n));
  return { tokens, comments, diagnostics };
}

type ErrorFn = (start: number, end: number, message: string) => void;

function lexNumber(text: string, start: number, tokens: Token[], error: ErrorFn): number {
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
    tokens.push(new Token('int', text.slice(start, i), 0, start, i));
    return i;
  }
  const overflow = value > MAX_U32;
  tokens.push(new Token('int', text.slice(start, i), overflow ? 0 : value, start, i, overflow));
  return i;
}

function lexString(text: string, start: number, tokens: Token[], error: ErrorFn): number {
  let i = start + 1;
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
  tokens.push(new Token('string', value, 0, start, i));
  return i;
}
