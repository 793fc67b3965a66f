// `pvlab abi lock | check | diff` through the real built CLI (dist/cli.js), as spec section 9.2 describes it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoCrash, pvlab, pvlabIn, type Run } from './cliRun.js';

/** An extension with a stable and a dom0 hypercall, a dom0 kernel calling both, and a system booting it. */
const LAB = `abi lab {
    var total: u32 = 0;
    hypercall counter_op(cmd: u32, a: u32) -> i32 = 64 stable since 4.2 cost 40 {
        if (cmd == 0) { total += a; }
        return total as i32;
    }
    hypercall counter_reset(v: u32) -> i32 = 65 dom0 since 4.2 cost 10 { total = v; return 0; }
}
`;
const DOM0 = `import "lab.pvk";
fn main() -> u32 {
    let r = hypercall counter_op(0, 5);
    let z = hypercall counter_reset(0);
    print(r, z);
    return 0;
}
`;
const SYS = `import "lab.pvk";
system lab_demo {
    abi lab;
    domain dom0 { kernel "dom0.pvk"; privileged; }
}
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh project directory holding the lab tree, with `edits` applied to lab.pvk and dom0.pvk. */
function tree(edits: { lab?: (t: string) => string; dom0?: (t: string) => string } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-abi-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'lab.pvk'), (edits.lab ?? ((t) => t))(LAB));
  fs.writeFileSync(path.join(dir, 'dom0.pvk'), (edits.dom0 ?? ((t) => t))(DOM0));
  fs.writeFileSync(path.join(dir, 'sys.pvk'), SYS);
  return dir;
}

/** A tree locked as written, then edited: `pvlab abi check` in it compares the edit with the lock. */
function lockedThenEdited(edits: Parameters<typeof tree>[0]): string {
  const dir = tree();
  const r = pvlabIn(dir, 'abi', 'lock');
  expect(r.status, r.stderr).toBe(0);
  const edited = tree(edits);
  fs.copyFileSync(path.join(dir, 'abi.lock'), path.join(edited, 'abi.lock'));
  return edited;
}

interface Change {
  table: string;
  hypercall: string;
  kind: string;
  what: string;
  old: string | null;
  new: string | null;
  file: string | null;
  line: number | null;
  callers?: { file: string; line: number }[];
}

function changesOf(r: Run): Change[] {
  expectNoCrash(r);
  const parsed = JSON.parse(r.stdout) as { changes: Change[] };
  expect(Object.keys(parsed)).toEqual(['changes']);
  for (const c of parsed.changes) {
    for (const k of ['table', 'hypercall', 'kind', 'what', 'old', 'new', 'file', 'line']) expect(c, k).toHaveProperty(k);
  }
  return parsed.changes;
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('pvlab abi lock', () => {
  it('writes abi.lock in the current directory: the built-in table and each extension, by table', () => {
    const dir = tree();
    const r = pvlabIn(dir, 'abi', 'lock');
    expectNoCrash(r);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('2 tables (xen, lab)');
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'abi.lock'), 'utf8'));
    expect(Object.keys(lock.tables)).toEqual(['xen', 'lab']);
    expect(lock.tables.xen.find((h: { name: string }) => h.name === 'console_io')).toEqual({
      name: 'console_io', number: 18, class: 'stable', since: '3.0', params: ['u32', 'u32', 'u32'], returns: 'i32', cost: 100,
    });
    expect(lock.tables.xen.find((h: { name: string }) => h.name === 'domctl')).toMatchObject({ number: 36, class: 'dom0', cost: 400 });
    expect(lock.tables.xen).toHaveLength(12);
    expect(lock.tables.lab).toEqual([
      { name: 'counter_op', number: 64, class: 'stable', since: '4.2', params: ['u32', 'u32'], returns: 'i32', cost: 40 },
      { name: 'counter_reset', number: 65, class: 'dom0', since: '4.2', params: ['u32'], returns: 'i32', cost: 10 },
    ]);
  });

  it('the same sources give the same bytes', () => {
    const a = tree();
    const b = tree();
    pvlabIn(a, 'abi', 'lock');
    pvlabIn(b, 'abi', 'lock');
    expect(fs.readFileSync(path.join(a, 'abi.lock'), 'utf8')).toBe(fs.readFileSync(path.join(b, 'abi.lock'), 'utf8'));
  });
});

describe('pvlab abi check: change kinds and exit status (0 / 4 / 12 / 2)', () => {
  it('no change: exit 0, nothing on stdout', () => {
    const dir = lockedThenEdited({});
    const r = pvlabIn(dir, 'abi', 'check');
    expectNoCrash(r);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('0 ABI changes (0 breaking)');
  });

  it('only a cost changed: exit 0, kind cost with old and new', () => {
    const dir = lockedThenEdited({ lab: (t) => t.replace('cost 40', 'cost 45') });
    const r = pvlabIn(dir, 'abi', 'check', '--json');
    expect(r.status).toBe(0);
    expect(changesOf(r)).toEqual([
      { table: 'lab', hypercall: 'counter_op', kind: 'cost', what: 'cost', old: '40', new: '45', file: 'lab.pvk', line: 3 },
    ]);
  });

  it('a new hypercall: compatible, exit 4', () => {
    const dir = lockedThenEdited({ lab: (t) => t.replace(/}\n$/, '    hypercall counter_peek() -> i32 = 66 stable since 4.2 cost 5 { return total as i32; }\n}\n') });
    const r = pvlabIn(dir, 'abi', 'check', '--json');
    expect(r.status).toBe(4);
    const [c, ...rest] = changesOf(r);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ table: 'lab', hypercall: 'counter_peek', kind: 'compatible', what: 'added', old: null, file: 'lab.pvk', line: 8 });
    expect(c.new).toBe('counter_peek() -> i32 = 66 stable since 4.2 cost 5');
  });

  it('an earlier since, and a dom0 hypercall moved to stable: compatible, exit 4', () => {
    const dir = lockedThenEdited({ lab: (t) => t.replace('64 stable since 4.2', '64 stable since 4.0').replace('65 dom0', '65 stable') });
    const r = pvlabIn(dir, 'abi', 'check', '--json');
    expect(r.status).toBe(4);
    expect(changesOf(r).map((c) => [c.hypercall, c.kind, c.what, c.old, c.new])).toEqual([
      ['counter_op', 'compatible', 'since', '4.2', '4.0'],
      ['counter_reset', 'compatible', 'class', 'dom0', 'stable'],
    ]);
  });

  it('a changed dom0 hypercall: kind dom0, exit 4, with the kernels that call it (type-checked against the new row)', () => {
    const dir = lockedThenEdited({
      lab: (t) => t.replace('counter_reset(v: u32)', 'counter_reset(v: u32, w: u32)'),
      dom0: (t) => t.replace('counter_reset(0)', 'counter_reset(0, 1)'),
    });
    const r = pvlabIn(dir, 'abi', 'check', '--json');
    expect(r.status).toBe(4);
    const changes = changesOf(r);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ hypercall: 'counter_reset', kind: 'dom0', what: 'parameters', old: '(u32)', new: '(u32, u32)' });
    expect(changes[0].callers).toEqual([{ file: 'dom0.pvk', line: lineOf(DOM0, 'counter_reset') }]);
    const text = pvlabIn(dir, 'abi', 'check');
    expect(text.stdout).toContain('called from dom0.pvk:4');
  });

  it('a dom0 change whose callers were not updated does not compile: exit 2 with the diagnostics', () => {
    const dir = lockedThenEdited({ lab: (t) => t.replace('counter_reset(v: u32)', 'counter_reset(v: u32, w: u32)') });
    const r = pvlabIn(dir, 'abi', 'check');
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dom0\.pvk:4:\d+: error PVK004/);
  });

  const breaking: [string, (t: string) => string, (t: string) => string, string, string | null, string | null][] = [
    ['renumbered', (t) => t.replace('= 64', '= 70'), (t) => t, 'number', '64', '70'],
    ['renamed', (t) => t.replace('counter_op(', 'counter_add('), (t) => t.replace('counter_op(', 'counter_add('), 'name', 'counter_op', 'counter_add'],
    ['other parameter types', (t) => t.replace('counter_op(cmd: u32, a: u32)', 'counter_op(cmd: u32, a: bool)').replace('total += a;', 'if (a) { total += 1; }'), (t) => t.replace('counter_op(0, 5)', 'counter_op(0, true)'), 'parameters', '(u32, u32)', '(u32, bool)'],
    ['moved to dom0', (t) => t.replace('64 stable', '64 dom0'), (t) => t, 'class', 'stable', 'dom0'],
    ['a later since', (t) => t.replace('64 stable since 4.2', '64 stable since 4.3'), (t) => t, 'since', '4.2', '4.3'],
    ['removed', (t) => t.replace(/    hypercall counter_op[^]*?\n    }\n/, ''), (t) => t.replace('hypercall counter_op(0, 5)', '0'), 'removed', 'counter_op(u32, u32) -> i32 = 64 stable since 4.2 cost 40', null],
  ];
  for (const [name, lab, dom0, what, old, now] of breaking) {
    it(`a stable hypercall ${name}: breaking, exit 12`, () => {
      const dir = lockedThenEdited({ lab, dom0 });
      const r = pvlabIn(dir, 'abi', 'check', '--json');
      expect(r.status, r.stderr).toBe(12);
      const changes = changesOf(r);
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ table: 'lab', kind: 'breaking', what, old, new: now });
      if (what === 'removed') expect(changes[0]).toMatchObject({ file: null, line: null });
      else expect(changes[0]).toMatchObject({ file: 'lab.pvk', line: 3 });
      const text = pvlabIn(dir, 'abi', 'check');
      expect(text.stdout).toContain('guests built against the old ABI');
      expect(text.stderr).toContain('1 ABI change (1 breaking)');
    });
  }

  it('breaking beats compatible: both together exit 12', () => {
    const dir = lockedThenEdited({ lab: (t) => t.replace('= 64', '= 70').replace('65 dom0', '65 stable') });
    expect(pvlabIn(dir, 'abi', 'check').status).toBe(12);
  });

  it('exit 2: no lock, an unreadable lock, sources that do not compile, bad usage', () => {
    const dir = tree();
    const none = pvlabIn(dir, 'abi', 'check');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("write one with 'pvlab abi lock'");
    fs.writeFileSync(path.join(dir, 'abi.lock'), '{"tables": 3}');
    const bad = pvlabIn(dir, 'abi', 'check');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unreadable');
    pvlabIn(dir, 'abi', 'lock');
    fs.writeFileSync(path.join(dir, 'dom0.pvk'), DOM0.replace('print(r, z);', 'print(r, nosuch);'));
    const broken = pvlabIn(dir, 'abi', 'check');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain('PVK002');
    for (const args of [['abi'], ['abi', 'frob'], ['abi', 'check', '--lock'], ['abi', 'diff', 'one'], ['abi', 'check', '--nope'], ['abi', 'check', 'missing.pvk']]) {
      const r = pvlabIn(dir, ...args);
      expectNoCrash(r);
      expect(r.status, args.join(' ')).toBe(2);
    }
  });

  it('--lock names another lock file', () => {
    const dir = tree();
    expect(pvlabIn(dir, 'abi', 'lock', '--lock', 'old.lock').status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'abi.lock'))).toBe(false);
    expect(pvlabIn(dir, 'abi', 'check', '--lock', 'old.lock').status).toBe(0);
  });
});

describe('pvlab abi diff OLD NEW', () => {
  it('compares the tables of two directories, pointing at removed hypercalls in OLD', () => {
    const before = tree();
    const after = tree({ lab: (t) => t.replace(/    hypercall counter_reset[^\n]*\n/, ''), dom0: (t) => t.replace('hypercall counter_reset(0)', '0') });
    const r = pvlabIn(path.dirname(before), 'abi', 'diff', path.basename(before), path.basename(after), '--json');
    expect(r.status, r.stderr).toBe(4);
    const changes = changesOf(r);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ hypercall: 'counter_reset', kind: 'dom0', what: 'removed', file: `${path.basename(before)}/lab.pvk`, line: 7, callers: [] });
  });

  it('identical trees: exit 0', () => {
    const r = pvlab('abi', 'diff', 'examples', 'examples');
    expectNoCrash(r);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe("the project's own abi.lock (CI: the shipped table never breaks guests)", () => {
  it('pvlab abi check sandbox/abi at the repository root exits 0', () => {
    const r = pvlab('abi', 'check', 'sandbox/abi');
    expectNoCrash(r);
    expect(r.stdout).toBe('');
    expect(r.status, r.stderr).toBe(0);
  });

  it('a renumbered row in a copy of the shipped table is breaking against it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-abi-xen-'));
    dirs.push(dir);
    const shipped = pvlab('abi', 'check', 'sandbox/abi'); // the lock at the root is the reference
    expect(shipped.status).toBe(0);
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'sandbox', 'abi', 'xen.pvk'), 'utf8');
    fs.writeFileSync(path.join(dir, 'xen.pvk'), text.replace('= 18 stable', '= 19 stable'));
    fs.copyFileSync(path.join(__dirname, '..', '..', 'abi.lock'), path.join(dir, 'abi.lock'));
    const r = pvlabIn(dir, 'abi', 'check', '--json');
    expect(r.status).toBe(12);
    expect(changesOf(r)).toEqual([{ table: 'xen', hypercall: 'console_io', kind: 'breaking', what: 'number', old: '18', new: '19', file: 'xen.pvk', line: lineOf(text, 'console_io(') }]);
  });
});
