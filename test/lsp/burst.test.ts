/**
 * Typing faster than the server analyses, over stdio against dist/server.js:
 * a burst of 200 keystrokes on a 100 KB kernel is analysed once, at its
 * newest version (no diagnostics for the versions in between); a hover sent
 * right after it is answered from the previous analysis, in the new text's
 * positions, before the new diagnostics; a request that needs the new
 * analysis waits for it, and `$/cancelRequest` cancels it; a 6 MB file is
 * left out with a warning instead of holding the server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { Hover, Location, PublishDiagnosticsParams } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKernel } from '../bench/frontend.bench.js';
import { LspClient, messageText, uri } from './helpers';
import { typing } from './keystrokes';

let dir: string;
let client: LspClient;
let kernel: string;
let lines: string[];
let version = 1;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-burst-'));
  kernel = path.join(dir, 'kernel.pvk');
  const text = generateKernel(2_900);
  expect(text.length).toBeGreaterThan(100_000);
  writeFileSync(kernel, text);
  lines = text.split('\n');
  client = new LspClient();
  await client.start(dir);
  client.open(kernel, text, version);
  await client.diagnosticsFor(kernel);
  await client.request('textDocument/hover', { textDocument: { uri: uri(kernel) }, position: { line: 0, character: 0 } });
});

afterAll(async () => {
  await client?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The line after `fn workN(`: `    let s: u32 = a * 3 + (b as u32) / 2;`. */
const bodyLine = (n: number): number => lines.findIndex((l) => l.startsWith(`fn work${n}(`)) + 1;

/** Types `text` at the start of `line` in one burst; returns the version of the final text and the arrival index the burst started at. */
function burst(line: number, text: string): { final: number; from: number } {
  const from = client.arrivals.length;
  const changes = typing(uri(kernel), version + 1, line, 0, text);
  version += changes.length;
  client.notifyAll(changes);
  return { final: version, from };
}

/** Diagnostics the server published for the kernel from arrival index `from` on. */
function publishedSince(from: number): PublishDiagnosticsParams[] {
  return client.arrivals
    .slice(from)
    .filter((a) => a.method === 'textDocument/publishDiagnostics' && (a.params as PublishDiagnosticsParams).uri === uri(kernel))
    .map((a) => a.params as PublishDiagnosticsParams);
}

/** Where in the arrivals from `from` on the first response and the publish of `final` are. */
function order(from: number, final: number): { response: number; publish: number } {
  const since = client.arrivals.slice(from);
  return {
    response: since.findIndex((a) => a.method === undefined),
    publish: since.findIndex((a) => a.method === 'textDocument/publishDiagnostics' && (a.params as PublishDiagnosticsParams).version === final),
  };
}

/** 200 characters of statements, ending in a call of a function that does not exist. */
function statements(tag: string): string {
  const call = `nosuch_${tag}(); `;
  let out = '';
  for (let k = 0; out.length + call.length + `let ${tag}_${k}: u32 = ${k}; `.length <= 200; k++) out += `let ${tag}_${k}: u32 = ${k}; `;
  return out.padEnd(200 - call.length) + call;
}

const hoverAt = (line: number, character: number): Promise<Hover | null> => client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(kernel) }, position: { line, character } });

describe('a burst of 200 keystrokes on a 100 KB kernel', () => {
  it('is analysed once, at the final version; a hover right after it is answered from the previous analysis, in the new positions, before the new diagnostics', async () => {
    const line = bodyLine(40);
    const column = lines[line].indexOf('let s') + 4;
    const quiet = await hoverAt(line, column);
    expect(quiet?.contents).toMatchObject({ value: expect.stringContaining('let s: u32') });

    const typed = statements('a');
    expect(typed).toHaveLength(200);
    const { final, from } = burst(line, typed);
    const moved = await hoverAt(line, column + typed.length);
    const published = await client.diagnosticsFor(kernel, (p) => p.diagnostics.some((d) => messageText(d).includes('nosuch_a')));
    expect(published.version).toBe(final);

    // The same hover, on the text that moved 200 characters to the right.
    expect(moved?.contents).toEqual(quiet?.contents);
    const shift = (p: { line: number; character: number }) => ({ line: p.line, character: p.character + typed.length });
    expect(moved?.range).toEqual({ start: shift(quiet!.range!.start), end: shift(quiet!.range!.end) });
    // Answered before the analysis of the final text went out.
    const { response, publish } = order(from, final);
    expect(response).toBeGreaterThanOrEqual(0);
    expect(publish).toBeGreaterThan(response);
    // One publication for the whole burst: none for the 199 versions in between.
    expect(publishedSince(from).map((p) => p.version)).toEqual([final]);
    expect(published.diagnostics.map(messageText)).toContain("unknown function 'nosuch_a'");
    expect(client.alive).toBe(true);
  });

  it('a hover on text the burst typed is answered from the analysis of that text', async () => {
    // The previous analysis has `let s` there: only the new one knows the call of work7.
    const line = bodyLine(60);
    burst(line, 'work7(1, 2); ');
    const h = await hoverAt(line, 1);
    expect(h?.contents).toMatchObject({ value: expect.stringContaining('fn work7(a: u32, b: i32) -> u32') });
    expect(h?.range).toEqual({ start: { line, character: 0 }, end: { line, character: 5 } });
  });

  it('a definition request right after a burst lands on the moved declaration', async () => {
    // The declaration of work3 sits below the edited line: its position only shifts.
    const line = bodyLine(2);
    const callAt = lines.findIndex((l, i) => i > bodyLine(5) && l.includes('return s + work4('));
    const { final } = burst(line, statements('b'));
    const target = await client.request<Location | Location[] | null>('textDocument/definition', { textDocument: { uri: uri(kernel) }, position: { line: callAt, character: lines[callAt].indexOf('work4') + 1 } });
    const loc = Array.isArray(target) ? target[0] : target;
    expect(loc?.range.start).toEqual({ line: bodyLine(4) - 1, character: 3 });
    await client.diagnosticsFor(kernel, (p) => p.version === final);
  });

  it('$/cancelRequest cancels a request that waits for the analysis of a burst', async () => {
    const line = bodyLine(80);
    burst(line, statements('c'));
    const source = new CancellationTokenSource();
    const pending = client.rpc.sendRequest('textDocument/references', { textDocument: { uri: uri(kernel) }, position: { line: bodyLine(90), character: 8 }, context: { includeDeclaration: true } }, source.token);
    source.cancel();
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError<unknown>).code).toBe(-32800);
    // The server goes on: the same request, not cancelled, is answered.
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(kernel) }, position: { line: bodyLine(90) - 1, character: 4 }, context: { includeDeclaration: true } });
    expect(refs.length).toBeGreaterThan(0);
  });
});

describe('a 6 MB file', () => {
  it('is left out of the analysis with a warning saying so; the server answers the other files and the typing in it', async () => {
    const huge = path.join(dir, 'huge.pvk');
    const text = generateKernel(170_000);
    expect(text.length).toBeGreaterThan(6_000_000);
    client.open(huge, text);
    const { diagnostics } = await client.diagnosticsFor(huge, (p) => p.diagnostics.length > 0, 60_000);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].severity).toBe(2);
    expect(messageText(diagnostics[0])).toMatch(/not checked in the editor: it has 5\.8 Mi characters, and the language server analyses files of up to 1\.0 Mi .*pvlab check/);
    // Typing in it is cheap, and the server keeps answering for the kernel.
    const changes = typing(uri(huge), 2, 10, 0, 'x'.repeat(50));
    client.notifyAll(changes);
    const h = await hoverAt(bodyLine(40), lines[bodyLine(40)].indexOf('let s') + 4 + 200);
    expect(h?.contents).toMatchObject({ value: expect.stringContaining('let s: u32') });
    expect(await client.request('textDocument/hover', { textDocument: { uri: uri(huge) }, position: { line: 20, character: 8 } })).toBeNull();
  });
});
