// `pvlab check` through the real built CLI (dist/cli.js), as spec section 7 describes it.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectNoCrash, pvlab, ROOT, type Run } from './cliRun.js';

const FIX = 'test/fixtures';

const JSON_KEYS = ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity'];
const HUMAN = /^(.+):(\d+):(\d+): (error|warning|info|hint) (PVK\d{3}) (.+)$/;

interface JsonDiag {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

/** Parses `--json` output and checks it has exactly the shape of spec section 7. */
function parseJson(stdout: string): JsonDiag[] {
  const parsed: unknown = JSON.parse(stdout);
  expect(parsed).toBeTypeOf('object');
  expect(Object.keys(parsed as object)).toEqual(['diagnostics']);
  const list = (parsed as { diagnostics: unknown }).diagnostics;
  expect(Array.isArray(list)).toBe(true);
  for (const d of list as Record<string, unknown>[]) {
    expect(Object.keys(d).sort()).toEqual(JSON_KEYS);
    for (const k of ['line', 'column', 'endLine', 'endColumn']) {
      expect(Number.isInteger(d[k]), k).toBe(true);
      expect(d[k] as number, k).toBeGreaterThanOrEqual(1);
    }
    expect(['error', 'warning', 'info', 'hint']).toContain(d.severity);
    expect(d.code).toMatch(/^PVK\d{3}$/);
    expect(typeof d.message).toBe('string');
    expect(typeof d.file).toBe('string');
    const startBeforeEnd = (d.endLine as number) > (d.line as number) || ((d.endLine as number) === (d.line as number) && (d.endColumn as number) >= (d.column as number));
    expect(startBeforeEnd).toBe(true);
  }
  return list as JsonDiag[];
}

/** 1-based line and UTF-16 column of a needle in a fixture file. */
function locIn(file: string, needle: string): { line: number; column: number } {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`test bug: ${needle} not in ${file}`);
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}

let tmp: string;

beforeAll(() => {
  if (!fs.existsSync(CLI)) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
    if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-check-'));
}, 180000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pvlab check: valid sources', () => {
  it('check DIR over valid files (systems, pvops with both impls, imports) exits 0 and prints no errors', () => {
    const r = pvlab('check', `${FIX}/valid`);
    expectNoCrash(r);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toMatch(/\berror PVK/);
  });

  it('check DIR --json over valid files prints an empty diagnostics list', () => {
    const r = pvlab('check', `${FIX}/valid`, '--json');
    expect(r.status).toBe(0);
    expect(parseJson(r.stdout)).toEqual([]);
  });

  it('the shipped examples check clean: no error, no warning (a new user starts without one)', () => {
    const r = pvlab('check', 'examples', '--json');
    expect(r.status).toBe(0);
    expect(parseJson(r.stdout)).toEqual([]);
    expect(pvlab('check', 'examples').stderr).toMatch(/checked \d+ files: 0 errors, 0 warnings/);
  });

  it('check FILE of a system also checks the kernels it boots and their imports', () => {
    const r = pvlab('check', `${FIX}/valid/system.pvk`);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/checked 5 files/);
  });
});

describe('pvlab check: errors', () => {
  it('check FILE --json exits 1 and prints exactly the spec section 7 shape', () => {
    const file = `${FIX}/errors/bad.pvk`;
    const r = pvlab('check', file, '--json');
    expectNoCrash(r);
    expect(r.status).toBe(1);
    const ds = parseJson(r.stdout);
    expect(ds.map((d) => d.code)).toEqual(['PVK005', 'PVK002', 'PVK005']);
    for (const d of ds) {
      expect(path.resolve(ROOT, d.file)).toBe(path.join(ROOT, file));
      expect(d.severity).toBe('error');
    }
    // `let y: u32 = -5;` on line 4: the literal `-5` from column 18, endColumn exclusive.
    expect(ds[0]).toMatchObject({ line: 4, column: 18, endLine: 4, endColumn: 20 });
    expect(ds[0].message).toContain('-5');
    // `nosuch` on line 5.
    const at = locIn(file, 'nosuch');
    expect(ds[1]).toMatchObject({ line: at.line, column: at.column, endLine: at.line, endColumn: at.column + 'nosuch'.length });
    expect(ds[1].message).toContain('nosuch');
    // Columns are UTF-16: the emoji in the comment before it counts as two.
    const lit = locIn(file, '0x80000000');
    expect(lit).toEqual({ line: 6, column: 27 });
    expect(ds[2]).toMatchObject({ line: 6, column: 27, endLine: 6, endColumn: 37 });
  });

  it('human output is `file:line:col: severity CODE message`, one per line', () => {
    const file = `${FIX}/errors/bad.pvk`;
    const r = pvlab('check', file);
    expectNoCrash(r);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(HUMAN);
    expect(lines[0]).toBe(`${file}:4:18: error PVK005 integer literal -5 does not fit in u32 (use an i32, or write 4294967291 / 0xFFFFFFFB)`);
    expect(lines[1]).toBe(`${file}:5:13: error PVK002 unknown name 'nosuch'`);
    const m = HUMAN.exec(lines[2])!;
    expect([m[1], m[2], m[3], m[4], m[5]]).toEqual([file, '6', '27', 'error', 'PVK005']);
  });

  it('human and json output agree', () => {
    const file = `${FIX}/errors/bad.pvk`;
    const human = pvlab('check', file).stdout.split('\n').filter((l) => l.length > 0);
    const json = parseJson(pvlab('check', file, '--json').stdout);
    expect(human).toEqual(json.map((d) => `${path.relative(ROOT, d.file)}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`));
  });

  it('a file of binary garbage exits 1 with PVK001 and no stack trace', () => {
    // Deterministic bytes (mulberry32), with NULs, control bytes and invalid UTF-8.
    let seed = 0x5eed1234;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    for (let i = 0; i < bytes.length; i += 37) bytes[i] = 0;
    bytes[0] = 0;
    bytes[1] = 0xff;
    bytes[2] = 0xfe;
    const file = path.join(tmp, 'garbage.pvk');
    fs.writeFileSync(file, bytes);

    const r = pvlab('check', file);
    expectNoCrash(r);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/: error PVK001 /);
    for (const l of r.stdout.split('\n').filter((x) => x.length > 0)) expect(l).toMatch(HUMAN);

    const j = pvlab('check', file, '--json');
    expectNoCrash(j);
    expect(j.status).toBe(1);
    const ds = parseJson(j.stdout);
    expect(ds.some((d) => d.code === 'PVK001')).toBe(true);
    expect(ds.every((d) => d.file === file)).toBe(true);
  });
});

describe('pvlab check: large inputs never crash', () => {
  // `check` exits 1 when there is an error and 0 otherwise (spec section 7);
  // an internal error (exit 3) on a program is a crash.
  it('a sum of 10,000 terms checks clean (length is not nesting); 2000 nested parentheses exceed the nesting limit with a PVK001, never a crash', () => {
    const ok = path.join(tmp, 'sum_10000.pvk');
    fs.writeFileSync(ok, `fn main() -> u32 {\n    return 1${' + 1'.repeat(9999)};\n}\n`);
    const r1 = pvlab('check', ok, '--json');
    expectNoCrash(r1);
    expect(r1.status).toBe(0);
    expect(parseJson(r1.stdout)).toEqual([]);

    const file = path.join(tmp, 'deep_sum.pvk');
    fs.writeFileSync(file, `fn main() -> u32 {\n    return ${'1 + ('.repeat(1999)}1${')'.repeat(1999)};\n}\n`);
    const r = pvlab('check', file, '--json');
    expectNoCrash(r);
    expect(r.status).toBe(1);
    const ds = parseJson(r.stdout);
    expect(ds.map((d: { code: string }) => d.code)).toEqual(['PVK001']);
    expect(ds[0].message).toMatch(/nested too deeply/);
  });

  it('an expression nested 2000 parentheses deep: exit 0 or 1, never a crash', () => {
    const file = path.join(tmp, 'deep_parens.pvk');
    fs.writeFileSync(file, `fn main() -> u32 {\n    return ${'('.repeat(2000)}1${')'.repeat(2000)};\n}\n`);
    const r = pvlab('check', file, '--json');
    expectNoCrash(r);
    expect([0, 1]).toContain(r.status);
    parseJson(r.stdout);
  });
});

describe('pvlab check: bad usage exits 2 with a message', () => {
  it('no arguments at all', () => {
    const r = pvlab();
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/usage/i);
  });

  it('check without files', () => {
    const r = pvlab('check');
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/file or directory/);
  });

  it('an unknown option', () => {
    const r = pvlab('check', '--frobnicate', `${FIX}/valid`);
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--frobnicate');
    expect(r.stdout).toBe('');
  });

  it('a missing file', () => {
    const r = pvlab('check', `${FIX}/no/such/file.pvk`);
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no/such/file.pvk');
    expect(r.stdout).toBe('');
  });

  it('an unknown command', () => {
    const r = pvlab('frobnicate');
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('frobnicate');
  });
});

describe('pvlab check: warnings', () => {
  it('a file with only warnings exits 0 and prints them', () => {
    const file = `${FIX}/warnings/warn.pvk`;
    const r = pvlab('check', file);
    expectNoCrash(r);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines.map((l) => HUMAN.exec(l)?.slice(4, 6))).toEqual([
      ['warning', 'PVK020'],
      ['warning', 'PVK009'],
    ]);
    const x = locIn(file, 'xen_domain');
    expect(lines[0].startsWith(`${file}:${x.line}:${x.column}: warning PVK020 `)).toBe(true);
  });

  it('--json of a warnings-only file exits 0', () => {
    const r = pvlab('check', `${FIX}/warnings/warn.pvk`, '--json');
    expect(r.status).toBe(0);
    const ds = parseJson(r.stdout);
    expect(ds.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'PVK020'],
      ['warning', 'PVK009'],
    ]);
  });

  it('system context comes from the systems among the files given', () => {
    const r = pvlab('check', `${FIX}/context`, '--json');
    expectNoCrash(r);
    expect(r.status).toBe(0);
    const ds = parseJson(r.stdout);
    const guest = path.join(ROOT, FIX, 'context', 'guest.pvk');
    expect(ds.map((d) => [path.resolve(ROOT, d.file), d.code])).toEqual([
      [guest, 'PVK011'],
      [guest, 'PVK012'],
      [guest, 'PVK021'],
    ]);
    expect(ds[1].message).toContain('4.1');
    // The kernel alone, without its system, has no context: nothing to report.
    const alone = pvlab('check', `${FIX}/context/guest.pvk`, '--json');
    expect(alone.status).toBe(0);
    expect(parseJson(alone.stdout)).toEqual([]);
  });
});
