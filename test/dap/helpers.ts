import * as fs from 'node:fs';
import * as path from 'node:path';
import { DapClient, ROOT } from './dapClient.js';

export const FIXTURES = path.join(ROOT, 'test/fixtures/dap');
export const fixture = (name: string): string => path.join(FIXTURES, name);

export interface SourceBp {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface LaunchOptions {
  stopOnEntry?: boolean;
  maxCycles?: number;
  patchPvops?: boolean;
  system?: string;
  /** Line breakpoints per fixture file name (or absolute path). */
  breakpoints?: Record<string, SourceBp[]>;
  functionBreakpoints?: string[];
  /** Exception filters; the adapter's default ('faults') when absent. */
  exceptionFilters?: string[];
}

export interface StackFrame {
  id: number;
  name: string;
  line: number;
  column: number;
  source?: { path?: string; name?: string };
}
export interface Variable {
  name: string;
  value: string;
  type?: string;
  variablesReference: number;
  memoryReference?: string;
}
export interface StoppedBody {
  reason: string;
  threadId: number;
  description?: string;
  text?: string;
  allThreadsStopped?: boolean;
  hitBreakpointIds?: number[];
}

export interface BreakpointResult {
  id: number;
  verified: boolean;
  line?: number;
  message?: string;
}

/** A launched session over the built adapter, with shorthand for the requests the tests make. */
export class Session {
  /** The initialize response's capabilities. */
  capabilities: Record<string, unknown> = {};
  /** The breakpoints set at configuration, per file name as given (function breakpoints under '<functions>'). */
  readonly bps: Record<string, BreakpointResult[]> = {};
  constructor(readonly dap: DapClient) {}

  async stopped(): Promise<StoppedBody> {
    return (await this.dap.waitEvent('stopped')).body as unknown as StoppedBody;
  }

  /** The next stop, or undefined when the run ends first (no waiting out a timeout when a stop never comes). */
  async stopOrEnd(): Promise<StoppedBody | undefined> {
    const e = await this.dap.waitFirst(['stopped', 'terminated']);
    return e.event === 'stopped' ? (e.body as unknown as StoppedBody) : undefined;
  }

  /** The exit code of the session's `exited` event (waits for it unless it came already). */
  async exitCode(): Promise<number> {
    const seen = this.dap.events.find((e) => e.event === 'exited') ?? (await this.dap.waitEvent('exited'));
    return Number(seen.body?.exitCode);
  }

  /** Top frame of a thread as [line, column], vCPU cycles, locals: a statement position. */
  async position(threadId: number): Promise<{ name: string; line: number; column: number; cycles: string; locals: Record<string, string> }> {
    const frames = await this.stack(threadId);
    return { name: frames[0].name, line: frames[0].line, column: frames[0].column, cycles: (await this.scope(threadId, 'vCPU')).cycles, locals: await this.scope(threadId, 'Locals') };
  }

  async threads(): Promise<{ id: number; name: string }[]> {
    return (await this.dap.request<{ threads: { id: number; name: string }[] }>('threads')).body.threads;
  }

  async threadId(name: string): Promise<number> {
    const t = (await this.threads()).find((x) => x.name === name);
    if (!t) throw new Error(`no thread ${name}`);
    return t.id;
  }

  async stack(threadId: number): Promise<StackFrame[]> {
    return (await this.dap.request<{ stackFrames: StackFrame[] }>('stackTrace', { threadId })).body.stackFrames;
  }

  async scopes(frameId: number): Promise<Record<string, number>> {
    const r = await this.dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId });
    return Object.fromEntries(r.body.scopes.map((s) => [s.name, s.variablesReference]));
  }

  async variables(ref: number): Promise<Variable[]> {
    return (await this.dap.request<{ variables: Variable[] }>('variables', { variablesReference: ref })).body.variables;
  }

  /** A scope's variables as name → value, of the thread's top frame (or `frameIndex`). */
  async scope(threadId: number, scope: 'Locals' | 'Globals' | 'Hypervisor' | 'vCPU' | 'Domain', frameIndex = 0): Promise<Record<string, string>> {
    const frames = await this.stack(threadId);
    const refs = await this.scopes(frames[frameIndex].id);
    return Object.fromEntries((await this.variables(refs[scope])).map((v) => [v.name, v.value]));
  }

  async evaluate(expression: string, frameId?: number, context = 'watch') {
    return this.dap.request<{ result: string }>('evaluate', { expression, frameId, context }, true);
  }

  /** Sends a step-like request and waits for the stop it causes. */
  async move(command: string, threadId: number): Promise<StoppedBody> {
    await this.dap.request(command, { threadId });
    return this.stopped();
  }

  async continue(threadId = 1): Promise<void> {
    await this.dap.request('continue', { threadId });
  }

  stop(): void {
    this.dap.stop();
  }
}

/**
 * Starts the adapter, initializes (pathFormat 'path'), launches `program`, sets
 * the breakpoints between `initialized` and configurationDone, and returns the
 * session with the responses to the breakpoint requests.
 */
export async function launch(program: string, opts: LaunchOptions = {}): Promise<Session> {
  const dap = new DapClient();
  const s = new Session(dap);
  try {
    const init = await dap.request('initialize', { clientID: 'vitest', adapterID: 'pvlab', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true, supportsMemoryReferences: true });
    s.capabilities = init.body ?? {};
    const launched = dap.request('launch', { program: path.isAbsolute(program) ? program : fixture(program), stopOnEntry: opts.stopOnEntry, maxCycles: opts.maxCycles, patchPvops: opts.patchPvops, system: opts.system });
    await dap.waitEvent('initialized');
    for (const [file, bps] of Object.entries(opts.breakpoints ?? {})) {
      const p = path.isAbsolute(file) ? file : fixture(file);
      const r = await dap.request<{ breakpoints: BreakpointResult[] }>('setBreakpoints', { source: { path: p, name: path.basename(p) }, breakpoints: bps, lines: bps.map((b) => b.line) });
      s.bps[file] = r.body.breakpoints;
    }
    if (opts.functionBreakpoints) {
      const r = await dap.request<{ breakpoints: BreakpointResult[] }>('setFunctionBreakpoints', { breakpoints: opts.functionBreakpoints.map((name) => ({ name })) });
      s.bps['<functions>'] = r.body.breakpoints;
    }
    if (opts.exceptionFilters) await dap.request('setExceptionBreakpoints', { filters: opts.exceptionFilters });
    await dap.request('configurationDone');
    await launched;
  } catch (e) {
    dap.stop();
    throw e;
  }
  return s;
}

/** Launches, runs `body`, and always stops the adapter process. */
export async function withSession(program: string, opts: LaunchOptions, body: (s: Session) => Promise<void>): Promise<void> {
  const s = await launch(program, opts);
  try {
    await body(s);
  } finally {
    s.stop();
  }
}

/** The 1-based line of the first line of a fixture containing `text` (fixtures stay readable, tests stay robust to edits). */
export function lineOf(file: string, text: string, nth = 1): number {
  const lines = fs.readFileSync(path.isAbsolute(file) ? file : fixture(file), 'utf8').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i].includes(text) && ++seen === nth) return i + 1;
  throw new Error(`'${text}' not in ${file}`);
}
