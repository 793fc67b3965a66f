import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './dapClient.js';
import { fixture, lineOf, withSession, type Session } from './helpers.js';

/**
 * Done when, items 8 and 9: a run to the end reports the exit code and all
 * console output (labelled by domain); setVariable changes the program's
 * later behaviour; evaluate of pvk expressions in watch, hover and repl
 * contexts, and a call is refused.
 */
const K = 'loop_kernel.pvk';
const ADD = lineOf(K, 'total += sq;');
const thirdHit = { breakpoints: { [K]: [{ line: ADD, hitCondition: '3' }] } };

function cliReport(system: string): { domains: { name: string; console: string; exitCode: number | null; state: string }[] } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'run', fixture(system), '--json'], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

describe('a run to the end', () => {
  test('reports the exit code in `exited`, then `terminated`, and every domain console line labelled by domain', async () => {
    await withSession('events.pvk', {}, async (s) => {
      expect(await s.stopOrEnd()).toBeUndefined();
      const names = s.dap.events.map((e) => e.event);
      expect(names.filter((n) => n === 'stopped')).toEqual([]);
      expect(names.indexOf('exited')).toBeGreaterThan(0);
      expect(names.indexOf('exited')).toBeLessThan(names.indexOf('terminated'));
      expect(await s.exitCode()).toBe(7);

      const out = s.dap.output();
      const report = cliReport('events.pvk');
      for (const d of report.domains) {
        const expected = d.console.split('\n').filter((l) => l !== '').map((l) => `[${d.name}] ${l}`);
        expect(expected.length).toBeGreaterThan(0);
        const got = out.split('\n').filter((l) => expected.includes(l));
        expect(got, `console of ${d.name}`).toEqual(expected);
      }
      expect(out).toContain('[guest] guest: bound port 1\n');
      expect(out).toContain('[dom0] dom0: sent 3\n');
      // Each domain's end state.
      expect(out).toContain('[dom0] exited with code 7');
      expect(out).toContain('[guest] exited with code 0');
      // Console text arrives on the stdout category.
      const consoleEvents = s.dap.events.filter((e) => e.event === 'output' && String(e.body?.output).includes('guest: event on port'));
      expect(consoleEvents.every((e) => e.body?.category === 'stdout')).toBe(true);
    });
  });

  test('the exit code is that of dom0 (the loop system returns 55)', async () => {
    await withSession('loop.pvk', {}, async (s) => {
      expect(await s.stopOrEnd()).toBeUndefined();
      expect(await s.exitCode()).toBe(55);
      expect(s.dap.output()).toContain('[dom0] total 55\n');
    });
  });
});

describe('setVariable', () => {
  test('on a local changes what the program does afterwards', async () => {
    await withSession('loop.pvk', thirdHit, async (s) => {
      const t = (await s.stopped()).threadId;
      const refs = await s.scopes((await s.stack(t))[0].id);
      const r = await s.dap.request<{ value: string }>('setVariable', { variablesReference: refs.Locals, name: 'sq', value: '100' });
      expect(r.body.value).toMatch(/^100\b/);
      expect(await s.scope(t, 'Locals')).toEqual({ i: '2', sq: '100 (0x64)' });
      await s.move('next', t);
      expect(await s.scope(t, 'Globals')).toEqual({ total: '101 (0x65)' });
      await s.dap.request('setBreakpoints', { source: { path: fixture(K) }, breakpoints: [] });
      await s.continue();
      // 0 + 1 + 100 + 9 + 16 + 25
      expect(await s.exitCode()).toBe(151);
      expect(s.dap.output()).toContain('[dom0] total 151\n');
    });
  });

  test('on a global, with an expression as the value', async () => {
    await withSession('loop.pvk', thirdHit, async (s) => {
      const t = (await s.stopped()).threadId;
      const refs = await s.scopes((await s.stack(t))[0].id);
      const r = await s.dap.request<{ value: string }>('setVariable', { variablesReference: refs.Globals, name: 'total', value: 'total + 999' });
      expect(r.body.value).toMatch(/^1000\b/);
      await s.dap.request('setBreakpoints', { source: { path: fixture(K) }, breakpoints: [] });
      await s.continue();
      expect(await s.exitCode()).toBe(1054);
    });
  });

  test('refuses a value that would need a call, and leaves the variable alone', async () => {
    await withSession('loop.pvk', thirdHit, async (s) => {
      const t = (await s.stopped()).threadId;
      const refs = await s.scopes((await s.stack(t))[0].id);
      const r = await s.dap.request('setVariable', { variablesReference: refs.Locals, name: 'sq', value: 'square(2)' }, true);
      expect(r.success).toBe(false);
      expect(await s.scope(t, 'Locals')).toEqual({ i: '2', sq: '4' });
    });
  });
});

describe('evaluate', () => {
  async function at3(s: Session): Promise<number> {
    const t = (await s.stopped()).threadId;
    return (await s.stack(t))[0].id;
  }

  test('pvk expressions in watch, hover and repl contexts: locals, globals, consts, memory, casts', async () => {
    await withSession('loop.pvk', thirdHit, async (s) => {
      const frame = await at3(s);
      const cases: [string, string, string][] = [
        ['sq + 1', 'watch', '5'],
        ['i', 'hover', '2'],
        ['total', 'hover', '1'],
        ['LIMIT', 'hover', '6'],
        ['SLOT * 2', 'repl', '8192 (0x2000)'],
        ['mem32[SLOT]', 'watch', '1'],
        ['mem32[0x1000] + total', 'watch', '2'],
        ['i as i32 - 5', 'watch', '-3'],
        ['sq == 4 && i < LIMIT', 'watch', 'true'],
        ['domain_id()', 'repl', '0'],
      ];
      for (const [expression, context, result] of cases) {
        const r = await s.evaluate(expression, frame, context);
        expect(r.success, `${expression}: ${r.message}`).toBe(true);
        expect(r.body.result, expression).toBe(result);
      }
      // Without a frame: the stopped thread's top frame.
      expect((await s.evaluate('sq', undefined, 'repl')).body.result).toBe('4');
    });
  });

  test('in a caller frame sees that frame\'s locals', async () => {
    await withSession('loop.pvk', { functionBreakpoints: ['square'] }, async (s) => {
      const t = (await s.stopped()).threadId;
      await s.continue();
      await s.stopped();
      const frames = await s.stack(t);
      expect((await s.evaluate('x', frames[0].id)).body.result).toBe('1');
      expect((await s.evaluate('i', frames[1].id)).body.result).toBe('1');
      expect((await s.evaluate('x', frames[1].id)).success).toBe(false);
    });
  });

  test('of a call, a hypercall or an unknown name is an error response, and changes nothing', async () => {
    await withSession('loop.pvk', thirdHit, async (s) => {
      const frame = await at3(s);
      for (const expression of ['square(3)', 'hypercall xen_version(0)', 'no_such_name', 'mem32[0x100000]', '1 +']) {
        const r = await s.evaluate(expression, frame, 'repl');
        expect(r.success, expression).toBe(false);
        expect(r.message, expression).toBeTruthy();
      }
      expect((await s.evaluate('square(3)', frame, 'watch')).message).toMatch(/square/);
      expect(await s.scope(1, 'Globals')).toEqual({ total: '1' });
      expect((await s.scope(1, 'Domain')).hypercalls).toBe('none');
      await s.continue();
      expect(await s.exitCode()).toBe(55);
    });
  });
});
