/**
 * Code lenses that surface the hypercall ABI, the pvops tables and the
 * systems (test/fixtures/lsp/context; kernel.pvk is booted as dom0 on 4.2 by
 * system host and as the pv domU web on 4.1 by system old_host).
 */
import * as path from 'node:path';
import type { CodeLens } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, FIXTURES, LspClient, pos, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = copyFixture('context');
  client = new LspClient();
  await client.start(dir);
  for (const f of ['kernel.pvk', 'cpu.pvk', 'system.pvk']) client.open(file(f), read(file(f)));
  await client.diagnosticsFor(file('kernel.pvk'), (p) => p.diagnostics.length > 0);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

const lenses = (name: string): Promise<CodeLens[]> => client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file(name)) } });
const onLine = (ls: CodeLens[], line: number): CodeLens[] => ls.filter((l) => l.range.start.line === line);

describe('code lenses', () => {
  it('at a dom0 hypercall site: number, name, class, version, cost and -EPERM in the unprivileged domU', async () => {
    const text = read(file('kernel.pvk'));
    const ls = onLine(await lenses('kernel.pvk'), pos(text, 'hypercall domctl').line);
    expect(ls).toHaveLength(1);
    const title = ls[0].command?.title ?? '';
    expect(title).toContain('#36 domctl');
    expect(title).toContain('dom0-only');
    expect(title).toContain('since 3.0');
    expect(title).toMatch(/~700 cycles/); // 300 entry/exit + cost 400
    expect(title).toContain('-EPERM in domU web');
    expect(title).not.toContain('-ENOSYS'); // domctl exists on 4.1
    expect(title).not.toContain('domU dom0'); // dom0 of host is privileged
  });

  it('at a newer hypercall site: since 4.2 and -ENOSYS on hypervisor 4.1 (system old_host)', async () => {
    const text = read(file('kernel.pvk'));
    const ls = onLine(await lenses('kernel.pvk'), pos(text, 'hypercall set_pat').line);
    expect(ls).toHaveLength(1);
    const title = ls[0].command?.title ?? '';
    expect(title).toContain('#40 set_pat');
    expect(title).toContain('stable');
    expect(title).toContain('since 4.2');
    expect(title).toMatch(/~350 cycles/);
    expect(title).toContain('-ENOSYS on hypervisor 4.1 (system old_host)');
    expect(title).not.toContain('-EPERM');
  });

  it('lenses follow the context: with old_host on 4.2 the -ENOSYS warning goes', async () => {
    const sys = file('system.pvk');
    client.change(sys, read(sys).replace('hypervisor 4.1;', 'hypervisor 4.2;'), 2);
    await client.diagnosticsFor(file('kernel.pvk'), (p) => !p.diagnostics.some((d) => d.code === 'PVK012'));
    const text = read(file('kernel.pvk'));
    const [l] = onLine(await lenses('kernel.pvk'), pos(text, 'hypercall set_pat').line);
    expect(l.command?.title).toContain('#40 set_pat');
    expect(l.command?.title).not.toContain('-ENOSYS');
    client.change(sys, read(sys), 3);
    await client.diagnosticsFor(file('kernel.pvk'), (p) => p.diagnostics.some((d) => d.code === 'PVK012'));
  });

  it('above each pvops op: its implementations and its call-site count', async () => {
    const text = read(file('cpu.pvk'));
    const ls = await lenses('cpu.pvk');
    const title = (op: string): string => {
      const found = onLine(ls, pos(text, `fn ${op}(`).line);
      expect(found, op).toHaveLength(1);
      return found[0].command?.title ?? '';
    };
    // irq_disable and irq_enable are called once each in kernel.pvk, load_cr3 never
    for (const op of ['irq_disable', 'irq_enable']) {
      expect(title(op)).toContain('impl native');
      expect(title(op)).toContain('impl xen');
      expect(title(op)).toMatch(/\b1 call site\b/);
    }
    expect(title('load_cr3')).toContain('impl native');
    expect(title('load_cr3')).toContain('impl xen');
    expect(title('load_cr3')).toMatch(/\b0 call sites\b/);
  });

  it('the call-site count follows edits of another file', async () => {
    const k = file('kernel.pvk');
    const text = read(k);
    client.change(k, text.replace('    cpu.irq_enable();\n', '    cpu.irq_enable();\n    cpu.irq_enable();\n    cpu.load_cr3(0x1000);\n'), 2);
    const cpuText = read(file('cpu.pvk'));
    let ls: CodeLens[] = [];
    ls = await lenses('cpu.pvk');
    expect(onLine(ls, pos(cpuText, 'fn irq_enable(').line)[0].command?.title).toMatch(/\b2 call sites\b/);
    expect(onLine(ls, pos(cpuText, 'fn load_cr3(').line)[0].command?.title).toMatch(/\b1 call site\b/);
    client.change(k, text, 3);
  });

  it('above each system: Run, Debug, Profile and Compare (codicons, no emoji) with the system name as argument', async () => {
    const text = read(file('system.pvk'));
    const ls = await lenses('system.pvk');
    for (const name of ['host', 'old_host']) {
      const here = onLine(ls, pos(text, `system ${name} {`).line);
      const titles = here.map((l) => l.command?.title ?? '');
      expect(titles.some((t) => /\bRun\b/.test(t)), `${name}: ${titles.join(' | ')}`).toBe(true);
      expect(titles.some((t) => /\bDebug\b/.test(t))).toBe(true);
      expect(titles.some((t) => /\bProfile\b/.test(t))).toBe(true);
      expect(titles).toEqual(['$(play) Run', '$(debug-alt) Debug', '$(flame) Profile', '$(graph) Compare']);
      const commands = here.map((l) => l.command?.command);
      expect(commands).toEqual(['pvlab.runSystem', 'pvlab.debugSystem', 'pvlab.profileSystem', 'pvlab.compareSystem']);
      for (const l of here) expect(l.command?.arguments ?? []).toContain(name);
    }
  });

  it('every line with hypercalls gets one lens, wherever the expressions are (fixture sites/sites.pvk)', async () => {
    const sites = path.join(FIXTURES, 'sites/sites.pvk');
    const text = read(sites);
    client.open(sites, text);
    const ls = (await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(sites) } })).filter((l) => l.command?.title.startsWith('#'));
    const expected = [...text.matchAll(/hypercall (\w+)\(/g)].map((m) => ({ at: m.index as number, name: m[1] }));
    expect(expected).toHaveLength(21);
    const lines = text.split('\n');
    const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length - 1;
    const siteLines = [...new Set(expected.map((e) => lineOf(e.at)))];
    // one lens per line, on the line's first hypercall
    expect(ls.map((l) => l.range.start.line).sort((a, b) => a - b)).toEqual(siteLines.sort((a, b) => a - b));
    for (const l of ls) {
      // (a parenthesised call's range may start at its parenthesis)
      expect(lines[l.range.start.line].slice(l.range.start.character)).toMatch(/^\(?hypercall \w+\(/);
    }
    // each lens stands for every call of its line: "· ×N on this line" for N calls of one hypercall, or the lenses side by side
    const calls = (t: string, prefix = '#'): number => {
      const times = / · ×(\d+) on this line$/.exec(t);
      if (times) return t.startsWith(prefix) ? Number(times[1]) : 0;
      return t.split('  |  ').filter((part) => part.startsWith(prefix)).length;
    };
    const titles = ls.map((l) => l.command?.title ?? '');
    expect(titles.reduce((a, t) => a + calls(t), 0)).toBe(21);
    expect(siteLines.length).toBeLessThan(21);
    expect(titles.reduce((a, t) => a + calls(t, '#17 xen_version'), 0)).toBe(19);
    expect(titles.filter((t) => t.startsWith('#29 sched_op'))).toHaveLength(1);
    expect(titles.filter((t) => t.includes('#18 console_io'))).toHaveLength(1);
    // not booted by any system: no trouble to mark
    for (const t of titles) expect(t).not.toMatch(/EPERM|ENOSYS|bare metal/);
    client.notify('textDocument/didClose', { textDocument: { uri: uri(sites) } });
  });
});

describe('hypercall lenses are not repeated', () => {
  it('a function called from several places gets one lens per hypercall site', async () => {
    const { LspClient, uri } = await import('./lspClient.js');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-lens-'));
    const file = path.join(dir, 'k.pvk');
    const text = 'fn poll() -> i32 {\n    return hypercall xen_version(0);\n}\nfn main() -> u32 {\n    poll();\n    poll();\n    poll();\n    return 0;\n}\n';
    fs.writeFileSync(file, text);
    const client = new LspClient();
    try {
      await client.start(dir);
      client.open(file, text);
      await client.diagnosticsFor(file);
      const lenses = await client.request<{ range: { start: { line: number } }; command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri: uri(file) } });
      const hypercallLenses = lenses.filter((l) => l.command.title.includes('xen_version'));
      expect(hypercallLenses.map((l) => l.range.start.line)).toEqual([1]);
    } finally {
      await client.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a client with a code lens provider of its own (the extension registers it before the server runs)', () => {
  it('gets no codeLensProvider capability, and the same lenses as a client without one', async () => {
    const own = new LspClient();
    const plain = new LspClient();
    const kernel = file('kernel.pvk');
    const lensesOf = async (c: LspClient): Promise<string[]> => (await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(kernel) } })).map((l) => `${l.range.start.line}: ${l.command?.title}`);
    try {
      await Promise.all([own.start(dir, {}, { clientCodeLensProvider: true }), plain.start(dir)]);
      expect(own.initializeResult?.capabilities.codeLensProvider).toBeUndefined();
      expect(plain.initializeResult?.capabilities.codeLensProvider).toEqual({ resolveProvider: false });
      // Asked right after the file opens, before any analysis: the request waits for it.
      for (const c of [own, plain]) c.open(kernel, read(kernel));
      const [mine, theirs] = await Promise.all([lensesOf(own), lensesOf(plain)]);
      expect(mine.some((t) => t.includes('#36 domctl'))).toBe(true);
      expect(mine).toEqual(theirs);
    } finally {
      await Promise.all([own.stop(), plain.stop()]);
    }
  });
});
