import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './dapClient.js';
import { fixture, lineOf, withSession, type Session } from './helpers.js';

/**
 * Issue 14 (spec 9.1), the debugger in pvk hypercall handlers: breakpoints in
 * handlers and helpers stop on the calling vCPU's thread with the handler's
 * frames above the guest's; step in from the guest's call line; a
 * Hypervisor scope with the abi block's globals; step over / out inside
 * handlers; evaluate there; continue keeps the run exactly as without the
 * debugger; step back from inside and just after a handler.
 */
const ABI = 'hvcall_abi.pvk';
const K = 'hvcall_kernel.pvk';
const CALLS = lineOf(ABI, 'calls += 1;');
const LET_C = lineOf(ABI, 'let c: u32 = clamp(v);');
const FOR_K = lineOf(ABI, 'for k in 0..3');
const STORE = lineOf(ABI, 'guest_store32(addr, total);');
const PRINT = lineOf(ABI, 'print("tally "');
const RETURN = lineOf(ABI, 'return total as i32;');
const ADD = lineOf(ABI, 'total += c;');
const CLAMP_IF = lineOf(ABI, 'if (v > 50)');
const CLAMP_RETURN = lineOf(ABI, 'return v;');
const CALL = lineOf(K, 'let r = hypercall tally_add');
const SUM = lineOf(K, 'sum += r as u32;');

const frames = async (s: Session, t: number): Promise<[string, string | undefined, number][]> => (await s.stack(t)).map((f) => [f.name, f.source?.name, f.line]);

function cliRun(): { cycles: number; hvConsole: string; domains: { console: string; exitCode: number }[] } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'run', fixture('hvcall.pvk'), '--json'], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

describe('breakpoints in hypercall handlers', () => {
  test('stop on the calling vCPU, handler frame on top of the guest caller at its hypercall line, with locals and a Hypervisor scope', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: FOR_K, hitCondition: '2' }] } }, async (s) => {
      expect(s.bps[ABI][0]).toMatchObject({ verified: true, line: FOR_K });
      const stop = await s.stopped();
      expect(stop.reason).toBe('breakpoint');
      expect(stop.threadId).toBe(await s.threadId('dom0 · vcpu0'));
      expect(await frames(s, stop.threadId)).toEqual([
        ['tally_add [hypercall handler]', ABI, FOR_K],
        ['main', K, CALL],
      ]);
      // The second call: i = 1, v = 20.
      expect(await s.scope(stop.threadId, 'Locals')).toEqual({ v: '20 (0x14)', addr: '512 (0x200)', c: '20 (0x14)' });
      expect(await s.scope(stop.threadId, 'Hypervisor')).toEqual({ total: '0', calls: '2' });
      // The guest frame below keeps the guest's scopes.
      expect(await s.scope(stop.threadId, 'Locals', 1)).toMatchObject({ i: '1', sum: '0' });
    });
  });

  test('a breakpoint in a helper shows helper, handler and guest frames; a condition sees handler locals; function breakpoints name hypervisor functions', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: CLAMP_IF, condition: 'v == 60' }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      expect(await frames(s, t)).toEqual([
        ['clamp [hypervisor]', ABI, CLAMP_IF],
        ['tally_add [hypercall handler]', ABI, LET_C],
        ['main', K, CALL],
      ]);
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '180 (0xb4)', calls: '4' });
    });
    await withSession('hvcall.pvk', { functionBreakpoints: ['clamp', 'no_such_fn'] }, async (s) => {
      expect(s.bps['<functions>'].map((b) => b.verified)).toEqual([true, false]);
      const stop = await s.stopped();
      expect(stop.reason).toBe('function breakpoint');
      expect((await frames(s, stop.threadId))[0]).toEqual(['clamp [hypervisor]', ABI, CLAMP_IF]);
    });
  });

  test('a logpoint in a handler logs with the handler’s names and does not stop', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: STORE, logMessage: 'call {calls}: total {total}, c {c}' }] } }, async (s) => {
      expect(await s.stopOrEnd()).toBeUndefined();
      const logged = s.dap.output().split('\n').filter((l) => l.startsWith('[dom0] call '));
      expect(logged).toEqual(['[dom0] call 1: total 0, c 0', '[dom0] call 2: total 60 (0x3c), c 20 (0x14)', '[dom0] call 3: total 180 (0xb4), c 40 (0x28)', '[dom0] call 4: total 330 (0x14a), c 50 (0x32)']);
    });
  });

  test('evaluate and hover in a handler frame see its locals and hypervisor globals; setVariable there is refused', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: STORE, hitCondition: '3' }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      const [handler, guest] = await s.stack(t);
      expect((await s.evaluate('total', handler.id, 'hover')).body.result).toBe('180 (0xb4)');
      expect((await s.evaluate('c * 2 + calls', handler.id, 'watch')).body.result).toBe('83 (0x53)');
      expect((await s.evaluate('k', handler.id, 'hover')).body.result).toBe('2');
      // Names of the guest are not in scope in hypervisor code, and the other way round.
      expect((await s.evaluate('sum', handler.id, 'watch')).success).toBe(false);
      expect((await s.evaluate('sum', guest.id, 'watch')).body.result).toBe('60 (0x3c)');
      expect((await s.evaluate('total', guest.id, 'watch')).success).toBe(false);
      const refs = await s.scopes(handler.id);
      const set = await s.dap.request('setVariable', { variablesReference: refs.Hypervisor, name: 'total', value: '1' }, true);
      expect(set.success).toBe(false);
      expect(set.message).toMatch(/hypervisor values cannot be set/);
    });
  });
});

describe('stepping through a hypercall handler', () => {
  test('step in from the guest call line stops at the handler’s first statement; step over, step in to a helper, step out of it and of the handler', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [K]: [{ line: CALL }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      expect(await frames(s, t)).toEqual([['main', K, CALL]]);
      expect((await s.move('stepIn', t)).reason).toBe('step');
      expect(await frames(s, t)).toEqual([
        ['tally_add [hypercall handler]', ABI, CALLS],
        ['main', K, CALL],
      ]);
      expect(await s.scope(t, 'Locals')).toEqual({ v: '0', addr: '512 (0x200)' });
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '0', calls: '0' });
      await s.move('next', t);
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '0', calls: '1' });
      expect((await s.stack(t))[0].line).toBe(LET_C);
      await s.move('stepIn', t);
      expect(await frames(s, t)).toEqual([
        ['clamp [hypervisor]', ABI, CLAMP_IF],
        ['tally_add [hypercall handler]', ABI, LET_C],
        ['main', K, CALL],
      ]);
      await s.move('next', t);
      expect((await s.stack(t))[0].line).toBe(CLAMP_RETURN);
      await s.move('stepOut', t);
      expect(await frames(s, t)).toEqual([
        ['tally_add [hypercall handler]', ABI, FOR_K],
        ['main', K, CALL],
      ]);
      const lines: number[] = [];
      for (let n = 0; n < 5; n++) {
        await s.move('next', t);
        lines.push((await s.stack(t))[0].line);
      }
      expect(lines).toEqual([ADD, ADD, ADD, STORE, PRINT]);
      // Out of the handler: back in the guest, after the hypercall, its result in hand.
      await s.move('stepOut', t);
      expect(await frames(s, t)).toEqual([['main', K, SUM]]);
      expect(await s.scope(t, 'Locals')).toMatchObject({ i: '0', r: '0' });
      expect((await s.evaluate('mem32[512]', (await s.stack(t))[0].id)).body.result).toBe('0');
    });
  });

  test('step over the guest call line runs the handler without stopping; step over its last statement returns to the guest', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [K]: [{ line: CALL }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      await s.move('next', t);
      expect(await frames(s, t)).toEqual([['main', K, SUM]]);
      await s.dap.request('setBreakpoints', { source: { path: fixture(K) }, breakpoints: [] });
      await s.dap.request('setBreakpoints', { source: { path: fixture(ABI) }, breakpoints: [{ line: RETURN }] });
      await s.continue(t);
      await s.stopped();
      expect((await s.stack(t))[0].line).toBe(RETURN);
      await s.move('next', t);
      expect(await frames(s, t)).toEqual([['main', K, SUM]]);
      expect(await s.scope(t, 'Locals')).toMatchObject({ i: '1', r: '60' });
    });
  });

  test('continue from stops inside handlers ends the run exactly as without the debugger', async () => {
    const cli = cliRun();
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: CALLS }, { line: PRINT }] } }, async (s) => {
      let stops = 0;
      for (let st = await s.stopOrEnd(); st; st = await s.stopOrEnd()) {
        stops++;
        if (stops === 3) await s.move('stepIn', st.threadId);
        await s.continue(st.threadId);
      }
      expect(stops).toBe(8);
      expect(await s.exitCode()).toBe(0);
      const out = s.dap.output();
      expect(out).toContain(`[dom0] ${cli.domains[0].console.trim()}\n`);
      expect(out).toContain(`run ended exited after ${cli.cycles} cycles`);
    });
  });
});

/** A step (`command`, landing at line `landsAt`) then a step back: exactly where it started (frames, locals, cycles). */
async function undone(s: Session, t: number, command: string, landsAt: number): Promise<void> {
  const before = await s.position(t);
  await s.move(command, t);
  expect((await s.stack(t))[0].line).toBe(landsAt);
  await s.move('stepBack', t);
  expect(await s.position(t)).toEqual(before);
}

describe('step back around a hypercall handler', () => {
  test('from inside a handler: undoes a step in, else goes to the previous statement there, then to the guest call line', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [K]: [{ line: CALL }] } }, async (s) => {
      await undone(s, (await s.stopped()).threadId, 'stepIn', CALLS);
    });
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: FOR_K }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      const at = await s.position(t);
      await s.move('stepBack', t);
      expect(await frames(s, t)).toEqual([
        ['tally_add [hypercall handler]', ABI, LET_C],
        ['main', K, CALL],
      ]);
      expect(await s.scope(t, 'Locals')).toEqual({ v: '0', addr: '512 (0x200)' });
      await s.move('stepBack', t);
      expect((await s.stack(t))[0].line).toBe(CALLS);
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '0', calls: '0' });
      await s.move('stepBack', t);
      expect(await frames(s, t)).toEqual([['main', K, CALL]]);
      // And forward again to the same place, the same values.
      await s.dap.request('setBreakpoints', { source: { path: fixture(ABI) }, breakpoints: [{ line: FOR_K }] });
      await s.continue(t);
      await s.stopped();
      expect(await s.position(t)).toEqual(at);
    });
  });

  test('just after a handler: undoes a step out; from a breakpoint, goes back over the whole hypercall to the call line', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: PRINT }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      await undone(s, t, 'stepOut', SUM);
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '0', calls: '1' });
    });
    await withSession('hvcall.pvk', { breakpoints: { [K]: [{ line: SUM }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      await s.move('stepBack', t);
      expect(await frames(s, t)).toEqual([['main', K, CALL]]);
      expect(await s.scope(t, 'Locals')).toMatchObject({ i: '0' });
    });
  });

  test('reverse continue stops at an earlier breakpoint inside a handler', async () => {
    await withSession('hvcall.pvk', { breakpoints: { [ABI]: [{ line: STORE }] } }, async (s) => {
      const t = (await s.stopped()).threadId;
      const first = await s.position(t);
      await s.continue(t);
      await s.stopped();
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '60 (0x3c)', calls: '2' });
      await s.move('reverseContinue', t);
      expect(await s.position(t)).toEqual(first);
      expect(await s.scope(t, 'Hypervisor')).toEqual({ total: '0', calls: '1' });
    });
  });
});
