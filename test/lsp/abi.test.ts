/**
 * The editor on both sides of a hypercall (spec section 9): an extension
 * `abi lab` with pvk handlers (test/fixtures/lsp/abi/lab.pvk), kernels that
 * call it, a system that boots it (`abi lab;`) and one that does not
 * (plain.pvk: PVK040). The workspace's abi.lock is written by the real CLI.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, CodeAction, CodeLens, CompletionItem, Diagnostic, Hover, Location, WorkspaceEdit } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, codes, copyFixture, editsByUri, errors, LspClient, messageText, pos, read, removeDir, settle, textIn, uri } from './helpers';
import { ROOT } from './lspClient';

let dir: string;
let client: LspClient;
const file = (name: string): string => path.join(dir, name);
let version = 1;

beforeAll(async () => {
  dir = copyFixture('abi');
  const locked = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'abi', 'lock'], { cwd: dir, encoding: 'utf8' });
  expect(locked.status, locked.stderr).toBe(0);
  client = new LspClient();
  await client.start(dir);
  for (const f of ['lab.pvk', 'dom0.pvk', 'guest.pvk', 'sys.pvk', 'plain.pvk']) client.open(file(f), read(file(f)));
  await client.diagnosticsFor(file('dom0.pvk'), (p) => p.diagnostics.length > 0);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

const LAB = (): string => read(file('lab.pvk'));
const DOM0 = (): string => read(file('dom0.pvk'));

async function editLab(text: string): Promise<Diagnostic[]> {
  client.change(file('lab.pvk'), text, ++version);
  await settle(client);
  return client.lastDiagnostics(file('lab.pvk'))?.diagnostics ?? [];
}

const lockLens = async (): Promise<string[]> => {
  const ls = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file('lab.pvk')) } });
  return ls.map((l) => l.command?.title ?? '').filter((t) => t.startsWith('abi.lock'));
};

describe('abi.lock in the editor: PVK042 / PVK043 and the lens over the abi block', () => {
  it('as locked: no ABI diagnostics, lens "abi.lock: 0 changes (0 breaking)" on the abi block', async () => {
    const ds = client.lastDiagnostics(file('lab.pvk'))?.diagnostics ?? [];
    expect(codes(ds)).toEqual([]);
    const ls = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file('lab.pvk')) } });
    const lens = ls.filter((l) => l.command?.title.startsWith('abi.lock'));
    expect(lens.map((l) => l.command?.title)).toEqual(['abi.lock: 0 changes (0 breaking)']);
    expect(lens[0].range.start.line).toBe(pos(LAB(), 'abi lab').line);
  });

  it('renumbering a stable hypercall: PVK042 error on the number, and the lens counts it', async () => {
    const text = LAB().replace('= 64 stable', '= 70 stable');
    const ds = await editLab(text);
    const d = ds.find((x) => x.code === 'PVK042');
    expect(d, JSON.stringify(ds)).toBeDefined();
    expect(d?.severity).toBe(1);
    expect(textIn(text, d!.range)).toBe('70');
    expect(d?.message).toMatch(/guests built against the lock/);
    expect(await lockLens()).toEqual(['abi.lock: 1 change (1 breaking)']);
  });

  it('a new hypercall: PVK043 info, not an error', async () => {
    const text = LAB().replace(/}\n$/, '\n    hypercall counter_peek() -> i32 = 66 stable since 4.2 cost 5 { return total as i32; }\n}\n');
    const ds = await editLab(text);
    const d = ds.find((x) => x.code === 'PVK043');
    expect(d?.severity).toBe(3);
    expect(textIn(text, d!.range)).toBe('counter_peek');
    expect(errors(ds)).toEqual([]);
    expect(await lockLens()).toEqual(['abi.lock: 1 change (0 breaking)']);
    await editLab(LAB());
  });
});

describe('navigation across both sides', () => {
  it('go to definition from a guest call leads to the hypercall and its handler in lab.pvk', async () => {
    const loc = await client.request<Location | null>('textDocument/definition', { textDocument: { uri: uri(file('dom0.pvk')) }, position: pos(DOM0(), 'counter_op', 2) });
    expect(loc?.uri).toBe(uri(file('lab.pvk')));
    expect(loc && textIn(LAB(), loc.range)).toBe('counter_op');
    expect(loc?.range.start.line).toBe(pos(LAB(), 'hypercall counter_op').line);
  });

  it('go to definition inside a handler: a helper call and a hypervisor global', async () => {
    const lab = LAB();
    const helper = await client.request<Location | null>('textDocument/definition', { textDocument: { uri: uri(file('lab.pvk')) }, position: pos(lab, 'clamp(a)', 1) });
    expect(helper?.range.start.line).toBe(pos(lab, 'fn clamp').line);
    const global = await client.request<Location | null>('textDocument/definition', { textDocument: { uri: uri(file('lab.pvk')) }, position: pos(lab, 'total += ', 1) });
    expect(global?.range.start.line).toBe(pos(lab, 'var total').line);
  });

  it('references from the handler declaration list every call site, in both kernels', async () => {
    const refs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri(file('lab.pvk')) },
      position: pos(LAB(), 'counter_op(cmd', 2),
      context: { includeDeclaration: true },
    });
    const where = refs.map((r) => `${path.basename(r.uri)}:${r.range.start.line}`).sort();
    expect(where).toEqual([`dom0.pvk:${pos(DOM0(), 'counter_op').line}`, `guest.pvk:${pos(read(file('guest.pvk')), 'counter_op').line}`, `lab.pvk:${pos(LAB(), 'counter_op(cmd').line}`]);
  });

  it('rename from a guest call renames the declaration and every call; the kernels check clean and the lock calls it breaking', async () => {
    const edit = await client.request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: uri(file('guest.pvk')) }, position: pos(read(file('guest.pvk')), 'counter_op', 2), newName: 'counter_add' });
    const byUri = editsByUri(edit as WorkspaceEdit);
    expect([...byUri.keys()].map((u) => path.basename(u)).sort()).toEqual(['dom0.pvk', 'guest.pvk', 'lab.pvk']);
    const renamed = new Map<string, string>();
    for (const [u, edits] of byUri) {
      const f = new URL(u).pathname;
      const after = applyEdits(read(f), edits);
      expect(after).toMatch(/hypercall counter_add\(/);
      expect(after).not.toMatch(/hypercall counter_op\(/);
      renamed.set(f, after);
      client.change(f, after, ++version);
    }
    await settle(client);
    // The kernels check clean; the rename itself breaks guests built against abi.lock, and the editor says so.
    for (const f of renamed.keys()) {
      const errs = errors(client.lastDiagnostics(f)?.diagnostics ?? []);
      if (path.basename(f) === 'lab.pvk') expect(errs.map((e) => [e.code, messageText(e).includes('name counter_op -> counter_add')])).toEqual([['PVK042', true]]);
      else expect(errs, f).toEqual([]);
    }
    // back to the fixture's text for the tests below
    for (const f of renamed.keys()) client.change(f, read(f), ++version);
    await settle(client);
  });

  it('the built-in table is not renamed from user code', async () => {
    const text = 'fn main() -> u32 {\n    let v = hypercall xen_version(0);\n    return v as u32;\n}\n';
    client.open(file('builtin.pvk'), text);
    await settle(client);
    const prep = await client.request<unknown>('textDocument/prepareRename', { textDocument: { uri: uri(file('builtin.pvk')) }, position: pos(text, 'xen_version', 2) });
    expect(prep).toBeNull();
  });
});

describe('call hierarchy and the lens at a call site', () => {
  it("incoming calls of an extension hypercall: each kernel's main, per system that boots it, from the handler's declaration", async () => {
    const items = await client.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', { textDocument: { uri: uri(file('lab.pvk')) }, position: pos(LAB(), 'counter_op(cmd', 2) });
    expect(items?.map((i) => [i.name, path.basename(i.uri)])).toEqual([['counter_op', 'lab.pvk']]);
    const incoming = await client.request<CallHierarchyIncomingCall[]>('callHierarchy/incomingCalls', { item: items![0] });
    // once per (system, kernel): dom0.pvk is booted by lab_demo and by plain
    expect(incoming.map((c) => `${path.basename(c.from.uri)}:${c.from.name}`).sort()).toEqual(['dom0.pvk:main', 'dom0.pvk:main', 'guest.pvk:main']);
  });

  it('outgoing calls of a kernel function reach the extension hypercall', async () => {
    const items = await client.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', { textDocument: { uri: uri(file('dom0.pvk')) }, position: pos(DOM0(), 'main', 1) });
    const outgoing = await client.request<CallHierarchyOutgoingCall[]>('callHierarchy/outgoingCalls', { item: items![0] });
    const kick = outgoing.find((c) => c.to.name === 'counter_op');
    expect(kick?.to.uri).toBe(uri(file('lab.pvk')));
  });

  it('the lens over a guest call: number, class, version and the cost with the handler', async () => {
    const ls = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file('dom0.pvk')) } });
    const line = pos(DOM0(), 'hypercall counter_op').line;
    const titles = ls.filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
    expect(titles).toHaveLength(1);
    expect(titles[0]).toContain('#64 counter_op');
    expect(titles[0]).toContain("~340 cycles + the handler's own");
    // system plain boots dom0.pvk without `abi lab;`
    expect(titles[0]).toContain("-ENOSYS without 'abi lab;' (system plain)");
  });
});

describe('hovers and completion', () => {
  const hover = async (name: string, text: string, needle: string, delta = 1): Promise<string> => {
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uri(file(name)) }, position: pos(text, needle, delta) });
    return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
  };

  it('hover on a guest call of an extension hypercall: number, class, extension, cost with the handler, and -ENOSYS where a system lacks it', async () => {
    const h = await hover('dom0.pvk', DOM0(), 'counter_op');
    expect(h).toContain('#64');
    expect(h).toContain('abi lab');
    expect(h).toContain("~340 cycles + the handler's own");
  });

  it('hover on hypervisor intrinsics, globals and helpers inside the abi block', async () => {
    const lab = LAB();
    expect(await hover('lab.pvk', lab, 'notify(a')).toContain('hypervisor intrinsic');
    expect(await hover('lab.pvk', lab, 'guest_store32')).toMatch(/-EFAULT/);
    expect(await hover('lab.pvk', lab, 'total += ')).toContain('hypervisor global of abi lab');
    expect(await hover('lab.pvk', lab, 'clamp(a)')).toContain('hypervisor helper of abi lab');
  });

  it('after `hypercall` in a kernel: the extension hypercalls the file sees, with the built-in ones', async () => {
    const text = DOM0().replace('print(r, z);', 'let w = hypercall c');
    client.change(file('dom0.pvk'), text, ++version);
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri(file('dom0.pvk')) }, position: pos(text, 'hypercall c', 'hypercall c'.length) });
    const labels = items.map((i) => i.label);
    expect(labels).toContain('counter_op');
    expect(labels).toContain('console_io');
    client.change(file('dom0.pvk'), DOM0(), ++version);
  });

  it('in a handler: hypervisor intrinsics, the block\'s globals and helpers; no guest instructions or memory', async () => {
    const lab = LAB();
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri(file('lab.pvk')) }, position: pos(lab, 'return -22;') });
    const labels = items.map((i) => i.label);
    for (const l of ['notify', 'guest_load32', 'caller', 'caller_vcpu', 'total', 'clamp', 'cmd', 'LIMIT', 'print']) expect(labels).toContain(l);
    for (const l of ['cli', 'mem32', 'hypercall', 'rdtsc']) expect(labels).not.toContain(l);
  });

  it('between declarations of the block: a hypercall snippet with a free number', async () => {
    const lab = LAB();
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri(file('lab.pvk')) }, position: pos(lab, '    hypercall counter_reset') });
    const snippet = items.find((i) => i.label === 'hypercall');
    expect(snippet?.insertText).toContain('= 66 ');
  });

  it("in a system: the 'abi' property offers the extensions the system's file sees", async () => {
    const sys = read(file('sys.pvk'));
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri(file('sys.pvk')) }, position: pos(sys, '    domain dom0') });
    expect(items.find((i) => i.label === 'abi')?.insertText).toContain('lab');
  });
});

describe('quick fixes', () => {
  async function actionsFor(name: string, d: Diagnostic): Promise<CodeAction[]> {
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: uri(file(name)) }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } });
    return actions.filter((a) => a.edit !== undefined);
  }

  it("PVK040: add 'abi lab;' to the system that boots the kernel without it; the warning goes away", async () => {
    const published = await client.diagnosticsFor(file('guest.pvk'), (p) => codes(p.diagnostics).includes('PVK040'));
    const d = published.diagnostics.find((x) => x.code === 'PVK040') as Diagnostic;
    const [action] = await actionsFor('guest.pvk', d);
    expect(action.title).toContain("Add 'abi lab;' to system plain");
    const byUri = editsByUri(action.edit as WorkspaceEdit);
    expect([...byUri.keys()]).toEqual([uri(file('plain.pvk'))]);
    const after = applyEdits(read(file('plain.pvk')), byUri.get(uri(file('plain.pvk'))) ?? []);
    expect(after).toContain('import "lab.pvk";');
    expect(after).toContain('    abi lab;\n    domain d0');
    client.change(file('plain.pvk'), after, ++version);
    await client.diagnosticsFor(file('guest.pvk'), (p) => !codes(p.diagnostics).includes('PVK040'));
    expect(errors(client.lastDiagnostics(file('plain.pvk'))?.diagnostics ?? [])).toEqual([]);
  });

  it('PVK041 on a taken number: use the lowest free one; the error goes away', async () => {
    const text = LAB().replace('= 65 dom0', '= 18 dom0');
    const ds = await editLab(text);
    const d = ds.find((x) => x.code === 'PVK041') as Diagnostic;
    expect(textIn(text, d.range)).toBe('18');
    const [action] = await actionsFor('lab.pvk', d);
    expect(action.title).toBe('Use the free hypercall number 65');
    const after = applyEdits(text, editsByUri(action.edit as WorkspaceEdit).get(uri(file('lab.pvk'))) ?? []);
    expect(after).toBe(LAB());
    const again = await editLab(after);
    expect(codes(again)).not.toContain('PVK041');
  });
});
