/**
 * Go to Implementations (test/fixtures/lsp/nav): from a pvop call, the op in
 * its `pvops` block or an impl function to every impl function of the op,
 * across files; from a table to its impl blocks; from a hypercall to its
 * row in the shipped ABI table. Hovers say which domains bind each impl.
 */
import * as path from 'node:path';
import type { Hover, Location, MarkupContent } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rangeOf, read, settle, textIn, uri } from './helpers';
import { ROOT } from './lspClient';
import { NavFixture } from './navFixture';

const nav = new NavFixture();
const ABI = path.join(ROOT, 'dist/abi/xen.pvk');

beforeAll(() => nav.start(['guest.pvk']));
afterAll(() => nav.stop());

async function implementations(params: ReturnType<NavFixture['at']>): Promise<Location[]> {
  const r = await nav.client.request<Location[] | null>('textDocument/implementation', params);
  return (r ?? []).slice().sort((a, b) => a.uri.localeCompare(b.uri) || a.range.start.line - b.range.start.line);
}

/** The impl functions of `mmu.flush`, in mmu_native.pvk then mmu_xen.pvk. */
const flushImpls = (): Location[] => [
  { uri: nav.uri('mmu_native.pvk'), range: rangeOf(nav.text('mmu_native.pvk'), 'flush') },
  { uri: nav.uri('mmu_xen.pvk'), range: rangeOf(nav.text('mmu_xen.pvk'), 'flush') },
];

async function hoverText(params: ReturnType<NavFixture['at']>): Promise<string> {
  const hover = await nav.client.request<Hover | null>('textDocument/hover', params);
  return (hover?.contents as MarkupContent | undefined)?.value ?? '';
}

describe('go to implementations', () => {
  it('is advertised', () => {
    expect(nav.client.initializeResult?.capabilities.implementationProvider).toBe(true);
  });

  it('from a pvop call: both impl functions, in the two files that hold them', async () => {
    expect(await implementations(nav.at('guest.pvk', 'mmu.flush(', 'mmu.f'.length))).toEqual(flushImpls());
  });

  it('from the op in its pvops block, and from an impl function: the same two', async () => {
    expect(await implementations(nav.at('mmu.pvk', 'fn flush', 'fn f'.length))).toEqual(flushImpls());
    expect(await implementations(nav.at('mmu_xen.pvk', 'fn flush', 'fn f'.length))).toEqual(flushImpls());
  });

  it('an op whose impls share the table file: one location each, on the impl function name', async () => {
    const cpu = nav.text('cpu.pvk');
    const found = await implementations(nav.at('guest.pvk', 'cpu.irq_enable', 'cpu.'.length));
    expect(found).toEqual([
      { uri: nav.uri('cpu.pvk'), range: rangeOf(cpu, 'irq_enable', 1) },
      { uri: nav.uri('cpu.pvk'), range: rangeOf(cpu, 'irq_enable', 2) },
    ]);
    expect(found.map((l) => cpu.split('\n')[l.range.start.line].trim())).toEqual(['fn irq_enable() { sti(); }', 'fn irq_enable() { mem8[vcpu_info()] = 0; }']);
  });

  it('from the table name: its impl blocks', async () => {
    const found = await implementations(nav.at('guest.pvk', 'mmu.map', 1));
    expect(found.map((l) => [l.uri, textIn(nav.text(path.basename(l.uri)), l.range)])).toEqual([
      [nav.uri('mmu_native.pvk'), 'impl mmu for native'],
      [nav.uri('mmu_xen.pvk'), 'impl mmu for xen'],
    ]);
  });

  it('from a hypercall: its whole row in the shipped ABI table', async () => {
    const [row, ...rest] = await implementations(nav.at('lib.pvk', 'console_io', 2));
    expect(rest).toEqual([]);
    expect(row.uri).toBe(uri(ABI));
    expect(textIn(read(ABI), row.range)).toBe('hypercall console_io(cmd: u32, count: u32, buf: u32) -> i32 = 18 stable since 3.0 cost 100;');
  });

  it('a plain function, a local or a keyword: nothing', async () => {
    for (const at of [nav.at('guest.pvk', 'flush_all(frame', 2), nav.at('guest.pvk', 'let frame', 'let f'.length), nav.at('guest.pvk', 'return flushes', 2)]) {
      expect(await implementations(at)).toEqual([]);
    }
  });
});

describe('which domains bind which impl (hover)', () => {
  it('on a pvop call: each impl with the domains that bind it, by system', async () => {
    const text = await hoverText(nav.at('guest.pvk', 'mmu.flush(', 'mmu.f'.length));
    expect(text).toContain('- `impl mmu for native` is bound by host: db; metal: solo');
    expect(text).toContain('- `impl mmu for xen` is bound by host: web');
  });

  it('on an impl function: the domains that bind its block', async () => {
    expect(await hoverText(nav.at('mmu_xen.pvk', 'fn flush', 'fn f'.length))).toContain('bound by host: web');
    expect(await hoverText(nav.at('cpu.pvk', 'fn irq_disable() { cli', 'fn i'.length))).toContain('bound by host: db; metal: solo');
  });

  it('follows the system file: with web booted hvm, no domain binds the xen impl', async () => {
    const system = nav.text('system.pvk');
    const edited = system.replace('mode pv;', 'mode hvm;');
    expect(edited).not.toBe(system);
    nav.client.open(nav.file('system.pvk'), edited);
    await settle(nav.client);
    expect(await hoverText(nav.at('mmu_xen.pvk', 'fn flush', 'fn f'.length))).toContain('bound by no domain');
    expect(await hoverText(nav.at('mmu.pvk', 'fn map', 'fn m'.length))).toContain('- `impl mmu for native` is bound by host: web, db; metal: solo');
    nav.client.change(nav.file('system.pvk'), system, 2);
    await settle(nav.client);
    expect(await hoverText(nav.at('mmu_xen.pvk', 'fn flush', 'fn f'.length))).toContain('bound by host: web');
  });
});
