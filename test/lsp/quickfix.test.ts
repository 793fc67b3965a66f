/**
 * The three quick fixes (test/fixtures/lsp/fixes, every kernel booted as a
 * pv domU on hypervisor 4.1): the code action for the diagnostic is
 * requested, its WorkspaceEdit applied to the text here, the text sent back
 * with didChange, and the server's re-check must drop the diagnostic and
 * report no errors.
 */
import * as path from 'node:path';
import type { CodeAction, Command, Diagnostic } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, codes, copyFixture, editsByUri, errors, LspClient, read, removeDir, uri } from './helpers';

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = copyFixture('fixes');
  client = new LspClient();
  await client.start(dir);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

/**
 * Opens `name` (with `text`, or its fixture text), asks for the fix of its
 * `code` diagnostic, applies it and waits for the re-check. Returns the new
 * text and its diagnostics.
 */
async function fix(name: string, code: string, version: number, text?: string): Promise<{ before: string; after: string; diagnostics: Diagnostic[]; action: CodeAction }> {
  const file = path.join(dir, name);
  const before = text ?? read(file);
  if (text === undefined) client.open(file, before);
  else client.change(file, before, version - 1);
  const published = await client.diagnosticsFor(file, (p) => codes(p.diagnostics).includes(code) && (text === undefined || p.diagnostics.every((d) => d.range.end.line < before.split('\n').length)));
  const diagnostic = published.diagnostics.find((d) => d.code === code) as Diagnostic;
  expect(errors(published.diagnostics)).toEqual([]);

  const actions = await client.request<(CodeAction | Command)[]>('textDocument/codeAction', {
    textDocument: { uri: uri(file) },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic], only: ['quickfix'] },
  });
  const fixes = actions.filter((a): a is CodeAction => 'edit' in a && a.edit !== undefined);
  expect(fixes.length, `quick fixes for ${code}: ${JSON.stringify(actions)}`).toBeGreaterThanOrEqual(1);
  const action = fixes[0];
  expect(action.kind).toBe('quickfix');
  expect(action.diagnostics?.map((d) => d.code)).toEqual([code]);

  const byUri = editsByUri(action.edit as NonNullable<CodeAction['edit']>);
  expect([...byUri.keys()]).toEqual([uri(file)]);
  const after = applyEdits(before, byUri.get(uri(file)) ?? []);
  expect(after).not.toBe(before);
  client.change(file, after, version);
  const recheck = await client.diagnosticsFor(file, (p) => !codes(p.diagnostics).includes(code));
  return { before, after, diagnostics: recheck.diagnostics, action };
}

describe('quick fixes, applied and re-checked', () => {
  it('PVK020: the platform conditional moves into a new pvop with native and xen impls', async () => {
    const { after, diagnostics, action } = await fix('platform.pvk', 'PVK020', 2);
    expect(action.title).toMatch(/pvop/);
    expect(diagnostics).toEqual([]);
    // the if is gone from the function, which now calls the new op with the local it read
    expect(after).not.toMatch(/if \(xen_domain\(\)\)/);
    expect(after).toMatch(/pvops \w+ \{/);
    expect(after).toMatch(/impl \w+ for native \{/);
    expect(after).toMatch(/impl \w+ for xen \{/);
    const call = /\n\s*(\w+)\.(\w+)\(twice\);/.exec(after);
    expect(call, after).not.toBeNull();
    // the branches went to the right impls
    const xenImpl = after.slice(after.indexOf('for xen'));
    const nativeImpl = after.slice(after.indexOf('for native'), after.indexOf('for xen'));
    expect(xenImpl).toContain('print("xen ", twice);');
    expect(nativeImpl).toContain('mem32[0] = twice;');
  });

  it('PVK020 with a negated condition and no else: the then-branch is the native impl', async () => {
    const text = read(path.join(dir, 'platform.pvk')).replace(/if \(xen_domain\(\)\) \{[\s\S]*?\n    \}\n/, 'if (!xen_domain()) {\n        mem32[0] = twice;\n    }\n');
    expect(text).toContain('if (!xen_domain())');
    const { after, diagnostics } = await fix('platform.pvk', 'PVK020', 4, text);
    expect(diagnostics).toEqual([]);
    const nativeImpl = after.slice(after.indexOf('for native'), after.indexOf('for xen'));
    expect(nativeImpl).toContain('mem32[0] = twice;');
    expect(after).not.toContain('xen_domain()');
  });

  it('PVK012: the bare newer hypercall gets its result checked against -ENOSYS', async () => {
    const { after, diagnostics, action } = await fix('newer.pvk', 'PVK012', 2);
    expect(action.title).toMatch(/ENOSYS/);
    expect(errors(diagnostics)).toEqual([]);
    expect(diagnostics).toEqual([]);
    expect(after).toMatch(/if \(hypercall set_pat\(1\) == -38\) \{/);
  });

  it('PVK021: the privileged instruction is called through the existing pvop that wraps it', async () => {
    const { after, diagnostics, action } = await fix('trap.pvk', 'PVK021', 2);
    expect(action.title).toContain('io.port_out');
    expect(diagnostics).toEqual([]);
    expect(after).toContain('    io.port_out(0x3f8, c);\n');
    expect(after).not.toMatch(/\boutb\(/);
  });

  it('PVK021 inside the xen impl of the very pvop that wraps the instruction: no fix that calls the op from itself', async () => {
    // lazy.pvk: `impl lio for xen { fn port_out(port, v) { outb(port, v); } }`, booted pv.
    // Replacing that outb by lio.port_out(port, v) makes the xen impl call itself:
    // it checks clean but every call crashes the domain with stack-overflow.
    const file = path.join(dir, 'lazy.pvk');
    const text = read(file);
    client.open(file, text);
    const published = await client.diagnosticsFor(file, (p) => codes(p.diagnostics).includes('PVK021'));
    const diagnostic = published.diagnostics.find((d) => d.code === 'PVK021') as Diagnostic;
    expect(text.split('\n')[diagnostic.range.start.line]).toContain('outb(port, v)');
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: uri(file) }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
    for (const a of actions) {
      const after = applyEdits(text, editsByUri(a.edit as NonNullable<CodeAction['edit']>).get(uri(file)) ?? []);
      const xenImpl = after.slice(after.indexOf('impl lio for xen'));
      expect(xenImpl, `fix "${a.title}" makes lio.port_out's xen impl call itself`).not.toContain('lio.port_out(');
    }
  });

  it('no quick fix is offered for a diagnostic without one', async () => {
    const file = path.join(dir, 'newer.pvk');
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: uri(file) },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      context: { diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: 'x', code: 'PVK003', severity: 1 }] },
    });
    expect(actions).toEqual([]);
  });
});
