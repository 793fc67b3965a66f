/**
 * Garbage over DAP, against the built dist/debugAdapter.js over stdio: every
 * request the adapter knows (and some it does not), with missing, random and
 * wrongly typed arguments, bogus memory references, huge reads, evaluate
 * with garbage, variable references that do not exist, breakpoints in files
 * that are not there, before launch, while stopped, while running and after
 * the end. Each request gets a response (a failure with a clear message, never
 * a stack trace), and the adapter never exits. Seeded: the same requests
 * every run.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../fuzz/generate.js';
import { DapClient } from './dapClient.js';
import { FIXTURES, fixture, launch, type Session } from './helpers.js';

/** Every request of the DAP specification, plus names no adapter knows. */
const COMMANDS = [
  'initialize', 'launch', 'attach', 'disconnect', 'terminate', 'restart', 'setBreakpoints', 'setFunctionBreakpoints',
  'setExceptionBreakpoints', 'configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue',
  'restartFrame', 'goto', 'pause', 'stackTrace', 'scopes', 'variables', 'setVariable', 'setExpression', 'source', 'threads',
  'terminateThreads', 'evaluate', 'stepInTargets', 'gotoTargets', 'completions', 'exceptionInfo', 'loadedSources',
  'dataBreakpointInfo', 'setDataBreakpoints', 'readMemory', 'writeMemory', 'disassemble', 'cancel', 'breakpointLocations',
  'setInstructionBreakpoints', 'runInTerminal', 'fooBar', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty',
];

/** The argument names each request takes, to fill with garbage of the wrong (and sometimes right) kind. */
const KEYS: Record<string, string[]> = {
  initialize: ['clientID', 'adapterID', 'pathFormat', 'linesStartAt1', 'columnsStartAt1', 'supportsMemoryReferences'],
  launch: ['program', 'system', 'stopOnEntry', 'maxCycles', 'patchPvops', 'noDebug'],
  disconnect: ['restart', 'terminateDebuggee'],
  setBreakpoints: ['source', 'breakpoints', 'lines', 'sourceModified'],
  setFunctionBreakpoints: ['breakpoints'],
  setExceptionBreakpoints: ['filters', 'filterOptions'],
  continue: ['threadId'],
  next: ['threadId', 'granularity'],
  stepIn: ['threadId', 'targetId'],
  stepOut: ['threadId'],
  stepBack: ['threadId'],
  reverseContinue: ['threadId'],
  pause: ['threadId'],
  restartFrame: ['frameId'],
  goto: ['threadId', 'targetId'],
  stackTrace: ['threadId', 'startFrame', 'levels'],
  scopes: ['frameId'],
  variables: ['variablesReference', 'filter', 'start', 'count'],
  setVariable: ['variablesReference', 'name', 'value'],
  setExpression: ['expression', 'value', 'frameId'],
  source: ['source', 'sourceReference'],
  terminateThreads: ['threadIds'],
  evaluate: ['expression', 'frameId', 'context'],
  completions: ['text', 'column', 'frameId'],
  exceptionInfo: ['threadId'],
  dataBreakpointInfo: ['variablesReference', 'name', 'frameId'],
  setDataBreakpoints: ['breakpoints'],
  readMemory: ['memoryReference', 'offset', 'count'],
  writeMemory: ['memoryReference', 'offset', 'data', 'allowPartial'],
  disassemble: ['memoryReference', 'offset', 'instructionCount'],
  cancel: ['requestId', 'progressId'],
  breakpointLocations: ['source', 'line', 'endLine'],
  setInstructionBreakpoints: ['breakpoints'],
};

/** Values that break assumptions: wrong types, out-of-range numbers, paths that are not files, deep and long strings. */
const GARBAGE: unknown[] = [
  undefined, null, true, false, 0, -1, 1, 2, 999, 1000, 1001, 2 ** 31, 2 ** 32 + 5, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.5, 3.999,
  '', 'x', '0', '-1', 'dom:0', 'dom:1', 'dom:-1', 'dom:999', 'dom:0x0', 'dom:1e3', '0x10', 'mem32[0]@0', 'global:0:count', 'mem:0:16',
  'count', 'acc', 'i + 1', 'count / 0', '1 +', ')(', 'mem32[0xffffffff]', 'mem8[-1]', 'bump(1)', '\u0000', '\ud800', '😀',
  '('.repeat(100_000), `${'-'.repeat(50_000)}1`, 'a'.repeat(100_000), '/nonexistent/x.pvk', '/dev/null', '/', FIXTURES,
  fixture('spin_kernel.pvk'), 'relative/path.pvk', 'AAAA', '////', 'not base64 !!', Buffer.alloc(70_000, 1).toString('base64'),
  [], [1, 2, 3], ['x'], [null], [{}], {}, { path: '/nonexistent/x.pvk' }, { path: FIXTURES }, { path: fixture('spin_kernel.pvk'), name: 5 },
  { name: 'bump' }, { line: 'x' }, { line: -5, condition: '(((' }, { dataId: 'mem:0:0' }, { dataId: 'global:9:nope' }, { __proto__: { threadId: 1 } },
  [{ line: 1 }, { line: 2 ** 31 }, { line: 13, condition: 'i ==', hitCondition: 'x', logMessage: '{' }], [{ name: 'main' }, { name: null }], [{ dataId: 7 }],
];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)];
}

/** Arguments for `command`: missing, a garbage value, or its keys filled with garbage (some left out). */
function argumentsFor(next: () => number, command: string): unknown {
  const r = next();
  if (r < 0.15) return undefined;
  if (r < 0.3) return pick(next, GARBAGE);
  const out: Record<string, unknown> = {};
  for (const key of Object.hasOwn(KEYS, command) ? KEYS[command] : ['x']) if (next() < 0.8) out[key] = pick(next, GARBAGE);
  return out;
}

/** The last line of defence's output: a failure's message must read as one, not as a crash. */
function expectClearFailure(command: string, response: { success?: boolean; message?: string }): void {
  if (response.success) return;
  expect(typeof response.message, command).toBe('string');
  expect(response.message!.length, command).toBeGreaterThan(0);
  expect(response.message, command).not.toMatch(/internal error|\n\s+at |\{_stack\}|\b(Type|Reference|Range|Syntax)Error\b|Cannot read propert|is not a function|undefined is not/);
}

/** The response to a request, or a failure naming the request when none comes within `timeoutMs`. */
async function answered(dap: DapClient, command: string, args: unknown, timeoutMs = 15_000): Promise<{ success?: boolean; message?: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response to '${command}' ${JSON.stringify(args)?.slice(0, 200)}; adapter ${dap.alive ? 'alive' : `exited ${JSON.stringify(dap.exit)}`}\n${dap.stderr}`)), timeoutMs);
  });
  try {
    return await Promise.race([dap.request(command, args, true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `count` garbage requests, one at a time, each answered. */
async function fuzz(dap: DapClient, seed: number, count: number): Promise<void> {
  const next = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const command = pick(next, COMMANDS);
    const args = argumentsFor(next, command);
    const response = await answered(dap, command, args);
    expectClearFailure(command, response);
    expect(dap.alive, `after '${command}' ${JSON.stringify(args)?.slice(0, 200)}\n${dap.stderr}`).toBe(true);
  }
}

/** The adapter still works: it answers a well-formed request. */
async function stillAnswers(dap: DapClient): Promise<void> {
  const r = await answered(dap, 'threads', {});
  expect(r.success).toBe(true);
  expect(dap.alive).toBe(true);
}

describe('DAP fuzz: garbage requests never take the adapter down', () => {
  it('before initialize and before launch', async () => {
    const dap = new DapClient();
    try {
      await fuzz(dap, 1, 400);
      // Not even broken framing: bodies that are not JSON, or JSON that is not a request.
      for (const body of ['{', 'null', '42', '"request"', '[]', '{"type":"request"}', '{"type":"request","seq":"x","command":7}', '{"type":"response","request_seq":1}', '{"type":"event"}']) dap.sendRaw(body);
      // An adapter that gives up on bad input exits a little later (the base class waits 100 ms).
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stillAnswers(dap);
      await fuzz(dap, 2, 200);
      await stillAnswers(dap);
    } finally {
      dap.stop();
    }
  });

  const during = async (s: Session, seed: number): Promise<void> => {
    await fuzz(s.dap, seed, 500);
    await stillAnswers(s.dap);
  };

  it('while stopped at entry, then running, then after the end', async () => {
    let s: Session | undefined;
    try {
      s = await launch('spin.pvk', { stopOnEntry: true });
      await s.stopped();
      // Real references among the garbage: the stopped threads' frames and scopes.
      const frames = await s.stack(1);
      const refs = await s.scopes(frames[0].id);
      expect(Object.keys(refs)).toContain('Locals');
      await during(s, 3);
      // Whatever the garbage did (continued, stepped, terminated), end the run and go on.
      await s.dap.request('continue', { threadId: 1 }, true);
      await during(s, 4);
      await s.dap.request('terminate', {}, true);
      await during(s, 5);
    } finally {
      s?.stop();
    }
  });

  it('the named cases, while stopped: bogus memory, huge reads, garbage to evaluate, unknown references, breakpoints in non-files', async () => {
    const s = await launch('spin.pvk', { stopOnEntry: true });
    try {
      await s.stopped();
      const dap = s.dap;
      for (const memoryReference of ['dom:999', 'dom:-1', 'x', '', 'dom:0x0', '{_stack}']) {
        const r = await answered(dap, 'readMemory', { memoryReference, count: 16 });
        expect(r.success, memoryReference).toBe(false);
        expect(r.message).toBe(`unknown memory reference '${memoryReference}'`);
      }
      // A huge count reads what the domain has (at most 1 MiB) and says how much is unreadable.
      const huge = (await answered(dap, 'readMemory', { memoryReference: 'dom:0', offset: 0, count: 2 ** 31 })) as { success: boolean; body: { data: string; unreadableBytes?: number } };
      expect(huge.success).toBe(true);
      expect(Buffer.from(huge.body.data, 'base64').length).toBeLessThanOrEqual(1 << 20);
      const negative = await answered(dap, 'readMemory', { memoryReference: 'dom:0', count: -5 });
      expect(negative.message).toBe("invalid arguments for 'readMemory': count must be a number of bytes (an integer, 0 or more), not '-5'");
      for (const expression of ['(((', '1 +', 'bump(1)', 'hypercall sched_op(0, 0)', '"text"', 'nosuch', '('.repeat(100_000), 'mem32[0xffffffff]']) {
        const r = await answered(dap, 'evaluate', { expression, frameId: 1000, context: 'watch' });
        expect(r.success, expression.slice(0, 20)).toBe(false);
        expectClearFailure('evaluate', r);
      }
      for (const variablesReference of [0, -1, 99_999, 2 ** 53 - 1]) {
        const r = (await answered(dap, 'variables', { variablesReference })) as { success: boolean; body: { variables: unknown[] } };
        expect(r.success).toBe(true);
        expect(r.body.variables).toEqual([]);
      }
      for (const p of ['/nonexistent/x.pvk', '/dev/null', FIXTURES, 'relative.pvk']) {
        const r = (await answered(dap, 'setBreakpoints', { source: { path: p }, breakpoints: [{ line: 3 }] })) as { success: boolean; body: { breakpoints: { verified: boolean }[] } };
        expect(r.success).toBe(true);
        expect(r.body.breakpoints.map((b) => b.verified)).toEqual([false]);
      }
      expect(dap.alive).toBe(true);
      await stillAnswers(dap);
    } finally {
      s.stop();
    }
  });

  it('launch with garbage arguments answers with a clear failure', async () => {
    for (const args of [undefined, {}, { program: 5 }, { program: null }, { program: ['a'] }, { program: {} }, { program: FIXTURES }, { program: '/dev/null' }, { program: path.join(FIXTURES, 'nope.pvk') }, { program: fixture('spin.pvk'), system: 7 }, { program: fixture('spin.pvk'), maxCycles: 'x' }, { program: fixture('spin.pvk'), maxCycles: -1 }]) {
      const dap = new DapClient();
      try {
        await answered(dap, 'initialize', { adapterID: 'pvlab', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
        const r = await answered(dap, 'launch', args);
        expectClearFailure('launch', r);
        expect(dap.alive, JSON.stringify(args)).toBe(true);
        await stillAnswers(dap);
      } finally {
        dap.stop();
      }
    }
  });
});
