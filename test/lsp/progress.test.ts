/**
 * The first analysis of the workspace shows progress where the client supports
 * it (window/workDoneProgress): a token is created, `begin` says what is
 * analysed, diagnostics follow, then `end`.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LspClient, ROOT, uri } from './lspClient';

describe('progress while the server first analyses the workspace', () => {
  const client = new LspClient();
  afterAll(() => client.stop());

  it('begin, the diagnostics of the workspace, end', async () => {
    const events: string[] = [];
    const tokens: unknown[] = [];
    client.rpc.onRequest('window/workDoneProgress/create', (p: { token: unknown }) => {
      tokens.push(p.token);
      events.push('create');
      return null;
    });
    const examples = path.join(ROOT, 'examples');
    const tour = path.join(examples, 'tour', 'tour.pvk');
    const pvkFiles = readdirSync(examples, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.pvk')).length;
    // (notifications arrive in order: whether the diagnostics are there tells what came first)
    const published = (): string => (client.lastDiagnostics(tour) ? 'with diagnostics' : 'no diagnostics yet');
    client.rpc.onNotification('$/progress', (p: { token: unknown; value: { kind: string; title?: string; message?: string } }) => {
      expect(tokens).toContain(p.token);
      events.push(`${p.value.kind === 'begin' ? `begin ${p.value.title}: ${p.value.message}` : p.value.kind} (${published()})`);
    });
    await client.start(examples, { window: { workDoneProgress: true } });
    await client.diagnosticsFor(tour);
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.startsWith('end')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['create', `begin pvlab: analysing ${pvkFiles} .pvk files (no diagnostics yet)`, 'end (with diagnostics)']);
    // and the first lenses are there to ask for
    const lenses = await client.request<unknown[]>('textDocument/codeLens', { textDocument: { uri: uri(tour) } });
    expect(lenses.length).toBeGreaterThan(0);
  });
});
