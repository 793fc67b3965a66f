import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-languageserver/node';
import { describe, expect, it } from 'vitest';
import { CoalescingReader } from '../../server/coalescingReader.js';
import { frame, typing } from '../lsp/keystrokes.js';

/** One framed message, as a client writes it. */
const framed = (m: object): Buffer => {
  const body = Buffer.from(JSON.stringify(m), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
};

/** Feeds `bytes` to a reader cut into the given pieces (each its own read, as a pipe may deliver them), and collects what it delivers once the reads are done. */
async function read(bytes: Buffer, cuts: readonly number[] = []): Promise<{ messages: Message[]; errors: string[]; reads: number }> {
  const stream = new PassThrough();
  let reads = 0;
  const reader = new CoalescingReader(stream, () => reads++);
  const messages: Message[] = [];
  const errors: string[] = [];
  reader.onError((e) => errors.push(e.message));
  reader.listen((m) => messages.push(m));
  let at = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    stream.write(bytes.subarray(at, cut));
    at = cut;
    // a turn of the event loop between reads
    await new Promise((resolve) => setImmediate(resolve));
  }
  stream.write(bytes.subarray(at));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  reader.dispose();
  return { messages, errors, reads };
}

const hover = { jsonrpc: '2.0', id: 7, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///k.pvk' }, position: { line: 3, character: 9 } } };

describe('CoalescingReader: the language server reads LSP messages', () => {
  it('merges a burst of keystrokes read together into one didChange, the request after it unchanged', async () => {
    const burst = typing('file:///k.pvk', 2, 3, 0, 'let é = 1; // 😀');
    const { messages, reads } = await read(Buffer.concat([frame(burst), framed(hover)]));
    expect(reads).toBe(burst.length + 1);
    expect(messages).toHaveLength(2);
    const merged = messages[0] as unknown as { method: string; params: { textDocument: { version: number }; contentChanges: { text: string }[] } };
    expect(merged.method).toBe('textDocument/didChange');
    expect(merged.params.textDocument.version).toBe(2 + burst.length - 1);
    expect(merged.params.contentChanges.map((c) => c.text).join('')).toBe('let é = 1; // 😀');
    expect(messages[1]).toEqual(hover);
  });

  it('delivers the same messages however the bytes are cut into reads (inside headers, bodies, UTF-8 sequences)', async () => {
    const messages = [hover, { jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///é.pvk', text: 'fn main() { print("héllo 😀"); }\n'.repeat(40) } } }, { ...hover, id: 8 }];
    const bytes = Buffer.concat(messages.map(framed));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const out = await read(bytes, cuts);
        expect(out.errors).toEqual([]);
        expect(out.messages).toEqual(messages);
      }),
      { numRuns: 60 },
    );
  });

  it('a message longer than many reads arrives whole', async () => {
    const big = { jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///big.pvk', text: 'x'.repeat(300_000) } } };
    const bytes = framed(big);
    const cuts = Array.from({ length: 40 }, (_, i) => (i + 1) * 7_000);
    const { messages } = await read(bytes, cuts);
    expect(messages).toEqual([big]);
  });

  it('a header without Content-Length and a body that is not JSON are reported as errors', async () => {
    const noLength = await read(Buffer.from('Content-Type: application/json\r\n\r\n{}', 'ascii'));
    expect(noLength.messages).toEqual([]);
    expect(noLength.errors.join('\n')).toContain('Content-Length');
    const notJson = await read(Buffer.concat([Buffer.from('Content-Length: 5\r\n\r\n{oops', 'ascii'), framed(hover)]));
    expect(notJson.errors).toHaveLength(1);
    expect(notJson.messages).toEqual([hover]);
  });
});
