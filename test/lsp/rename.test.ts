/**
 * References and rename across files (test/fixtures/lsp/context): `helper`
 * is declared in util.pvk, called twice there and once in kernel.pvk.
 */
import * as path from 'node:path';
import type { Location, Range, WorkspaceEdit } from 'vscode-languageserver';
import { ResponseError } from 'vscode-jsonrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, copyFixture, editsByUri, errors, LspClient, offsetAt, pos, read, removeDir, settle, uri } from './helpers';

let dir: string;
let client: LspClient;
let kernel: string;
let util: string;
const texts = new Map<string, string>();
const versions = new Map<string, number>();

beforeAll(async () => {
  dir = copyFixture('context');
  kernel = path.join(dir, 'kernel.pvk');
  util = path.join(dir, 'util.pvk');
  client = new LspClient();
  await client.start(dir);
  for (const f of [kernel, util]) {
    texts.set(f, read(f));
    versions.set(f, 1);
    client.open(f, read(f));
  }
  await client.diagnosticsFor(kernel, (p) => p.diagnostics.length > 0);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

/** Offsets of every whole-word occurrence of `word`. */
function wordOffsets(text: string, word: string): number[] {
  return [...text.matchAll(new RegExp(`\\b${word}\\b`, 'g'))].map((m) => m.index as number);
}

const startOffsets = (text: string, ranges: Range[]): number[] => ranges.map((r) => offsetAt(text, r.start)).sort((a, b) => a - b);

describe('references', () => {
  it('of a function, from a use in another file: every occurrence in both files', async () => {
    const k = texts.get(kernel) as string;
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(kernel) }, position: pos(k, 'helper(before)', 2), context: { includeDeclaration: true } });
    const inUtil = refs.filter((r) => r.uri === uri(util));
    const inKernel = refs.filter((r) => r.uri === uri(kernel));
    expect(inUtil.length + inKernel.length).toBe(refs.length);
    expect(startOffsets(texts.get(util) as string, inUtil.map((r) => r.range))).toEqual(wordOffsets(texts.get(util) as string, 'helper'));
    expect(startOffsets(k, inKernel.map((r) => r.range))).toEqual(wordOffsets(k, 'helper'));
    expect(refs).toHaveLength(4); // declaration + 2 calls in util + 1 call in kernel
  });

  it('without the declaration', async () => {
    const u = texts.get(util) as string;
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(util) }, position: pos(u, 'fn helper(', 4), context: { includeDeclaration: false } });
    expect(refs).toHaveLength(3);
    expect(refs.some((r) => r.uri === uri(util) && r.range.start.line === pos(u, 'fn helper(').line)).toBe(false);
  });

  it('of a pvop: the call sites and the op, across files', async () => {
    const k = texts.get(kernel) as string;
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(kernel) }, position: pos(k, 'cpu.irq_disable', 5), context: { includeDeclaration: true } });
    expect(refs.filter((r) => r.uri === uri(kernel))).toHaveLength(1);
    expect(refs.filter((r) => r.uri === uri(path.join(dir, 'cpu.pvk'))).length).toBeGreaterThanOrEqual(1);
  });

  it('of a local: only inside its function', async () => {
    const k = texts.get(kernel) as string;
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(kernel) }, position: pos(k, 'let before', 5), context: { includeDeclaration: true } });
    expect(startOffsets(k, refs.map((r) => r.range))).toEqual(wordOffsets(k, 'before'));
  });
});

describe('rename', () => {
  it('to a keyword is refused with an error response', async () => {
    const k = texts.get(kernel) as string;
    for (const bad of ['while', 'pvops', 'u32', '2fast', 'has space', 'cli']) {
      const err = await client
        .request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: uri(kernel) }, position: pos(k, 'helper(before)', 2), newName: bad })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err, `rename to '${bad}'`).toBeInstanceOf(ResponseError);
      expect((err as ResponseError<unknown>).message.length).toBeGreaterThan(0);
    }
  });

  it('prepareRename: the name under the cursor, and null on a hypercall, a keyword or an intrinsic', async () => {
    const k = texts.get(kernel) as string;
    const ok = await client.request<{ range: Range; placeholder: string } | null>('textDocument/prepareRename', { textDocument: { uri: uri(kernel) }, position: pos(k, 'helper(before)', 2) });
    expect(ok?.placeholder).toBe('helper');
    for (const p of [pos(k, 'domctl', 1), pos(k, 'return after', 1), pos(k, 'outb', 1)]) {
      const none = await client.request<unknown>('textDocument/prepareRename', { textDocument: { uri: uri(kernel) }, position: p });
      expect(none).toBeNull();
    }
  });

  it('a function used in two files: the edit changes every occurrence, and re-checks without new errors', async () => {
    const k = texts.get(kernel) as string;
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: uri(kernel) }, position: pos(k, 'helper(before)', 2), newName: 'assist' });
    const byUri = editsByUri(edit);
    expect([...byUri.keys()].sort()).toEqual([uri(kernel), uri(util)].sort());
    for (const f of [kernel, util]) {
      const before = texts.get(f) as string;
      const edits = byUri.get(f === kernel ? uri(kernel) : uri(util)) ?? [];
      // exactly the whole-word occurrences, each covering the old name
      expect(startOffsets(before, edits.map((e) => e.range))).toEqual(wordOffsets(before, 'helper'));
      for (const e of edits) {
        expect(before.slice(offsetAt(before, e.range.start), offsetAt(before, e.range.end))).toBe('helper');
        expect(e.newText).toBe('assist');
      }
      const after = applyEdits(before, edits);
      expect(wordOffsets(after, 'helper')).toEqual([]);
      if (f === util) expect(after).toContain('fn helper_twice'); // a longer name is left alone
      texts.set(f, after);
      const v = (versions.get(f) as number) + 1;
      versions.set(f, v);
      client.change(f, after, v);
    }
    await settle(client);
    for (const f of [kernel, util, path.join(dir, 'cpu.pvk'), path.join(dir, 'system.pvk')]) {
      expect(errors(client.lastDiagnostics(f)?.diagnostics ?? []), f).toEqual([]);
    }
    // the kernel keeps exactly its context warnings, nothing new
    expect((client.lastDiagnostics(kernel)?.diagnostics ?? []).map((d) => d.code).sort()).toEqual(['PVK011', 'PVK012', 'PVK021']);
    // and the new name resolves across the import
    const k2 = texts.get(kernel) as string;
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: uri(kernel) }, position: pos(k2, 'assist(before)', 2), context: { includeDeclaration: true } });
    expect(refs).toHaveLength(4);
  });

  it('a local: only inside its function, and the result still checks', async () => {
    const k = texts.get(kernel) as string;
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: uri(kernel) }, position: pos(k, 'let before', 5), newName: 'start' });
    const byUri = editsByUri(edit);
    expect([...byUri.keys()]).toEqual([uri(kernel)]);
    const after = applyEdits(k, byUri.get(uri(kernel)) ?? []);
    expect(after).toContain('let start: u32 = 1;');
    expect(after).toContain('assist(start)');
    client.change(kernel, after, (versions.get(kernel) as number) + 1);
    versions.set(kernel, (versions.get(kernel) as number) + 1);
    texts.set(kernel, after);
    await settle(client);
    expect(errors(client.lastDiagnostics(kernel)?.diagnostics ?? [])).toEqual([]);
  });

  /** Renames at `position` of `file`, applies the edit to every file it touches (opening them), re-checks. */
  async function renameAndRecheck(file: string, needle: string, delta: number, newName: string): Promise<Map<string, string>> {
    const text = texts.get(file) as string;
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: uri(file) }, position: pos(text, needle, delta), newName });
    const out = new Map<string, string>();
    for (const [u, edits] of editsByUri(edit)) {
      const f = [...texts.keys(), path.join(dir, 'cpu.pvk')].find((x) => uri(x) === u) as string;
      expect(f, u).toBeDefined();
      const before = texts.get(f) ?? read(f);
      const after = applyEdits(before, edits);
      out.set(f, after);
      if (!texts.has(f)) {
        client.open(f, after);
        versions.set(f, 1);
      } else {
        const v = (versions.get(f) as number) + 1;
        versions.set(f, v);
        client.change(f, after, v);
      }
      texts.set(f, after);
    }
    await settle(client);
    for (const f of [kernel, util, path.join(dir, 'cpu.pvk'), path.join(dir, 'system.pvk')]) {
      expect(errors(client.lastDiagnostics(f)?.diagnostics ?? []), `${f} after renaming to ${newName}`).toEqual([]);
    }
    return out;
  }

  it('a pvop, from a call site: the op, both impls and every call site change, and the impls still match', async () => {
    const cpu = path.join(dir, 'cpu.pvk');
    const changed = await renameAndRecheck(kernel, 'cpu.irq_disable', 5, 'irq_off');
    const cpuText = changed.get(cpu) as string;
    expect(cpuText).toContain('fn irq_off();');
    expect(cpuText.match(/fn irq_off\(\) \{/g)).toHaveLength(2); // native and xen impls
    expect(cpuText).not.toMatch(/\birq_disable\b/);
    expect(changed.get(kernel)).toContain('cpu.irq_off();');
  });

  it('a pvops table: the table, its impls and every qualified call change', async () => {
    const cpu = path.join(dir, 'cpu.pvk');
    const changed = await renameAndRecheck(kernel, 'cpu.irq_enable', 1, 'arch');
    const cpuText = changed.get(cpu) as string;
    expect(cpuText).toContain('pvops arch {');
    expect(cpuText).toContain('impl arch for native {');
    expect(cpuText).toContain('impl arch for xen {');
    expect(changed.get(kernel)).toContain('arch.irq_off();');
    expect(changed.get(kernel)).toContain('arch.irq_enable();');
    expect(changed.get(kernel)).not.toMatch(/\bcpu\.\w+\(/);
    expect(changed.get(kernel)).toContain('import "cpu.pvk";'); // a file name is not the table
  });
});
