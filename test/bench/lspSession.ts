import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

/**
 * dist/server.js over stdio with one generated kernel open in a temp
 * workspace, and an edit that VS Code would send (the changed range only)
 * which toggles an error on and off, so that every edit is re-published.
 */
export class BenchSession {
  readonly uri: string;
  readonly lines: string[];
  private readonly dir: string;
  private readonly child: ChildProcess;
  private readonly rpc: MessageConnection;
  private published: (() => void) | undefined;
  private version = 1;
  private readonly editLine: number;
  private readonly editColumn: number;

  constructor(readonly text: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-bench-lsp-'));
    const file = path.join(this.dir, 'big.pvk');
    fs.writeFileSync(file, text);
    this.uri = pathToFileURL(file).href;
    this.lines = text.split('\n');
    this.editLine = this.lines.findIndex((l) => l.includes('let s: u32 = a'));
    this.editColumn = this.lines[this.editLine].indexOf('let s: u32 = a') + 'let s: u32 = '.length;
    this.child = spawn(process.execPath, [path.resolve('dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.rpc = createMessageConnection(new StreamMessageReader(this.child.stdout as NodeJS.ReadableStream), new StreamMessageWriter(this.child.stdin as NodeJS.WritableStream));
    this.rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
      if (p.uri === this.uri && this.published) this.published();
    });
    this.rpc.listen();
  }

  private nextPublish(): Promise<void> {
    return new Promise<void>((resolve) => (this.published = resolve));
  }

  /** Initializes the server on the workspace, opens the kernel and waits for its diagnostics. */
  async open(): Promise<void> {
    const folder = pathToFileURL(this.dir).href;
    await this.rpc.sendRequest('initialize', { processId: process.pid, rootUri: folder, workspaceFolders: [{ uri: folder, name: 'bench' }], capabilities: {} });
    await this.rpc.sendNotification('initialized', {});
    const wait = this.nextPublish();
    await this.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: this.uri, languageId: 'pvk', version: 1, text: this.text } });
    await wait;
  }

  /** One edit (adding or, every other time, removing an error) and the diagnostics it brings. */
  async edit(): Promise<void> {
    const on = this.version % 2 === 1;
    const { editLine: line, editColumn: character } = this;
    const change = on ? { range: { start: { line, character }, end: { line, character } }, text: '-5 + ' } : { range: { start: { line, character }, end: { line, character: character + 5 } }, text: '' };
    const wait = this.nextPublish();
    this.version++;
    await this.rpc.sendNotification('textDocument/didChange', { textDocument: { uri: this.uri, version: this.version }, contentChanges: [change] });
    await wait;
  }

  /** A position in the original text: the `occurrence`-th line containing `needle`, `delta` characters into the match. */
  position(needle: string, delta = 0, occurrence = 0): { line: number; character: number } {
    let seen = 0;
    for (let line = 0; line < this.lines.length; line++) {
      const at = this.lines[line].indexOf(needle);
      if (at >= 0 && seen++ === occurrence) return { line, character: at + delta };
    }
    throw new Error(`'${needle}' (occurrence ${occurrence}) not in the bench kernel`);
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.rpc.sendRequest(method, params) as Promise<R>;
  }

  close(): void {
    this.rpc.dispose();
    this.child.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
