import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { frame, typing } from '../lsp/keystrokes.js';
import { generateKernel } from './frontend.bench.js';
import { ms, summarize } from './measure.js';

/** The server under test: dist/server.js, or another build (PVLAB_BENCH_SERVER) to compare with. */
const SERVER = path.resolve(process.env.PVLAB_BENCH_SERVER ?? 'dist/server.js');

/** The language server's latency on a 10,000-line kernel, over stdio against dist/server.js. */
export async function benchServer(): Promise<void> {
  if (!process.env.PVLAB_BENCH_BURST_ONLY) await benchServerLatency();
  await benchServerBurst();
}

/** A temp workspace holding one generated kernel of `functions` functions, and the server under test started on it. */
function startServer(prefix: string, name: string, functions: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, name);
  const text = generateKernel(functions);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  return { dir, text, uri, child, rpc };
}

async function benchServerLatency(): Promise<void> {
  const { dir, text, uri, child, rpc } = startServer('pvlab-bench-lsp-', 'big.pvk', 10_000);
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

/**
 * Typing faster than the server analyses, on a 100 KB kernel: a burst of 200
 * keystrokes (read by the server at once) followed by a hover. The hover is
 * compared with a hover on a quiet server, the diagnostics of the final text
 * with one analysis (the diagnostics after a single edit on a quiet server).
 */
async function benchServerBurst(): Promise<void> {
  const { dir, text, uri, child, rpc } = startServer('pvlab-bench-burst-', 'kernel.pvk', 2_900);
  type Published = { uri: string; version?: number; diagnostics: { message: string }[] };
  let onPublish: ((p: Published) => void) | undefined;
  rpc.onNotification('textDocument/publishDiagnostics', (p: Published) => {
    if (p.uri === uri) onPublish?.(p);
  });
  rpc.listen();
  /** Whether published diagnostics name an unknown function `name` (found by content: servers before pvlab's coalescing sent no version). */
  const names = (p: Published, name: string): boolean => p.diagnostics.some((d) => d.message.includes(`'${name}'`));
  /** Resolves with the time of the first publish for the file that satisfies `until`. */
  const published = (until: (p: Published) => boolean): Promise<number> =>
    new Promise((resolve) => {
      onPublish = (p) => {
        if (until(p)) resolve(performance.now());
      };
    });
  try {
    await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }], capabilities: {} });
    await rpc.sendNotification('initialized', {});
    let version = 1;
    let wait = published(() => true);
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'pvk', version, text } });
    await wait;

    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.startsWith('fn work40('));
    const hoverAt = { line: line + 1, character: lines[line + 1].indexOf('let s') + 4 };
    const hover = async (position: { line: number; character: number }): Promise<number> => {
      const t0 = performance.now();
      const h = await rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position });
      if (!h?.contents.value.includes('let s: u32')) throw new Error(`the hover at ${JSON.stringify(position)} did not describe 's': ${JSON.stringify(h)}`);
      return performance.now() - t0;
    };
    await hover(hoverAt);

    // Each round, on a quiet server: one analysis (the diagnostics after one edit, an error added
    // and then removed), a few hovers; then 200 keystrokes in a burst typing a statement or two at
    // the start of a line (ending with a call of an unknown function, so that every burst changes
    // the diagnostics), and a hover further along that line (the hovered text has moved by 200
    // characters). Measured in turns, so that a busy machine stretches both sides alike.
    const errorAt = { line: line + 2, character: lines[line + 2].indexOf('for j') };
    const quietHovers: number[] = [];
    const single: number[] = [];
    const hovers: number[] = [];
    const finals: number[] = [];
    let superseded = 0;
    for (let round = 0; round < 24; round++) {
      for (const add of [true, false]) {
        const range = { start: errorAt, end: add ? errorAt : { ...errorAt, character: errorAt.character + 9 } };
        wait = published((p) => names(p, 'nosuch') === add);
        const t0 = performance.now();
        await rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: add ? 'nosuch(); ' : '' }] });
        single.push((await wait) - t0);
      }
      quietHovers.push(...(await sequence(5, () => hover(hoverAt))));

      const at = lines.findIndex((l) => l.startsWith(`fn work${100 + 6 * round}(`)) + 1;
      const typed = typedCode(round, 200);
      const burst = typing(uri, version + 1, at, 0, typed);
      const final = version + burst.length;
      let others = 0;
      const done = published((p) => {
        if (names(p, `nosuch${round}`)) return true;
        others++;
        return false;
      });
      const bytes = frame(burst);
      const t0 = performance.now();
      child.stdin.write(bytes);
      const h = await hover({ line: at, character: typed.length + lines[at].indexOf('let s') + 4 });
      const end = await done;
      superseded += others;
      version = final;
      hovers.push(h);
      finals.push(end - t0);
    }
    const quiet = summarize(quietHovers);
    const analysis = summarize(single);
    const burstHover = summarize(hovers);
    const finalDiag = summarize(finals);
    console.log('\n## language server: 200 keystrokes in a burst on a 100 KB kernel (over stdio)');
    console.log(`  quiet hover                   median ${ms(quiet.median)}  p95 ${ms(quiet.p95)}`);
    console.log(`  hover right after the burst   median ${ms(burstHover.median)}  p95 ${ms(burstHover.p95)}  ratio ${(burstHover.median / quiet.median).toFixed(1)}× the quiet hover (budget 5×)`);
    console.log(`  one analysis (single edit)    median ${ms(analysis.median)}  p95 ${ms(analysis.p95)}`);
    console.log(`  diagnostics of the final text median ${ms(finalDiag.median)}  p95 ${ms(finalDiag.p95)}  ratio ${(finalDiag.median / analysis.median).toFixed(2)}× one analysis (budget 2×)`);
    console.log(`  diagnostics published for superseded versions: ${superseded} in ${finals.length} bursts`);
    console.log(`  (machine load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: other processes stretch the longer timings most)`);
  } finally {
    rpc.dispose();
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `length` characters of whole statements, the last a call of a function that does not exist. */
function typedCode(round: number, length: number): string {
  const call = `nosuch${round}(); `;
  let out = '';
  for (let k = 0; ; k++) {
    const next = `let v${round}_${k}: u32 = ${k}; `;
    if (out.length + next.length + call.length > length) break;
    out += next;
  }
  return out.padEnd(length - call.length) + call;
}

/** Runs `n` measurements one after another. */
async function sequence(n: number, run: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}
