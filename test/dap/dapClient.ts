import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const ADAPTER = path.join(ROOT, 'dist/debugAdapter.js');

interface Message {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  request_seq?: number;
  body?: Record<string, unknown>;
}

/** A DAP client over stdio against the built dist/debugAdapter.js: requests, and waiting for events. */
export class DapClient {
  private readonly child: ChildProcess;
  private buffer = Buffer.alloc(0);
  private seq = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  readonly events: Message[] = [];
  private eventWaiters: (() => void)[] = [];
  /** What the adapter wrote to stderr. */
  stderr = '';
  /** How the adapter process ended, once it has. */
  exit: { code: number | null; signal: string | null } | undefined;

  /** `adapter`: the bundled adapter to run (benchmarks bundled elsewhere pass their own path). */
  constructor(adapter: string = ADAPTER) {
    this.child = spawn(process.execPath, [adapter], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => this.receive(d));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', (code, signal) => (this.exit = { code, signal }));
  }

  /** True while the adapter process runs. */
  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Writes a message body as it is (with its Content-Length header), well-formed JSON or not. */
  sendRaw(body: string): void {
    this.child.stdin?.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const header = this.buffer.indexOf('\r\n\r\n');
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, header).toString())?.[1]);
      if (this.buffer.length < header + 4 + length) return;
      const msg = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(header + 4 + length);
      if (msg.type === 'response' && msg.request_seq !== undefined) {
        this.pending.get(msg.request_seq)?.(msg);
        this.pending.delete(msg.request_seq);
      } else if (msg.type === 'event') {
        this.events.push(msg);
        const w = this.eventWaiters;
        this.eventWaiters = [];
        for (const f of w) f();
      }
    }
  }

  /** Sends a request; resolves with the response (rejects when it fails unless `allowFailure`). */
  request<B = Record<string, unknown>>(command: string, args: unknown = {}, allowFailure = false): Promise<Message & { body: B }> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.child.stdin?.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (m) => (m.success || allowFailure ? resolve(m as Message & { body: B }) : reject(new Error(`${command} failed: ${m.message}`))));
    });
  }

  /** Waits for the next event named `name` after index `from` (defaults to any not yet taken). */
  private taken = 0;
  async waitEvent(name: string, timeoutMs = 15_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e, idx) => idx >= this.taken && e.event === name);
      if (i >= 0) {
        this.taken = i + 1;
        return this.events[i];
      }
      if (Date.now() > deadline) throw new Error(`no '${name}' event (saw: ${this.events.slice(this.taken).map((e) => e.event).join(', ')})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.eventWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the next event named any of `names` (e.g. a stop or the end of the run), whichever comes first. */
  async waitFirst(names: readonly string[], timeoutMs = 15_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e, idx) => idx >= this.taken && names.includes(e.event ?? ''));
      if (i >= 0) {
        this.taken = i + 1;
        return this.events[i];
      }
      if (Date.now() > deadline) throw new Error(`none of ${names.join(', ')} (saw: ${this.events.slice(this.taken).map((e) => e.event).join(', ')})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.eventWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  output(): string {
    return this.events.filter((e) => e.event === 'output').map((e) => String(e.body?.output ?? '')).join('');
  }

  stop(): void {
    this.child.kill();
  }
}
