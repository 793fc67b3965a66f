/**
 * Diagnostics in system context, over stdio against dist/server.js: the
 * kernel of test/fixtures/lsp/context is booted as dom0 on hypervisor 4.2
 * (system host) and as the pv domU web on 4.1 (system old_host).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, copyFixture, LspClient, messageText, rangeOf, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;
let kernel: string;
let system: string;
let kernelText: string;
let systemText: string;

beforeAll(async () => {
  dir = copyFixture('context');
  kernel = path.join(dir, 'kernel.pvk');
  system = path.join(dir, 'system.pvk');
  kernelText = read(kernel);
  systemText = read(system);
  client = new LspClient();
  await client.start(dir);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

const byCode = (ds: readonly Diagnostic[], code: string): Diagnostic[] => ds.filter((d) => d.code === code);

describe('diagnostics in system context', () => {
  it('publishes diagnostics for the whole folder at start, without opening a file', async () => {
    const k = await client.diagnosticsFor(kernel, (p) => p.diagnostics.length > 0);
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
    // every other file of the folder is published too, and is clean
    for (const f of ['system.pvk', 'dom0.pvk', 'cpu.pvk', 'util.pvk']) {
      const p = await client.diagnosticsFor(path.join(dir, f));
      expect(p.diagnostics, f).toEqual([]);
    }
  });

  it('opening the kernel shows PVK011, PVK012 and PVK021 with codes, severities and ranges', async () => {
    client.open(kernel, kernelText);
    const { diagnostics } = await client.diagnosticsFor(kernel, (p) => p.diagnostics.length === 3);
    const [d011] = byCode(diagnostics, 'PVK011');
    const [d012] = byCode(diagnostics, 'PVK012');
    const [d021] = byCode(diagnostics, 'PVK021');

    // PVK011: the dom0 hypercall, on its name, naming the unprivileged domain
    expect(d011.range).toEqual(rangeOf(kernelText, 'domctl'));
    expect(d011.severity).toBe(2);
    expect(messageText(d011)).toContain('web');
    expect(messageText(d011)).toContain('-EPERM');

    // PVK012: the bare newer hypercall, naming the old system
    expect(d012.range).toEqual(rangeOf(kernelText, 'set_pat'));
    expect(d012.severity).toBe(2);
    expect(messageText(d012)).toContain('4.1');
    expect(messageText(d012)).toContain('old_host');

    // PVK021: the privileged instruction outside an impl
    expect(d021.range).toEqual(rangeOf(kernelText, 'outb'));
    expect(d021.severity).toBe(2);
    expect(messageText(d021)).toContain('+1000');
    for (const d of diagnostics) expect(d.source).toBe('pvlab');
  });

  it('editing the system file re-publishes the kernel diagnostics with the new context', async () => {
    client.open(system, systemText);

    // 1. old_host moves to 4.2: set_pat exists there, PVK012 goes; the rest stays
    const v2 = systemText.replace('hypervisor 4.1;', 'hypervisor 4.2;');
    client.change(system, v2, 2);
    let k = await client.diagnosticsFor(kernel, (p) => !codes(p.diagnostics).includes('PVK012'));
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK021']);

    // 2. back to 4.1: PVK012 returns
    client.change(system, systemText, 3);
    k = await client.diagnosticsFor(kernel, (p) => codes(p.diagnostics).includes('PVK012'));
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);

    // 3. the domU web no longer boots the kernel: only dom0 on 4.2 is left, so
    //    neither -EPERM nor -ENOSYS; the pv dom0 still traps on outb
    const v4 = systemText.replace(/\n\s*domain web \{[^}]*\}/, '');
    expect(v4).not.toContain('web');
    client.change(system, v4, 4);
    k = await client.diagnosticsFor(kernel, (p) => !codes(p.diagnostics).includes('PVK011'));
    expect(codes(k.diagnostics)).toEqual(['PVK021']);

    // 4. the dom0 of host becomes hvm: no pv context left, the kernel is clean
    const v5 = v4.replace('memory 16; privileged; }\n}\n\nsystem old_host', 'memory 16; privileged; mode hvm; }\n}\n\nsystem old_host');
    expect(v5).not.toBe(v4);
    client.change(system, v5, 5);
    k = await client.diagnosticsFor(kernel, (p) => p.diagnostics.length === 0);
    expect(k.diagnostics).toEqual([]);

    // 5. web boots the kernel again, unprivileged but as hvm on 4.1: PVK011
    //    and PVK012, and no PVK021 (hvm runs the native instruction)
    const v6 = v5.replace('domain dom0 { kernel "dom0.pvk"; memory 16; privileged; }', 'domain dom0 { kernel "dom0.pvk"; memory 16; privileged; }\n    domain web { kernel "kernel.pvk"; memory 16; mode hvm; }');
    client.change(system, v6, 6);
    k = await client.diagnosticsFor(kernel, (p) => p.diagnostics.length > 0);
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK012']);
  });

  it('closing the edited system file without saving goes back to the context on disk', async () => {
    // the open system.pvk has web as hvm and host's dom0 as hvm; the disk has both pv, web on 4.1
    client.notify('textDocument/didClose', { textDocument: { uri: uri(system) } });
    const k = await client.diagnosticsFor(kernel, (p) => p.diagnostics.length === 3);
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
    const s = await client.diagnosticsFor(system, (p) => !codes(p.diagnostics).includes('PVK030'));
    expect(s.diagnostics).toEqual([]);
  });

  it('an incremental (ranged) change of the system file is applied and re-checked', async () => {
    client.open(system, systemText, 10);
    const at = rangeOf(systemText, '4.1');
    client.notify('textDocument/didChange', { textDocument: { uri: uri(system), version: 11 }, contentChanges: [{ range: at, text: '4.2' }] });
    const k = await client.diagnosticsFor(kernel, (p) => !codes(p.diagnostics).includes('PVK012'));
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK021']);
    client.notify('textDocument/didChange', { textDocument: { uri: uri(system), version: 12 }, contentChanges: [{ range: at, text: '4.1' }] });
    await client.diagnosticsFor(kernel, (p) => codes(p.diagnostics).includes('PVK012'));
    client.notify('textDocument/didClose', { textDocument: { uri: uri(system) } });
  });

  it('a system file changed on disk (watched files) re-publishes the kernel', async () => {
    writeFileSync(system, systemText.replace('hypervisor 4.1;', 'hypervisor 4.2;'));
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(system), type: 2 }] });
    let k = await client.diagnosticsFor(kernel, (p) => !codes(p.diagnostics).includes('PVK012'));
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK021']);
    writeFileSync(system, systemText);
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(system), type: 2 }] });
    k = await client.diagnosticsFor(kernel, (p) => codes(p.diagnostics).includes('PVK012'));
    expect(codes(k.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
  });

  it('a system file created on disk (watched files) adds its context', async () => {
    const extra = path.join(dir, 'extra.pvk');
    writeFileSync(extra, 'system bare {\n    hypervisor none;\n    domain k { kernel "kernel.pvk"; memory 16; privileged; }\n}\n');
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(extra), type: 1 }] });
    // under `hypervisor none` a hypercall faults: PVK016 (pvlab's own code) on the hypercalls
    const k = await client.diagnosticsFor(kernel, (p) => codes(p.diagnostics).includes('PVK016'));
    expect(codes(k.diagnostics)).toEqual(expect.arrayContaining(['PVK011', 'PVK012', 'PVK021', 'PVK016']));
    rmSync(extra);
    client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uri(extra), type: 3 }] });
    const back = await client.diagnosticsFor(kernel, (p) => !codes(p.diagnostics).includes('PVK016'));
    expect(codes(back.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
  });

  it('the context reaches the files a kernel imports', async () => {
    const util = path.join(dir, 'util.pvk');
    const text = `${read(util)}\nfn toolstack() -> i32 {\n    outb(0x3f8, 66);\n    hypercall set_pat(2);\n    return hypercall domctl(5, 1, 0);\n}\n`;
    client.open(util, text);
    const u = await client.diagnosticsFor(util, (p) => p.diagnostics.length > 0);
    expect(codes(u.diagnostics).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(util) } });
    const clean = await client.diagnosticsFor(util, (p) => p.diagnostics.length === 0);
    expect(clean.diagnostics).toEqual([]);
  });

  it('a file outside the folder gets diagnostics when opened, and they are cleared when it is closed', async () => {
    const outside = path.join(mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-outside-')), 'loose.pvk');
    client.open(outside, 'fn main() -> u32 {\n    return nope;\n}\n');
    const d = await client.diagnosticsFor(outside, (p) => p.diagnostics.length > 0);
    expect(codes(d.diagnostics)).toEqual(['PVK002']);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(outside) } });
    const cleared = await client.diagnosticsFor(outside, (p) => p.diagnostics.length === 0);
    expect(cleared.diagnostics).toEqual([]);
    removeDir(path.dirname(outside));
  });

  it('a system that cannot boot reports PVK030 on the system file', async () => {
    client.open(system, systemText, 20);
    // web asks for native mode under a hypervisor: the system cannot boot
    const bad = systemText.replace('mode pv;', 'mode native;');
    client.change(system, bad, 21);
    const s = await client.diagnosticsFor(system, (p) => codes(p.diagnostics).includes('PVK030'));
    expect(s.diagnostics.find((d) => d.code === 'PVK030')?.severity).toBe(1);
  });
});
