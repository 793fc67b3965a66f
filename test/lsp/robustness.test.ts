/**
 * Garbage in, answers out: documents of binary garbage, deeply nested and
 * truncated pvk (test/fixtures/lsp/robust/truncated.pvk, plus generated
 * nesting and every prefix of a valid kernel) get every request type at
 * random positions. Every request must be answered (a result or an error
 * response), and afterwards the server must still answer a hover on a valid
 * file correctly, with its process alive.
 */
import * as path from 'node:path';
import type { Hover, MarkupContent, Position } from 'vscode-languageserver';
import { ResponseError } from 'vscode-jsonrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, LspClient, pos, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;
let valid: string;
let validText: string;

beforeAll(async () => {
  dir = copyFixture('robust');
  valid = path.join(dir, 'valid.pvk');
  validText = read(valid);
  client = new LspClient();
  await client.start(dir);
  client.open(valid, validText);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binary garbage: random bytes, control characters, lone surrogates, mixed line breaks, pvk fragments. */
function garbage(seed: number, length: number): string {
  const r = rng(seed);
  const fragments = ['{', '}', '(', ')', 'fn ', 'hypercall ', 'system ', 'domain ', 'impl ', 'pvops ', '"', '/*', '*/', '//', '\r\n', '\r', '\n', '\0', '\ud800', '\udfff', '😀', 'mem32[', '0x', '9999999999999', 'xen_domain()', '.', ';', '->'];
  let out = '';
  while (out.length < length) {
    const x = r();
    if (x < 0.5) out += String.fromCharCode(Math.floor(r() * 256));
    else if (x < 0.7) out += String.fromCharCode(Math.floor(r() * 0x10000));
    else out += fragments[Math.floor(r() * fragments.length)];
  }
  return out;
}

/** Positions to probe: random ones, the document's corners, and a few past its end. */
function positions(text: string, seed: number, n: number): Position[] {
  const r = rng(seed);
  const lines = text.split(/\r\n|\r|\n/);
  const out: Position[] = [
    { line: 0, character: 0 },
    { line: lines.length - 1, character: lines[lines.length - 1].length },
    { line: lines.length + 5, character: 3 },
    { line: 0, character: 100_000 },
  ];
  for (let i = 0; i < n; i++) {
    const line = Math.floor(r() * lines.length);
    out.push({ line, character: Math.floor(r() * (lines[line].length + 2)) });
  }
  return out;
}

type Outcome = { method: string; ok: boolean; error?: string };

const TIMEOUT_MS = 5000;

/** Sends a request and classifies the answer: a result or a ResponseError both count as answered. */
async function answered(method: string, params: unknown): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ method, ok: false, error: `no answer within ${TIMEOUT_MS} ms` }), TIMEOUT_MS);
  });
  const request = client.request<unknown>(method, params).then(
    (): Outcome => ({ method, ok: true }),
    (e: unknown): Outcome => (e instanceof ResponseError ? { method, ok: true, error: `response error ${e.code}: ${e.message}` } : { method, ok: false, error: String(e) }),
  );
  const result = await Promise.race([request, timeout]);
  clearTimeout(timer);
  return { ...result, error: result.error ? `${result.error} (params ${JSON.stringify(params).slice(0, 300)})` : undefined };
}

/** Every request type the server offers, at the given positions of one document. */
async function fireEverything(file: string, text: string, seed: number, n: number): Promise<Outcome[]> {
  const td = { textDocument: { uri: uri(file) } };
  const r = rng(seed);
  const ps = positions(text, seed, n);
  const calls: [string, unknown][] = [
    ['textDocument/codeLens', td],
    ['textDocument/semanticTokens/full', td],
    ['textDocument/foldingRange', td],
    ['textDocument/formatting', { ...td, options: { tabSize: 4, insertSpaces: true } }],
    ['textDocument/documentSymbol', td],
    ['workspace/symbol', { query: '' }],
    ['textDocument/documentLink', td],
    ['textDocument/selectionRange', { ...td, positions: ps }],
  ];
  for (const p of ps) {
    const q = ps[Math.floor(r() * ps.length)];
    const range = p.line < q.line || (p.line === q.line && p.character <= q.character) ? { start: p, end: q } : { start: q, end: p };
    const code = ['PVK020', 'PVK012', 'PVK021', 'PVK001'][Math.floor(r() * 4)];
    calls.push(
      ['textDocument/hover', { ...td, position: p }],
      ['textDocument/completion', { ...td, position: p }],
      ['textDocument/signatureHelp', { ...td, position: p }],
      ['textDocument/definition', { ...td, position: p }],
      ['textDocument/references', { ...td, position: p, context: { includeDeclaration: r() < 0.5 } }],
      ['textDocument/prepareRename', { ...td, position: p }],
      ['textDocument/rename', { ...td, position: p, newName: r() < 0.8 ? 'renamed_x' : 'while' }],
      ['textDocument/codeAction', { ...td, range, context: { diagnostics: [{ range, message: 'fuzz', code, severity: 2 }] } }],
      ['textDocument/implementation', { ...td, position: p }],
      ['textDocument/documentHighlight', { ...td, position: p }],
      ['textDocument/prepareCallHierarchy', { ...td, position: p }],
    );
    // call hierarchy items as a client would send them back, naming what may or may not be in the file
    const data = [{ t: 'fn', name: 'main' }, { t: 'op', group: 'cpu', name: 'irq_disable' }, { t: 'hypercall', name: 'console_io' }, { t: 'fn', name: 'x', group: 'g', platform: 'xen' }, null][Math.floor(r() * 5)];
    const item = { name: 'x', kind: 12, uri: td.textDocument.uri, range, selectionRange: range, data };
    calls.push(['callHierarchy/incomingCalls', { item }], ['callHierarchy/outgoingCalls', { item }]);
  }
  // all in flight at once, as an editor does while typing
  return Promise.all(calls.map(([m, params]) => answered(m, params)));
}

function expectAllAnswered(outcomes: Outcome[]): void {
  const unanswered = outcomes.filter((o) => !o.ok);
  expect(unanswered.map((o) => `${o.method}: ${o.error}`)).toEqual([]);
}

async function expectHealthy(): Promise<void> {
  expect(client.alive, `server died; stderr:\n${client.stderr}`).toBe(true);
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(valid) }, position: pos(validText, 'square(7)', 2) });
  expect((hover?.contents as MarkupContent | undefined)?.value).toContain('fn square(x: u32) -> u32');
  const diags = await client.diagnosticsFor(valid);
  expect(diags.diagnostics).toEqual([]);
}

/** Handler failures the server caught and logged instead of answering properly. */
const handlerFailures = (): string[] => client.logs.filter((l) => /failed/.test(l.message)).map((l) => l.message.split('\n').slice(0, 3).join(' | '));

describe('robustness', () => {
  it('a document of binary garbage: every request answers, the server stays healthy', async () => {
    const file = path.join(dir, 'garbage.pvk');
    const text = garbage(1, 4000);
    client.open(file, text);
    // diagnostics are published for it (the checker survived it)
    const published = await client.diagnosticsFor(file, (p) => p.diagnostics.length > 0);
    expect(published.diagnostics.every((d) => d.code === 'PVK001' || String(d.code).startsWith('PVK'))).toBe(true);
    expectAllAnswered(await fireEverything(file, text, 11, 25));
    // more garbage, edited in place
    for (let s = 2; s <= 4; s++) {
      const more = garbage(s, 1500 * s);
      client.change(file, more, s);
      expectAllAnswered(await fireEverything(file, more, 100 + s, 10));
    }
    await expectHealthy();
  });

  it('the truncated, nested fixture: every request answers, the server stays healthy', async () => {
    const file = path.join(dir, 'truncated.pvk');
    const text = read(file);
    client.open(file, text);
    await client.diagnosticsFor(file, (p) => p.diagnostics.length > 0);
    expectAllAnswered(await fireEverything(file, text, 21, 40));
    await expectHealthy();
  });

  it('deep nesting (blocks, parentheses, memory loads, unary operators): answers and health', async () => {
    const file = path.join(dir, 'deep.pvk');
    const depth = 3000;
    const variants = [
      `fn main() -> u32 {\n${'{'.repeat(depth)}\nreturn 0;\n${'}'.repeat(depth)}\n}\n`,
      `fn main() -> u32 {\n    return ${'('.repeat(depth)}1${')'.repeat(depth)};\n}\n`,
      `fn main() -> u32 {\n    let x = ${'mem32['.repeat(depth)}0${']'.repeat(depth)};\n    return x;\n}\n`,
      `fn main() -> u32 {\n    let b = ${'!'.repeat(depth)}true;\n    let n = ${'-'.repeat(depth)}1;\n    return 0;\n}\n`,
      `fn main() -> u32 {\n${'    if (true) {\n'.repeat(depth)}`,
      `fn main() -> u32 {\n    return ${Array.from({ length: depth }, (_, i) => `${i}`).join(' + ')};\n}\n`,
    ];
    let version = 0;
    for (const text of variants) {
      if (version === 0) client.open(file, text);
      else client.change(file, text, version + 1);
      version++;
      expectAllAnswered(await fireEverything(file, text, 30 + version, 8));
      expect(client.alive, `server died on nesting variant ${version}; stderr:\n${client.stderr.slice(-2000)}`).toBe(true);
    }
    await expectHealthy();
  });

  it('every prefix of a valid kernel, as typed: answers and health', async () => {
    const file = path.join(dir, 'typing.pvk');
    const full = read(path.join(dir, 'valid.pvk')).replace(/square/g, 'cube');
    client.open(file, '');
    const r = rng(41);
    let version = 1;
    for (let cut = 0; cut <= full.length; cut += 1 + Math.floor(r() * 9)) {
      const text = full.slice(0, cut);
      client.change(file, text, ++version);
      const p = positions(text, version, 1).slice(-1);
      const td = { textDocument: { uri: uri(file) } };
      const outcomes = await Promise.all([
        answered('textDocument/completion', { ...td, position: p[0] }),
        answered('textDocument/hover', { ...td, position: p[0] }),
        answered('textDocument/signatureHelp', { ...td, position: p[0] }),
        answered('textDocument/semanticTokens/full', td),
        answered('textDocument/codeLens', td),
        answered('textDocument/formatting', { ...td, options: { tabSize: 4, insertSpaces: true } }),
      ]);
      expectAllAnswered(outcomes);
    }
    await expectHealthy();
  });

  it('an untitled (non-file) document and a URI that was never opened: every request answers', async () => {
    const text = 'fn main() -> u32 {\n    return hypercall xen_version(0) as u32;\n}\n';
    client.notify('textDocument/didOpen', { textDocument: { uri: 'untitled:Untitled-1', languageId: 'pvk', version: 1, text } });
    const fakeUntitled = { textDocument: { uri: 'untitled:Untitled-1' } };
    const never = path.join(dir, 'never-opened-and-missing.pvk');
    const outcomes = [
      ...(await fireEverything(never, text, 51, 5)),
      ...(await Promise.all([
        answered('textDocument/hover', { ...fakeUntitled, position: { line: 1, character: 20 } }),
        answered('textDocument/completion', { ...fakeUntitled, position: { line: 1, character: 11 } }),
        answered('textDocument/codeLens', fakeUntitled),
        answered('textDocument/formatting', { ...fakeUntitled, options: { tabSize: 4, insertSpaces: true } }),
        answered('textDocument/semanticTokens/full', fakeUntitled),
      ])),
    ];
    expectAllAnswered(outcomes);
    client.notify('textDocument/didClose', { textDocument: { uri: 'untitled:Untitled-1' } });
    await expectHealthy();
  });

  it('the process is alive at the end and no handler failed internally on any of it', async () => {
    await expectHealthy();
    // every handler is meant to be total: a caught-and-logged exception means
    // the feature silently answered "nothing" on that input
    expect(handlerFailures()).toEqual([]);
  });
});
