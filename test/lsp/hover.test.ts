/**
 * Hover on hypercalls, intrinsics (with their cost in the contexts that boot
 * the kernel), pvops, functions, globals and locals (test/fixtures/lsp/context).
 */
import * as path from 'node:path';
import type { Hover, MarkupContent, Position } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, LspClient, pos, rangeOf, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;
let kernel: string;
let text: string;

beforeAll(async () => {
  dir = copyFixture('context');
  kernel = path.join(dir, 'kernel.pvk');
  text = read(kernel);
  client = new LspClient();
  await client.start(dir);
  client.open(kernel, text);
  await client.diagnosticsFor(kernel, (p) => p.diagnostics.length > 0);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

async function hoverAt(position: Position, file = kernel): Promise<{ value: string; hover: Hover }> {
  const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position });
  expect(hover, `hover at ${JSON.stringify(position)}`).not.toBeNull();
  const contents = hover?.contents as MarkupContent;
  expect(contents.kind).toBe('markdown');
  return { value: contents.value, hover: hover as Hover };
}

describe('hover', () => {
  it('on a hypercall: number, class, since, arguments, cost, errors, description and trouble here', async () => {
    const { value, hover } = await hoverAt(pos(text, 'domctl', 2));
    expect(hover.range).toEqual(rangeOf(text, 'domctl'));
    expect(value).toContain('#36');
    expect(value).toContain('domctl(cmd: u32, domid: u32, arg: u32) -> i32');
    expect(value).toMatch(/dom0 only/i);
    expect(value).toContain('since 3.0');
    expect(value).toMatch(/~700 cycles/);
    expect(value).toContain('-EPERM');
    expect(value).toContain('-ESRCH');
    expect(value).toContain('-ENOSYS');
    expect(value).toMatch(/Domain control/); // the ABI table's description
    expect(value).toContain('-EPERM in domU web');
  });

  it('on a newer hypercall: since 4.2 and -ENOSYS on the old system', async () => {
    const { value } = await hoverAt(pos(text, 'set_pat', 1));
    expect(value).toContain('#40');
    expect(value).toContain('since 4.2');
    expect(value).toMatch(/stable/);
    expect(value).toContain('-ENOSYS on hypervisor 4.1 (system old_host)');
  });

  it('on a privileged intrinsic: the native cost and the trap cost in the pv domains that boot the kernel', async () => {
    const { value, hover } = await hoverAt(pos(text, 'outb', 1));
    expect(hover.range).toEqual(rangeOf(text, 'outb'));
    expect(value).toContain('outb(');
    expect(value).toMatch(/native cost: 150 cycles/);
    expect(value).toMatch(/privileged/);
    expect(value).toMatch(/traps in pv/);
    expect(value).toContain('web (old_host)');
    expect(value).toContain('dom0 (host)');
    expect(value).toMatch(/1,?150 cycles/);
    expect(value).toMatch(/\+1,?000/);
  });

  it('on the same intrinsic booted as hvm: the VM exit cost instead of the trap', async () => {
    const sys = path.join(dir, 'system.pvk');
    const sysText = read(sys);
    client.open(sys, sysText.replace('mode pv;', 'mode hvm;').replace('memory 16; privileged; }\n}\n\nsystem old_host', 'memory 16; privileged; mode hvm; }\n}\n\nsystem old_host'));
    await client.diagnosticsFor(kernel, (p) => !p.diagnostics.some((d) => d.code === 'PVK021'));
    const { value } = await hoverAt(pos(text, 'outb', 1));
    expect(value).toMatch(/native cost: 150 cycles/);
    expect(value).toMatch(/VM exit/);
    expect(value).toMatch(/1,?650 cycles/);
    expect(value).not.toMatch(/traps in pv/);
    client.change(sys, sysText, 2);
    await client.diagnosticsFor(kernel, (p) => p.diagnostics.some((d) => d.code === 'PVK021'));
  });

  it('on an unprivileged intrinsic inside an impl file: its native cost, no trap', async () => {
    const cpu = path.join(dir, 'cpu.pvk');
    const cpuText = read(cpu);
    const { value } = await hoverAt(pos(cpuText, 'vcpu_info', 1), cpu);
    expect(value).toMatch(/native cost: 0 cycles/);
    expect(value).not.toMatch(/traps/);
  });

  it('on a privileged intrinsic inside `impl … for native`: no pv trap cost, pv domains never run that impl', async () => {
    // both systems boot the kernel pv, which binds `impl cpu for xen`; the
    // native impl's cli() never runs there (and PVK021 is rightly not reported on it)
    const cpu = path.join(dir, 'cpu.pvk');
    const cpuText = read(cpu);
    const { value } = await hoverAt(pos(cpuText, 'cli()', 1), cpu);
    expect(value).toMatch(/native cost: 2 cycles/);
    expect(value).not.toMatch(/traps in pv/);
  });

  it('on a pvop call: the op signature and the pvop call cost; on the table name: the table', async () => {
    const op = await hoverAt(pos(text, 'irq_disable', 2));
    expect(op.value).toContain('fn irq_disable()');
    expect(op.value).toMatch(/pvop/);
    expect(op.value).toMatch(/8 cycles/);
    expect(op.value).toMatch(/5 with `patch_pvops`/);
    const table = await hoverAt(pos(text, 'cpu.irq_disable', 1));
    expect(table.value).toContain('pvops cpu');
    expect(table.value).toContain('fn load_cr3(v: u32);');
  });

  it('on a function across an import: its signature', async () => {
    const { value, hover } = await hoverAt(pos(text, 'helper(', 2));
    expect(value).toContain('fn helper(x: u32) -> u32');
    expect(value).toMatch(/function/);
    expect(hover.range).toEqual(rangeOf(text, 'helper'));
  });

  it('on a local and a global: their declared types', async () => {
    const local = await hoverAt(pos(text, 'helper(before)', 'helper('.length + 1));
    expect(local.value).toContain('before: u32');
    expect(local.value).toContain('let');
    const global = await hoverAt(pos(text, 'boots +=', 1));
    expect(global.value).toContain('var boots: u32');
    expect(global.value).toMatch(/global/);
  });

  it('a character past the end of a line means the end of that line (LSP), not the next line', async () => {
    const file = path.join(dir, 'wrapped.pvk');
    const wrapped = 'fn main() -> u32 {\n    let a: u32 = 1;\n    let b: u32 = a +\na;\n    return b;\n}\n';
    client.open(file, wrapped);
    const line = pos(wrapped, 'let b').line;
    const ask = (character: number): Promise<Hover | null> => client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file) }, position: { line, character } });
    const atEnd = await ask(wrapped.split('\n')[line].length);
    const past = await ask(200);
    expect(atEnd).toBeNull(); // after `+` there is nothing to hover
    // the `a` at the start of the next line must not answer for this line
    expect(past).toEqual(atEnd);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(file) } });
  });

  it('on whitespace, a comment or a keyword: no hover (null), not an error', async () => {
    for (const p of [pos(text, '// Booted', 3), { line: pos(text, 'let after').line - 1, character: 0 }]) {
      const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(kernel) }, position: p });
      expect(h).toBeNull();
    }
  });
});
