// `pvlab compare` through the real built CLI (dist/cli.js): the paravirt
// overhead experiment, with numbers worked out by hand from the cost table of
// LANGUAGE.md section 4.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectNoCrash, pvlab, ROOT, type Run } from './cliRun.js';

const PARAVIRT = 'examples/paravirt/paravirt.pvk';
const VARIANTS = ['native', 'pv', 'pv+patch_pvops', 'hvm'];

interface JsonVariant {
  variant: string;
  mode: string;
  hypervisor: string | null;
  patchPvops: boolean;
  possible: boolean;
  reason: string | null;
  end: string | null;
  state: string | null;
  exitCode: number | null;
  cycles: number | null;
  elapsed: number | null;
  overhead: number | null;
  overheadPercent: number | null;
  hypercalls: Record<string, number>;
  traps: Record<string, number>;
  vmexits: Record<string, number>;
  pvopCalls: number | null;
}

interface JsonComparison {
  system: string;
  hypervisor: string;
  maxCycles: number;
  variants: string[];
  domains: {
    id: number;
    name: string;
    baseline: string | null;
    variants: JsonVariant[];
    functions: { name: string; variants: { variant: string; cycles: number | null; overhead: number | null; overheadPercent: number | null }[] }[];
  }[];
}

function compareJson(...args: string[]): JsonComparison {
  const r = pvlab('compare', ...args, '--json');
  expectNoCrash(r);
  expect(r.status, r.stderr).toBe(0);
  const parsed = JSON.parse(r.stdout) as JsonComparison;
  expect(Object.keys(parsed)).toEqual(['system', 'hypervisor', 'maxCycles', 'variants', 'domains']);
  expect(parsed.variants).toEqual(VARIANTS);
  for (const d of parsed.domains) expect(d.variants.map((v) => v.variant)).toEqual(VARIANTS);
  return parsed;
}

/** cycles / overhead / overheadPercent of each variant of one domain, by variant name. */
function numbers(d: JsonComparison['domains'][number]): Record<string, [number | null, number | null, number | null]> {
  return Object.fromEntries(d.variants.map((v) => [v.variant, [v.cycles, v.overhead, v.overheadPercent]]));
}

let tmp: string;

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  const built = fs.existsSync(CLI) && fs.readFileSync(CLI, 'utf8').includes('pvlab compare');
  if (!built) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
    if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}\n${b.stderr}`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-compare-'));
  // A dom0 that needs the hypervisor, and a domU that only writes to the serial port.
  write(
    'mixed/toolstack.pvk',
    `fn main() -> u32 {
    hypercall domctl(4, 1, 0);  // unpause io: 1 + 300 + 400
    hypercall xen_version(0);   // 1 + 300 + 10
    return 0;                   // 1
}
`,
  );
  write(
    'mixed/io.pvk',
    `fn main() -> u32 {
    outb(0x3f8, 104);           // 1 + 150 (pv: +1000 trap, hvm: +1500 VM exit)
    outb(0x3f8, 105);           // 1 + 150 (likewise)
    return 0;                   // 1
}
`,
  );
  write(
    'mixed/wait.pvk',
    `fn main() -> u32 {
    hlt();                      // nothing will ever wake it when it is alone
    return 0;
}
`,
  );
  write(
    'mixed/mixed.pvk',
    `system mixed {
    hypervisor 4.2;
    domain dom0 { kernel "toolstack.pvk"; memory 4; privileged; }
    domain io { kernel "io.pvk"; memory 4; paused; }
}

system waits {
    hypervisor 4.2;
    domain w { kernel "wait.pvk"; memory 4; privileged; }
}
`,
  );
  write(
    'recursive/fact.pvk',
    `system fact {
    hypervisor none;
    domain k { kernel "kernel.pvk"; memory 1; privileged; }
}
`,
  );
  write(
    'recursive/kernel.pvk',
    `fn fact(n: u32) -> u32 {
    if (n == 0) { return 1; }
    return n * fact(n - 1);
}

fn main() -> u32 {
    return fact(3) - 6;
}
`,
  );
  write(
    'crash/crash.pvk',
    `system crash {
    hypervisor 4.2;
    domain k { kernel "kernel.pvk"; memory 1; privileged; }
}
`,
  );
  write(
    'crash/kernel.pvk',
    `pvops plat { fn divisor() -> u32; }
impl plat for native { fn divisor() -> u32 { return 1; } }
impl plat for xen { fn divisor() -> u32 { return 0; } }

fn main() -> u32 {
    return 10 / plat.divisor();
}
`,
  );
  write('broken/broken.pvk', `system broken {\n    hypervisor none;\n    domain k { kernel "k.pvk"; privileged; }\n}\n`);
  write('broken/k.pvk', `fn main() -> u32 {\n    let x: bool = 1;\n    return 0;\n}\n`);
}, 180000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pvlab compare: the paravirt example (examples/paravirt/README.md)', () => {
  // native 3,765, pv 3,366 and pv with patched pvops 2,763 are worked out in
  // examples/paravirt/README.md (and its lazy port, test/fixtures/lazyport, with
  // 4,565 and 3,962: the trapping write_cr3). hvm, by hand from the cost table:
  // an hvm domain binds `impl cpu for native`, like bare metal, so it runs the
  // same statements, memory accesses and pvop calls through the table (+8);
  // its only privileged intrinsics are cli, sti and write_cr3, and in hvm only
  // inb, outb, rdmsr, wrmsr and hlt cause a VM exit (+1500), so nothing exits:
  // hvm = 3,765 + 0 = 3,765, +0 (0%) against native.
  it('reproduces the hand-computed numbers exactly (human output)', () => {
    const r = pvlab('compare', PARAVIRT, '--system', 'pv');
    expectNoCrash(r);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n');
    const row = (variant: string): string => rows.find((l) => l.startsWith(`${variant} `)) ?? `no row for ${variant}`;
    expect(r.stdout).toContain('── kernel (domid 0) · overhead against native');
    expect(row('native')).toMatch(/^native\s+3,765\s+baseline$/);
    expect(row('pv')).toMatch(/^pv\s+3,366\s+-399 \(-11%\)$/);
    expect(row('pv+patch_pvops')).toMatch(/^pv\+patch_pvops\s+2,763\s+-1,002 \(-27%\)$/);
    expect(row('hvm')).toMatch(/^hvm\s+3,765\s+\+0 \(0%\)$/);
  });

  it('the lazy port (its xen load_cr3 still traps): the trap in the notes', () => {
    const r = pvlab('compare', 'test/fixtures/lazyport/paravirt.pvk', '--system', 'pv');
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n');
    const row = (variant: string): string => rows.find((l) => l.startsWith(`${variant} `)) ?? `no row for ${variant}`;
    expect(row('pv')).toMatch(/^pv\s+4,565\s+\+800 \(\+21%\)\s+traps write_cr3 ×1$/);
    expect(row('pv+patch_pvops')).toMatch(/^pv\+patch_pvops\s+3,962\s+\+197 \(\+5%\)\s+traps write_cr3 ×1$/);
    expect(r.stdout).toMatch(/^ {2}cpu\.load_cr3\s+201\s+1,201 \(\+498%\)\s+1,201 \(\+498%\)\s+201 \(0%\)$/m);
  });

  it('reproduces them in --json, with the traps and pvop calls that explain them', () => {
    const c = compareJson(PARAVIRT, '--system', 'pv');
    expect(c.system).toBe('pv');
    expect(c.hypervisor).toBe('4.2');
    expect(c.maxCycles).toBe(1_000_000_000);
    expect(c.domains).toHaveLength(1);
    const d = c.domains[0];
    expect(d).toMatchObject({ id: 0, name: 'kernel', baseline: 'native' });
    expect(numbers(d)).toEqual({
      native: [3765, 0, 0],
      pv: [3366, -399, -10.6],
      'pv+patch_pvops': [2763, -1002, -26.61],
      hvm: [3765, 0, 0],
    });
    const [native, pv, patched, hvm] = d.variants;
    expect(native).toMatchObject({ mode: 'native', hypervisor: null, patchPvops: false, possible: true, reason: null, end: 'exited', state: 'exited', exitCode: 0, traps: {}, pvopCalls: 201 });
    expect(pv).toMatchObject({ mode: 'pv', hypervisor: '4.2', patchPvops: false, traps: {}, vmexits: {}, pvopCalls: 201 });
    expect(patched).toMatchObject({ mode: 'pv', patchPvops: true, traps: {}, pvopCalls: 201 });
    expect(hvm).toMatchObject({ mode: 'hvm', hypervisor: '4.2', patchPvops: false, traps: {}, vmexits: {}, pvopCalls: 201 });
    // One domain, no context switches, no idle: machine time is the domain's cycles.
    for (const v of d.variants) expect(v.elapsed).toBe(v.cycles);
  });

  it('gives the same numbers whichever of the three systems it starts from', () => {
    const strip = (c: JsonComparison) => ({ ...c, system: '' });
    const pv = strip(compareJson(PARAVIRT, '--system', 'pv'));
    expect(strip(compareJson(PARAVIRT))).toEqual(pv); // bare_metal, the file's first system
    expect(strip(compareJson(PARAVIRT, '--system', 'pv_patched'))).toEqual(pv);
  });

  it('is deterministic: the same bytes on every run', () => {
    const a = pvlab('compare', PARAVIRT, '--json');
    const b = pvlab('compare', PARAVIRT, '--json');
    expect(a.stdout).toBe(b.stdout);
    expect(pvlab('compare', PARAVIRT).stdout).toBe(pvlab('compare', PARAVIRT).stdout);
  });
});

describe('pvlab compare: hot functions', () => {
  // Inclusive cycles of each function, by hand from examples/paravirt/kernel.pvk and cpu.pvk.
  // A pvop call's +8 (+5 patched) is charged in the caller; the impl's own body is
  //   irq_disable / irq_enable: native and hvm `cli();`/`sti();` 1 + 2 = 3; xen `mem8[…] = 1;` 1 + 1 = 2;
  //   load_cr3: native and hvm `write_cr3(v);` 1 + 200 = 201; xen `mem32[…] = v;` 1 + 1 = 2.
  // update, per call: 2 × (statement 1 + pvop 8 + body) + mem32 += (3) + critical_sections += (1):
  //   native/hvm 2 × 12 + 4 = 28, pv 2 × 11 + 4 = 26, patched 2 × (1 + 5 + 2) + 4 = 20; × 100 calls.
  // main is the whole domain.
  it('lists each function with its cycles in every variant, against native', () => {
    const c = compareJson(PARAVIRT, '--system', 'pv');
    const rows = c.domains[0].functions.map((f) => [f.name, ...f.variants.map((v) => v.cycles)]);
    expect(rows).toEqual([
      ['main', 3765, 3366, 2763, 3765],
      ['update', 2800, 2600, 2000, 2800],
      ['cpu.irq_disable', 300, 200, 200, 300],
      ['cpu.irq_enable', 300, 200, 200, 300],
      ['cpu.load_cr3', 201, 2, 2, 201],
    ]);
    const update = c.domains[0].functions[1].variants;
    expect(update.map((v) => [v.variant, v.overhead, v.overheadPercent])).toEqual([
      ['native', 0, 0],
      ['pv', -200, -7.14],
      ['pv+patch_pvops', -800, -28.57],
      ['hvm', 0, 0],
    ]);

    const r = pvlab('compare', PARAVIRT);
    expect(r.stdout).toContain('  hot functions (inclusive cycles; top 5 of 5 by native)');
    expect(r.stdout).toMatch(/^ {2}function\s+native\s+pv\s+pv\+patch_pvops\s+hvm$/m);
    expect(r.stdout).toMatch(/^ {2}update\s+2,800\s+2,600 \(-7%\)\s+2,000 \(-29%\)\s+2,800 \(0%\)$/m);
    expect(r.stdout).toMatch(/^ {2}cpu\.load_cr3\s+201\s+2 \(-99%\)\s+2 \(-99%\)\s+201 \(0%\)$/m);
  });

  it('counts a recursive function once: the inclusive time of its outermost calls', () => {
    // fact(n > 0): condition 1 + `return n * fact(n - 1);` 1 + call 5 = 7 plus the inner call;
    // fact(0): condition 1 + return 1 = 2. fact(3) = 3 × 7 + 2 = 23 (not 23 + 16 + 9 + 2).
    // main: `return fact(3) - 6;` 1 + call 5 + 23 = 29. No pvops, no privileged instructions,
    // no hypercalls: 29 in every variant.
    const c = compareJson(path.join(tmp, 'recursive/fact.pvk'));
    const d = c.domains[0];
    expect(d.baseline).toBe('native');
    expect(numbers(d)).toEqual({ native: [29, 0, 0], pv: [29, 0, 0], 'pv+patch_pvops': [29, 0, 0], hvm: [29, 0, 0] });
    expect(d.functions.map((f) => [f.name, ...f.variants.map((v) => v.cycles)])).toEqual([
      ['main', 29, 29, 29, 29],
      ['fact', 23, 23, 23, 23],
    ]);
  });

  it('with native not possible, functions are measured against pv', () => {
    const c = compareJson('examples/tour/tour.pvk');
    for (const d of c.domains) {
      expect(d.functions.length).toBeGreaterThan(0);
      expect(d.functions[0].name).toBe('main');
      const [native, pv] = d.functions[0].variants;
      expect(native).toEqual({ variant: 'native', cycles: null, overhead: null, overheadPercent: null });
      expect(pv).toMatchObject({ cycles: d.variants[1].cycles, overhead: 0 });
    }
  });
});

describe('pvlab compare: domains that cannot run natively', () => {
  it('the tour: every kernel makes hypercalls, so native is not possible and pv is the baseline', () => {
    const r = pvlab('compare', 'examples/tour/tour.pvk');
    expectNoCrash(r);
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['dom0', 'ping', 'pong']) expect(r.stdout).toMatch(new RegExp(`── ${name} \\(domid \\d\\) · overhead against pv: native is not possible`));
    expect(r.stdout).toMatch(/^native\s+-\s+-\s+not possible: it makes a hypercall \(\w+\) at dom0\.pvk:\d+, and bare metal has no hypervisor$/m);

    const c = compareJson('examples/tour/tour.pvk');
    expect(c.domains.map((d) => [d.id, d.name, d.baseline])).toEqual([
      [0, 'dom0', 'pv'],
      [1, 'ping', 'pv'],
      [2, 'pong', 'pv'],
    ]);
    for (const d of c.domains) {
      const [native, pv] = d.variants;
      expect(native).toMatchObject({ possible: false, cycles: null, overhead: null, overheadPercent: null, end: null, state: null });
      expect(native.reason).toMatch(/^it makes a hypercall \((\w+)\) at \w+\.pvk:\d+, and bare metal has no hypervisor$/);
      expect(pv).toMatchObject({ possible: true, overhead: 0, overheadPercent: 0, state: 'exited', end: 'exited' });
      // The pv variant is the tour as written: the numbers `pvlab run` reports.
    }
    const run = JSON.parse(pvlab('run', 'examples/tour/tour.pvk', '--json').stdout) as { domains: { cycles: number }[] };
    expect(c.domains.map((d) => d.variants[1].cycles)).toEqual(run.domains.map((d) => d.cycles));
  });

  it('a mixed system: native is not possible for dom0 but is for a domU without hypercalls', () => {
    // dom0: (1 + 300 + 400) + (1 + 300 + 10) + 1 = 1,013 in pv and hvm (a hypercall costs the same in both).
    // io:   native 2 × (1 + 150) + 1 = 303;
    //       pv: both outb trap, +1000 each: 2,303 (+2,000, +660.07%), patching changes nothing (no pvops);
    //       hvm: both outb exit, +1500 each: 3,303 (+3,000, +990.1%).
    const c = compareJson(path.join(tmp, 'mixed/mixed.pvk'));
    const [dom0, io] = c.domains;
    expect(dom0.baseline).toBe('pv');
    expect(dom0.variants[0].reason).toBe('it makes a hypercall (domctl) at toolstack.pvk:2, and bare metal has no hypervisor');
    expect(numbers(dom0)).toEqual({ native: [null, null, null], pv: [1013, 0, 0], 'pv+patch_pvops': [1013, 0, 0], hvm: [1013, 0, 0] });
    expect(io.baseline).toBe('native');
    expect(numbers(io)).toEqual({ native: [303, 0, 0], pv: [2303, 2000, 660.07], 'pv+patch_pvops': [2303, 2000, 660.07], hvm: [3303, 3000, 990.1] });
    expect(io.variants[1].traps).toEqual({ outb: 2 });
    expect(io.variants[3].vmexits).toEqual({ outb: 2 });
    // Booted alone on bare metal the paused domU runs at once, as the only domain; under
    // the hypervisor dom0 unpauses it.
    for (const v of io.variants) expect(v).toMatchObject({ state: 'exited', end: 'exited', exitCode: 0 });

    const r = pvlab('compare', path.join(tmp, 'mixed/mixed.pvk'));
    expect(r.stdout).toMatch(/^pv\s+2,303\s+\+2,000 \(\+660%\)\s+traps outb ×2$/m);
    expect(r.stdout).toMatch(/^hvm\s+3,303\s+\+3,000 \(\+990%\)\s+vm exits outb ×2$/m);
  });

  it('a kernel that blocks forever when alone is not possible natively; the pv run ends in deadlock and says so', () => {
    const c = compareJson(path.join(tmp, 'mixed/mixed.pvk'), '--system', 'waits');
    const d = c.domains[0];
    expect(d.baseline).toBe('pv');
    expect(d.variants[0]).toMatchObject({ possible: false, reason: 'booted alone it blocks forever, waiting for an event no other domain can send' });
    // hlt is privileged: pv traps (1 + 1000) and hvm exits (1 + 1500), after the statement's 1.
    expect(numbers(d)).toEqual({ native: [null, null, null], pv: [1002, 0, 0], 'pv+patch_pvops': [1002, 0, 0], hvm: [1502, 500, 49.9] });
    expect(d.variants[1]).toMatchObject({ end: 'deadlock', state: 'blocked' });
    const r = pvlab('compare', path.join(tmp, 'mixed/mixed.pvk'), '--system', 'waits');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^pv\s+1,002\s+baseline\s+blocked; run ended deadlock; traps hlt ×1$/m);
  });

  it('--max-cycles bounds every run, and the table says where a run was cut short', () => {
    const c = compareJson(PARAVIRT, '--max-cycles', '1000');
    const d = c.domains[0];
    expect(c.maxCycles).toBe(1000);
    for (const v of d.variants) {
      expect(v.end).toBe('max-cycles');
      expect(v.cycles as number).toBeGreaterThanOrEqual(1000);
      expect(v.cycles as number).toBeLessThan(1100);
    }
    const r = pvlab('compare', PARAVIRT, '--max-cycles', '1000');
    expect(r.stdout).toMatch(/^native\s+[\d,]+\s+baseline\s+running; run ended max-cycles$/m);
  });
});

describe('pvlab compare: a variant that crashes', () => {
  it('exits 1, names the domain and variants on stderr, and still prints every variant', () => {
    // plat.divisor() is 0 in the xen impl: pv and pv+patch_pvops divide by zero; native and hvm bind native.
    const r = pvlab('compare', path.join(tmp, 'crash/crash.pvk'));
    expectNoCrash(r);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['pvlab: domain k crashed as pv', 'pvlab: domain k crashed as pv+patch_pvops']);
    expect(r.stdout).toMatch(/^pv\s+[\d,]+\s+.*crashed/m);
    expect(r.stdout).toMatch(/^native\s+[\d,]+\s+baseline$/m);
    const json = pvlab('compare', path.join(tmp, 'crash/crash.pvk'), '--json');
    expect(json.status).toBe(1);
    const c = JSON.parse(json.stdout) as JsonComparison;
    expect(c.domains[0].variants.map((v) => v.state)).toEqual(['exited', 'crashed', 'crashed', 'exited']);
  });
});

describe('pvlab compare: bad usage and programs that do not compile exit 2', () => {
  it.each([
    [[], "'pvlab compare' needs a system file"],
    [[PARAVIRT, '--bogus'], "unknown option --bogus for 'pvlab compare'"],
    [[PARAVIRT, PARAVIRT], "'pvlab compare' takes one system file"],
    [[PARAVIRT, '--system'], '--system needs a system name'],
    [[PARAVIRT, '--max-cycles', 'lots'], '--max-cycles needs a whole number of cycles, at least 1'],
    [[PARAVIRT, '--max-cycles', '0'], '--max-cycles needs a whole number of cycles, at least 1'],
    [[PARAVIRT, '--patch-pvops'], "unknown option --patch-pvops for 'pvlab compare'"],
    [['examples/nope.pvk'], 'cannot read examples/nope.pvk'],
  ])('compare %j', (args, message) => {
    const r = pvlab('compare', ...args);
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`pvlab: ${message}`);
    expect(r.stderr).toContain('pvlab compare SYSTEM_FILE [--system NAME] [--json] [--max-cycles N]');
  });

  it('an unknown system names the ones the file has', () => {
    const r = pvlab('compare', PARAVIRT, '--system', 'nope');
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no system 'nope' in");
    expect(r.stderr).toContain('(it has bare_metal, pv, pv_patched)');
  });

  it('a kernel with errors prints its diagnostics with their location', () => {
    const r = pvlab('compare', path.join(tmp, 'broken/broken.pvk'), '--json');
    expectNoCrash(r);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/k\.pvk:2:\d+: error PVK003 /);
    expect(r.stderr).toContain('pvlab: system broken does not compile');
  });
});
