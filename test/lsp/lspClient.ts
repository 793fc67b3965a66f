import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type DataCallback, type Disposable, type Message, type MessageConnection } from 'vscode-jsonrpc/node';
import { frame, type Notification } from './keystrokes';
import type { InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVER = path.join(ROOT, 'dist/server.js');

export const uri = (file: string): string => pathToFileURL(file).href;

/** A message from the server as it arrived, in stream order: a response (its id) or a notification (its method and params). */
export interface Arrival {
  id?: number | string | null;
  method?: string;
  params?: unknown;
}

/** Reads messages from the server and notes each, in order, before the connection handles it. */
class ObservingReader extends StreamMessageReader {
  constructor(
    stream: NodeJS.ReadableStream,
    private readonly log: Arrival[],
  ) {
    super(stream);
  }

  override listen(callback: DataCallback): Disposable {
    return super.listen((m: Message) => {
      const { id, method, params } = m as Arrival;
      this.log.push(method !== undefined ? { method, params } : { id });
      callback(m);
    });
  }
}

/**
 * A real language client over stdio against the built dist/server.js: requests,
 * notifications, and waiting for the diagnostics the server publishes.
 */
export class LspClient {
  readonly rpc: MessageConnection;
  private readonly child: ChildProcess;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: (() => void)[] = [];
  /** Refresh requests the server sent (`workspace/inlayHint/refresh`, `workspace/codeLens/refresh`), in order. */
  readonly refreshes: string[] = [];
  private refreshWaiters: (() => void)[] = [];
  stderr = '';
  /** window/logMessage notifications received (the server logs handler failures there). */
  readonly logs: { type: number; message: string }[] = [];
  /** Every message the server sent, in the order it sent them. */
  readonly arrivals: Arrival[] = [];

  constructor() {
    this.child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.rpc = createMessageConnection(new ObservingReader(this.child.stdout as NodeJS.ReadableStream, this.arrivals), new StreamMessageWriter(this.child.stdin as NodeJS.WritableStream));
    this.rpc.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.rpc.onNotification('window/logMessage', (p: unknown) => {
      this.logs.push(p as { type: number; message: string });
    });
    this.rpc.onRequest('workspace/configuration', () => []);
    this.rpc.onRequest('client/registerCapability', () => null);
    for (const method of ['workspace/inlayHint/refresh', 'workspace/codeLens/refresh']) {
      this.rpc.onRequest(method, () => {
        this.refreshes.push(method);
        const w = this.refreshWaiters;
        this.refreshWaiters = [];
        for (const f of w) f();
        return null;
      });
    }
    this.rpc.listen();
  }

  /** What the server answered to `initialize` (its capabilities). */
  initializeResult: InitializeResult | undefined;

  async start(folder: string, capabilities: object = {}, initializationOptions?: object): Promise<void> {
    this.initializeResult = await this.rpc.sendRequest<InitializeResult>('initialize', { processId: process.pid, rootUri: uri(folder), workspaceFolders: [{ uri: uri(folder), name: 'ws' }], capabilities, initializationOptions });
    await this.rpc.sendNotification('initialized', {});
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.rpc.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): void {
    void this.rpc.sendNotification(method, params);
  }

  /**
   * Sends notifications in one write, so that the server reads them together
   * (as it does keystrokes that come faster than it handles them). Call it
   * only when no other message is being written.
   */
  notifyAll(messages: readonly Notification[]): void {
    this.child.stdin?.write(frame(messages));
  }

  open(file: string, text: string, version = 1): void {
    this.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'pvk', version, text } });
  }

  change(file: string, text: string, version: number): void {
    this.notify('textDocument/didChange', { textDocument: { uri: uri(file), version }, contentChanges: [{ text }] });
  }

  /** Waits until the server has published diagnostics for the file satisfying `until`. */
  async diagnosticsFor(file: string, until: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.diagnostics.get(uri(file));
      if (p && until(p)) return p;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${file} matching the condition (last: ${JSON.stringify(p?.diagnostics.map((d) => d.code))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server has sent `count` refresh requests of `method` in all (it answers each). */
  async refreshed(method: string, count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.refreshes.filter((m) => m === method).length < count) {
      if (Date.now() > deadline) throw new Error(`no ${count}× ${method} from the server (got ${JSON.stringify(this.refreshes)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.refreshWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** True while the server process has not exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last diagnostics published for a file, without waiting. */
  lastDiagnostics(file: string): PublishDiagnosticsParams | undefined {
    return this.diagnostics.get(uri(file));
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (!this.alive) resolve();
      else this.child.once('exit', () => resolve());
    });
    try {
      await this.rpc.sendRequest('shutdown');
      await this.rpc.sendNotification('exit');
      // the server exits by itself after `exit`; do not write to a closed pipe
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    } catch {
      // already gone
    }
    this.rpc.dispose();
    if (this.alive) this.child.kill();
  }
}
