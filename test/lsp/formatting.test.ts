/**
 * Formatting (idempotent), document and workspace symbols, folding ranges
 * and semantic tokens (test/fixtures/lsp/format/messy.pvk).
 */
import * as path from 'node:path';
import type { DocumentSymbol, FoldingRange, SemanticTokens, SemanticTokensLegend, SymbolInformation, TextEdit } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, copyFixture, errors, LspClient, pos, read, removeDir, settle, uri } from './helpers';

let dir: string;
let client: LspClient;
let file: string;
let messy: string;
let formatted: string | undefined;
let version = 1;

beforeAll(async () => {
  dir = copyFixture('format');
  file = path.join(dir, 'messy.pvk');
  messy = read(file);
  client = new LspClient();
  await client.start(dir);
  client.open(file, messy);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

const OPTIONS = { tabSize: 4, insertSpaces: true };
const format = (options = OPTIONS): Promise<TextEdit[] | null> => client.request<TextEdit[] | null>('textDocument/formatting', { textDocument: { uri: uri(file) }, options });

/** Formats the open document once, applies the edit and sends it (memoised). */
async function formattedText(): Promise<string> {
  if (formatted !== undefined) return formatted;
  const edits = await format();
  expect(edits?.length ?? 0).toBeGreaterThan(0);
  formatted = applyEdits(messy, edits ?? []);
  client.change(file, formatted, ++version);
  return formatted;
}

describe('formatting', () => {
  it('a messy file gets an edit; the result keeps every token and checks clean', async () => {
    const text = await formattedText();
    expect(text).not.toBe(messy);
    expect(text.replace(/\s+/g, '')).toBe(messy.replace(/\s+/g, ''));
    expect(text).toContain('fn helper_tick(n: u32) -> u32 {\n    ticks += n;\n');
    expect(text).toContain('pvops timer {\n    fn arm(t: u32);\n    fn disarm();\n}');
    await settle(client);
    expect(errors(client.lastDiagnostics(file)?.diagnostics ?? [])).toEqual([]);
  });

  it('is idempotent: formatting the formatted text returns no edit', async () => {
    await formattedText();
    const again = await format();
    expect(again ?? []).toEqual([]);
  });

  it('honours the tab size, and is idempotent at that size too', async () => {
    const text = await formattedText();
    const two = await format({ tabSize: 2, insertSpaces: true });
    expect(two?.length ?? 0).toBeGreaterThan(0);
    const twoText = applyEdits(text, two ?? []);
    expect(twoText).toContain('fn helper_tick(n: u32) -> u32 {\n  ticks += n;\n');
    client.change(file, twoText, ++version);
    expect((await format({ tabSize: 2, insertSpaces: true })) ?? []).toEqual([]);
    client.change(file, text, ++version);
  });

  it('keeps CRLF line endings: an already formatted CRLF file gets no edit', async () => {
    const crlf = path.join(dir, 'crlf.pvk');
    const text = 'fn main() -> u32 {\r\n    let a: u32 = 1;\r\n    return a;\r\n}\r\n';
    client.open(crlf, text);
    const edits = (await client.request<TextEdit[] | null>('textDocument/formatting', { textDocument: { uri: uri(crlf) }, options: OPTIONS })) ?? [];
    // whatever it returns must not turn the file's line endings into LF
    expect(applyEdits(text, edits)).toBe(text);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(crlf) } });
  });

  it('leaves a file with syntax errors alone (no edit)', async () => {
    const broken = path.join(dir, 'broken.pvk');
    client.open(broken, 'fn main( -> u32 {   let x=1 ;\n');
    const edits = await client.request<TextEdit[] | null>('textDocument/formatting', { textDocument: { uri: uri(broken) }, options: OPTIONS });
    expect(edits ?? []).toEqual([]);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(broken) } });
  });
});

describe('symbols', () => {
  it('document symbols list the functions, the pvops table with its ops, the impls and the system', async () => {
    await formattedText();
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri(file) } });
    const kinds = new Map(symbols.map((s) => [s.name, s.kind]));
    expect(kinds.get('helper_tick')).toBe(12); // Function
    expect(kinds.get('main')).toBe(12);
    expect(kinds.get('timer')).toBe(11); // Interface
    expect(kinds.get('bench')).toBe(2); // Module
    expect(kinds.get('ticks')).toBe(13); // Variable
    const timer = symbols.find((s) => s.name === 'timer') as DocumentSymbol;
    expect(timer.children?.map((c) => c.name)).toEqual(['arm', 'disarm']);
    expect(symbols.find((s) => s.name === 'bench')?.children?.map((c) => c.name)).toEqual(['dom0']);
    expect(symbols.filter((s) => s.name.startsWith('impl timer for')).map((s) => s.name).sort()).toEqual(['impl timer for native', 'impl timer for xen']);
    // each selection range lies inside its range
    for (const s of symbols) {
      expect(s.selectionRange.start.line).toBeGreaterThanOrEqual(s.range.start.line);
      expect(s.selectionRange.end.line).toBeLessThanOrEqual(s.range.end.line);
    }
  });

  it('workspace symbols find a function by prefix, and a system', async () => {
    const found = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'helper_t' });
    const helper = found.find((s) => s.name === 'helper_tick');
    expect(helper, JSON.stringify(found)).toBeDefined();
    expect(helper?.kind).toBe(12);
    expect(helper?.location.uri).toBe(uri(file));
    const text = await formattedText();
    expect(helper?.location.range.start.line).toBe(pos(text, 'fn helper_tick').line);
    const sys = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'benc' });
    expect(sys.map((s) => s.name)).toContain('bench');
  });
});

describe('folding ranges', () => {
  it('include the function bodies, the pvops table, the impls and the system', async () => {
    const text = await formattedText();
    const ranges = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uri(file) } });
    const lines = text.split('\n');
    const closing = (startLine: number): number => {
      // the line of the `}` that closes the block opened on startLine (formatted text: same indentation)
      const indent = /^\s*/.exec(lines[startLine])?.[0] ?? '';
      for (let l = startLine + 1; l < lines.length; l++) if (lines[l] === `${indent}}` || lines[l].startsWith(`${indent}} else`)) return l;
      throw new Error(`no closing brace for line ${startLine}`);
    };
    for (const head of ['fn helper_tick', 'fn main', 'pvops timer', 'impl timer for native', 'system bench']) {
      const start = pos(text, head).line;
      const range = ranges.find((r) => r.startLine === start);
      expect(range, `${head}: ${JSON.stringify(ranges)}`).toBeDefined();
      expect(range?.endLine, head).toBeGreaterThanOrEqual(closing(start) - 1);
      expect(range?.endLine, head).toBeLessThanOrEqual(closing(start));
    }
  });
});

describe('semantic tokens', () => {
  it('returns data in 5-tuples that decode to in-bounds, ordered tokens with the legend', async () => {
    const text = await formattedText();
    const legend = client.initializeResult?.capabilities.semanticTokensProvider?.legend as SemanticTokensLegend;
    expect(legend.tokenTypes.length).toBeGreaterThan(0);
    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: uri(file) } });
    expect(tokens.data.length).toBeGreaterThan(0);
    expect(tokens.data.length % 5).toBe(0);
    const lines = text.split('\n');
    let line = 0;
    let char = 0;
    const decoded: { line: number; char: number; length: number; type: string }[] = [];
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl, dc, length, type, mods] = tokens.data.slice(i, i + 5);
      line += dl;
      char = dl === 0 ? char + dc : dc;
      expect(line).toBeLessThan(lines.length);
      expect(length).toBeGreaterThan(0);
      expect(char + length).toBeLessThanOrEqual(lines[line].length);
      expect(type).toBeLessThan(legend.tokenTypes.length);
      expect(mods).toBeLessThan(1 << legend.tokenModifiers.length);
      decoded.push({ line, char, length, type: legend.tokenTypes[type] });
    }
    const at = (needle: string, delta = 0): string | undefined => {
      const p = pos(text, needle, delta);
      return decoded.find((t) => t.line === p.line && t.char === p.character)?.type;
    };
    expect(at('fn helper_tick', 3)).toBe('function');
    expect(at('fn helper_tick')).toBe('keyword');
    expect(at('// A parseable')).toBe('comment');
    expect(at('"messy.pvk"')).toBe('string');
    expect(at('0x6e0')).toBe('number');
    expect(at('timer.arm', 6)).toBe('method');
  });
});
