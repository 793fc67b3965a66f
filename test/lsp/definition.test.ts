/**
 * Go to definition (test/fixtures/lsp/context): hypercalls land in the shipped
 * ABI table dist/abi/xen.pvk; functions, globals, locals, pvops tables and ops
 * resolve across imports.
 */
import * as path from 'node:path';
import type { Location, LocationLink, Position } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './lspClient';
import { copyFixture, LspClient, pos, rangeOf, read, removeDir, settle, uri } from './helpers';

let dir: string;
let client: LspClient;
let kernel: string;
let text: string;
const ABI = path.join(ROOT, 'dist/abi/xen.pvk');

beforeAll(async () => {
  dir = copyFixture('context');
  kernel = path.join(dir, 'kernel.pvk');
  text = read(kernel);
  client = new LspClient();
  await client.start(dir);
  client.open(kernel, text);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

/** The single target of a definition request, as a Location. */
async function definitionAt(position: Position, file = kernel): Promise<Location> {
  const r = await client.request<Location | Location[] | LocationLink[] | null>('textDocument/definition', { textDocument: { uri: uri(file) }, position });
  expect(r, `definition at ${JSON.stringify(position)}`).not.toBeNull();
  const list = Array.isArray(r) ? r : [r as Location];
  expect(list).toHaveLength(1);
  const first = list[0];
  return 'targetUri' in first ? { uri: first.targetUri, range: first.targetSelectionRange } : first;
}

describe('go to definition', () => {
  it('a hypercall name jumps into the shipped ABI file at its declaration', async () => {
    const abiText = read(ABI);
    for (const name of ['domctl', 'set_pat']) {
      const loc = await definitionAt(pos(text, name, 1));
      expect(loc.uri).toBe(uri(ABI));
      // the declaration line `hypercall domctl(…) -> i32 = 36 dom0 since 3.0 cost 400;`, on the name
      const at = 'hypercall '.length;
      expect(loc.range).toEqual({ start: pos(abiText, `hypercall ${name}(`, at), end: pos(abiText, `hypercall ${name}(`, at + name.length) });
      const line = abiText.split('\n')[loc.range.start.line];
      expect(line).toMatch(new RegExp(`^\\s*hypercall ${name}\\(`));
    }
  });

  it('the shipped ABI file is the one the build copied from sandbox/abi/xen.pvk', () => {
    expect(read(ABI)).toBe(read(path.join(ROOT, 'sandbox/abi/xen.pvk')));
  });

  it('a function across an import jumps to its declaration name', async () => {
    const util = path.join(dir, 'util.pvk');
    const loc = await definitionAt(pos(text, 'helper(before)', 1));
    expect(loc.uri).toBe(uri(util));
    expect(loc.range).toEqual(rangeOf(read(util), 'helper'));
  });

  it('a global across an import, and a global of the same file', async () => {
    const util = path.join(dir, 'util.pvk');
    let loc = await definitionAt(pos(text, '+ calls', 3));
    expect(loc.uri).toBe(uri(util));
    expect(loc.range).toEqual(rangeOf(read(util), 'calls'));
    loc = await definitionAt(pos(text, 'boots +=', 1));
    expect(loc.uri).toBe(uri(kernel));
    expect(loc.range).toEqual(rangeOf(text, 'boots'));
  });

  it('a local jumps to its let', async () => {
    const loc = await definitionAt(pos(text, 'helper(before)', 'helper(b'.length));
    expect(loc.uri).toBe(uri(kernel));
    expect(loc.range).toEqual(rangeOf(text, 'before'));
    const after = await definitionAt(pos(text, 'return after', 'return a'.length));
    expect(after.range).toEqual(rangeOf(text, 'after'));
  });

  it('a pvops table and a pvop across an import', async () => {
    const cpu = path.join(dir, 'cpu.pvk');
    const cpuText = read(cpu);
    const table = await definitionAt(pos(text, 'cpu.irq_disable', 1));
    expect(table.uri).toBe(uri(cpu));
    expect(table.range).toEqual(rangeOf(cpuText, 'cpu'));
    const op = await definitionAt(pos(text, 'cpu.irq_disable', 'cpu.irq'.length));
    expect(op.uri).toBe(uri(cpu));
    // the op's signature inside `pvops cpu { … }`
    expect(op.range).toEqual(rangeOf(cpuText, 'irq_disable'));
    expect(cpuText.split('\n')[op.range.start.line].trim()).toBe('fn irq_disable();');
  });

  it('a parameter inside another file', async () => {
    const util = path.join(dir, 'util.pvk');
    const utilText = read(util);
    client.open(util, utilText);
    const loc = await definitionAt(pos(utilText, 'return x + 1', 'return '.length), util);
    expect(loc.uri).toBe(uri(util));
    const at = 'fn helper('.length;
    expect(loc.range).toEqual({ start: pos(utilText, 'fn helper(x', at), end: pos(utilText, 'fn helper(x', at + 1) });
  });

  it('the ABI file, once opened from a definition, has no diagnostics and answers hover on its hypercalls', async () => {
    const abiText = read(ABI);
    client.open(ABI, abiText);
    const at = pos(abiText, 'hypercall domctl(', 'hypercall d'.length);
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uri(ABI) }, position: at });
    expect(hover?.contents.value).toContain('#36');
    // the shipped table is not user code: no PVK015 (abi blocks belong to the built-in table) on it
    await settle(client);
    const published = client.lastDiagnostics(ABI);
    expect(published?.diagnostics ?? []).toEqual([]);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(ABI) } });
  });

  it('on a keyword or a literal: no definition (null)', async () => {
    for (const p of [pos(text, 'return after', 1), pos(text, '0x3f8', 1)]) {
      const r = await client.request<Location | null>('textDocument/definition', { textDocument: { uri: uri(kernel) }, position: p });
      expect(r === null || (Array.isArray(r) && r.length === 0)).toBe(true);
    }
  });
});
