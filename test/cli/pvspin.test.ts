// examples/pvspin runs as its README says: the numbers of its table, the lock, and the renumbering story.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoCrash, pvlab, pvlabIn, ROOT } from './cliRun.js';

const DIR = path.join(ROOT, 'examples', 'pvspin');
const README = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');
const num = (s: string): number => Number(s.replace(/,/g, ''));

/** The README's row for a system: elapsed, domain cycles, cycles in lock, console. */
function row(system: string): { elapsed: number; domain: number; lock: number; console: string } {
  const m = new RegExp(`^\\| \`${system}\` \\| ([\\d,]+) \\| ([\\d,]+) \\| ([\\d,]+) \\| \`([^\`]*)\` \\|$`, 'm').exec(README);
  if (!m) throw new Error(`no README row for ${system}`);
  return { elapsed: num(m[1]), domain: num(m[2]), lock: num(m[3]), console: m[4] };
}

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

describe('examples/pvspin', () => {
  for (const system of ['spinning', 'paravirt']) {
    it(`${system}: the README's cycles and console`, () => {
      const r = pvlab('run', 'examples/pvspin/systems.pvk', '--system', system, '--json');
      expectNoCrash(r);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { cycles: number; domains: { cycles: number; console: string }[] };
      const want = row(system);
      expect(report.cycles).toBe(want.elapsed);
      expect(report.domains[0].cycles).toBe(want.domain);
      expect(report.domains[0].console).toBe(`${want.console}\n`);
      const summary = pvlab('run', 'examples/pvspin/systems.pvk', '--system', system, '--summary');
      expect(summary.stdout).toMatch(new RegExp(`^\\s+lock\\s+dom0\\s+${want.lock.toLocaleString('en-US')}\\s`, 'm'));
    });
  }

  it('the paravirt lock saves what the README says', () => {
    const spin = row('spinning');
    const pv = row('paravirt');
    expect(README).toContain(`${Math.round((100 * (spin.domain - pv.domain)) / spin.domain)}% fewer domain cycles`);
    expect(README).toContain(`${Math.round((100 * (spin.elapsed - pv.elapsed)) / spin.elapsed)}% less elapsed time`);
  });

  it('its abi.lock is current (abi check exits 0), and renumbering the kick is breaking, as the README shows', () => {
    const ok = pvlabIn(DIR, 'abi', 'check');
    expectNoCrash(ok);
    expect(ok.status, ok.stderr).toBe(0);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-pvspin-'));
    tmp.push(copy);
    fs.cpSync(DIR, copy, { recursive: true });
    const file = path.join(copy, 'pvspin.pvk');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('= 64 stable', '= 66 stable'));
    const broken = pvlabIn(copy, 'abi', 'check');
    expect(broken.status).toBe(12);
    const line = broken.stdout.trim();
    expect(README).toContain(line);
    expect(README).toContain(broken.stderr.trim());
  });
});
