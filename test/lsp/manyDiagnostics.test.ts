/**
 * Thousands of diagnostics in one file, over stdio against dist/server.js:
 * every one published, each at its own line and column (positions placed
 * with the file's one line index).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient, messageText } from './helpers';

const FUNCTIONS = 4000;
let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-many-'));
  client = new LspClient();
  await client.start(dir);
});

afterAll(async () => {
  await client?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a file with 4,000 syntax errors', () => {
  it('gets all of them, each on its own line at its column', async () => {
    const file = path.join(dir, 'many.pvk');
    const text = Array.from({ length: FUNCTIONS }, (_, i) => `fn f${i}() { 1 + ; }`).join('\n') + '\n';
    writeFileSync(file, text);
    client.open(file, text);
    const { diagnostics } = await client.diagnosticsFor(file, (p) => p.diagnostics.length > 0, 30_000);
    expect(diagnostics).toHaveLength(FUNCTIONS);
    diagnostics.forEach((d, i) => {
      const column = `fn f${i}() { 1 + `.length;
      expect(d.range).toEqual({ start: { line: i, character: column }, end: { line: i, character: column + 1 } });
      expect(messageText(d)).toBe("expected an expression, found ';'");
    });
  });
});
