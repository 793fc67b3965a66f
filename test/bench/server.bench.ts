import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { generateKernel } from './frontend.bench.js';
import { ms, summarize } from './measure.js';

/** The language server's latency on a 10,000-line kernel, over stdio against dist/server.js. */
export async function benchServer(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-bench-lsp-'));
  const file = path.join(dir, 'big.pvk');
  const text = generateKernel(10_000);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const child = spawn(process.execPath, [path.resolve('dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let published: (() => void) | undefined;
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
    if (p.uri === uri && published) published();
  });
  rpc.listen();
  try {
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }], capabilities: {} });
    await rpc.sendNotification('initialized', {});
    const nextPublish = () => new Promise<void>((resolve) => (published = resolve));
    let wait = nextPublish();
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'pvk', version: 1, text } });
    await wait;

    // 100 edits, alternating between adding and removing an error so that every edit changes the
    // diagnostics; sent as VS Code sends them to a server with incremental sync: the changed range only.
    const lines = text.split('\n');
    const target = lines.findIndex((l) => l.includes('let s: u32'));
    const column = lines[target].indexOf('let s: u32 = a') + 'let s: u32 = '.length;
    const diagTimes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const change =
        i % 2 === 0
          ? { range: { start: { line: target, character: column }, end: { line: target, character: column } }, text: '-5 + ' }
          : { range: { start: { line: target, character: column }, end: { line: target, character: column + 5 } }, text: '' };
      wait = nextPublish();
      const t0 = performance.now();
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [change] });
      await wait;
      diagTimes.push(performance.now() - t0);
    }

    const position = { line: target + 2, character: 12 };
    const completionTimes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await rpc.sendRequest('textDocument/completion', { textDocument: { uri }, position });
      completionTimes.push(performance.now() - t0);
    }
    // Baseline: a round trip of a request the server answers without work (an unknown file).
    const baseTimes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await rpc.sendRequest('textDocument/foldingRange', { textDocument: { uri: 'file:///nonexistent.pvk' } });
      baseTimes.push(performance.now() - t0);
    }
    const d = summarize(diagTimes);
    const c = summarize(completionTimes);
    const b = summarize(baseTimes);
    console.log('\n## language server on a 10,000-line kernel (dist/server.js over stdio)');
    console.log(`  diagnostics after an edit  median ${ms(d.median)}  p95 ${ms(d.p95)}  (target < 50 ms)`);
    console.log(`  completion                 median ${ms(c.median)}  p95 ${ms(c.p95)}  (target < 20 ms)`);
    console.log(`  empty request round trip   median ${ms(b.median)}  p95 ${ms(b.p95)}  (baseline)`);
  } finally {
    rpc.dispose();
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
