import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { ms, summarize } from './measure.js';

/**
 * From starting dist/server.js on the examples folder to the first code lenses of
 * examples/tour/tour.pvk (as VS Code asks for them once the file is open), beside the
 * baseline of starting the server and initializing it alone. Target: under 2 s.
 */
export async function benchFirstLenses(): Promise<void> {
  const folder = path.resolve('examples');
  const file = path.join(folder, 'tour', 'tour.pvk');
  const text = fs.readFileSync(file, 'utf8');
  const once = async (open: boolean): Promise<number> => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.resolve('dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
    try {
      await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(folder).href, workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'examples' }], capabilities: { window: { workDoneProgress: true } } });
      await rpc.sendNotification('initialized', {});
      if (open) {
        await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).href, languageId: 'pvk', version: 1, text } });
        await rpc.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(file).href } });
      }
      return performance.now() - t0;
    } finally {
      rpc.dispose();
      child.kill();
    }
  };
  const lenses: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < 7; i++) {
    starts.push(await once(false));
    lenses.push(await once(true));
  }
  const l = summarize(lenses);
  const s = summarize(starts);
  console.log('\n## first lenses on the examples (dist/server.js over stdio, from process start)');
  console.log(`  first lenses of tour.pvk   median ${ms(l.median)}  p95 ${ms(l.p95)}  (target < 2 s)`);
  console.log(`  start + initialize only    median ${ms(s.median)}  p95 ${ms(s.p95)}  (baseline)`);
}
