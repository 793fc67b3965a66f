/**
 * The quick fixes (test/fixtures/lsp/fixes): the code action for the
 * diagnostic is requested, its WorkspaceEdit applied to the text here, the
 * text sent back with didChange, and the server's re-check must drop the
 * diagnostic and report no errors. PVK012/020/021 kernels are booted as pv
 * domUs on hypervisor 4.1 (system.pvk); tool.pvk as a pv dom0 and an hvm
 * domU (mixed.pvk); the others are checked without context.
 */
import * as path from 'node:path';
import type { CodeAction, Command, Diagnostic } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, codes, copyFixture, editsByUri, errors, LspClient, messageText, read, removeDir, settle, uri } from './helpers';

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

/** Per file: the text as the server has it and its version. */
const current = new Map<string, { text: string; version: number }>();

/** The quick fixes the server offers for the diagnostic of `code` whose message contains `about`. */
async function fixesFor(name: string, code: string, about = ''): Promise<{ file: string; text: string; diagnostic: Diagnostic; fixes: CodeAction[] }> {
  const file = path.join(dir, name);
  if (!current.has(file)) {
    const text = read(file);
    client.open(file, text);
    current.set(file, { text, version: 1 });
  }
  const published = await client.diagnosticsFor(file, (p) => p.diagnostics.some((d) => d.code === code && messageText(d).includes(about)));
  const diagnostic = published.diagnostics.find((d) => d.code === code && messageText(d).includes(about)) as Diagnostic;
  const actions = await client.request<(CodeAction | Command)[]>('textDocument/codeAction', {
    textDocument: { uri: uri(file) },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic], only: ['quickfix'] },
  });
  const fixes = actions.filter((a): a is CodeAction => 'edit' in a && a.edit !== undefined);
  for (const f of fixes) {
    expect(f.kind).toBe('quickfix');
    expect(f.diagnostics?.map((d) => d.code)).toEqual([code]);
  }
  return { file, text: (current.get(file) as { text: string }).text, diagnostic, fixes };
}

/** Applies a fix to the file (its only target), sends the text, waits for the re-check; returns the new text and diagnostics. */
async function apply(file: string, fix: CodeAction): Promise<{ after: string; diagnostics: Diagnostic[] }> {
  const byUri = editsByUri(fix.edit as NonNullable<CodeAction['edit']>);
  expect([...byUri.keys()], fix.title).toEqual([uri(file)]);
  const { text, version } = current.get(file) as { text: string; version: number };
  const after = applyEdits(text, byUri.get(uri(file)) ?? []);
  expect(after).not.toBe(text);
  client.change(file, after, version + 1);
  current.set(file, { text: after, version: version + 1 });
  await settle(client);
  return { after, diagnostics: client.lastDiagnostics(file)?.diagnostics ?? [] };
}

/** Puts a fixture file back to its text on disk (after a test applied a fix). */
async function restore(name: string): Promise<void> {
  const file = path.join(dir, name);
  const { version } = current.get(file) as { text: string; version: number };
  const text = read(file);
  client.change(file, text, version + 1);
  current.set(file, { text, version: version + 1 });
  await settle(client);
}

const titles = (fixes: CodeAction[]): string[] => fixes.map((f) => f.title);
const line = (text: string, n: number): string => text.split('\n')[n];

describe('PVK005: the hex form or the other integer type', () => {
  it('a negative literal for a u32: its hex form, or the declaration made i32', async () => {
    const { file, fixes } = await fixesFor('literal.pvk', 'PVK005', '-1 does not fit in u32');
    expect(titles(fixes)).toEqual(['Write -1 as 0xFFFFFFFF (the same 32 bits as a u32)', "Declare 'mask' as i32"]);
    expect(fixes[0].isPreferred).toBe(true);
    const hex = await apply(file, fixes[0]);
    expect(line(hex.after, 2)).toBe('    let mask: u32 = 0xFFFFFFFF;');
    expect(hex.diagnostics.filter((d) => messageText(d).includes('-1 does not fit'))).toEqual([]);
    await restore('literal.pvk');
    const again = await fixesFor('literal.pvk', 'PVK005', '-1 does not fit in u32');
    const typed = await apply(file, again.fixes[1]);
    expect(line(typed.after, 2)).toBe('    let mask: i32 = -1;');
    expect(typed.diagnostics.filter((d) => messageText(d).includes('-1 does not fit'))).toEqual([]);
    await restore('literal.pvk');
  });

  it('a literal above 0x7FFFFFFF for an i32: the declaration made u32, or the same bits as i32', async () => {
    const { file, fixes } = await fixesFor('literal.pvk', 'PVK005', 'does not fit in i32');
    expect(titles(fixes)).toEqual(["Declare 'big' as u32", 'Write 0xFFFFFFFF as i32 (the same 32 bits, read signed: -1)']);
    const cast = await apply(file, fixes[1]);
    expect(line(cast.after, 3)).toBe('    let big: i32 = 0xFFFFFFFF as i32;');
    expect(cast.diagnostics.filter((d) => messageText(d).includes('does not fit in i32'))).toEqual([]);
    await restore('literal.pvk');
    const again = await fixesFor('literal.pvk', 'PVK005', 'does not fit in i32');
    const typed = await apply(file, again.fixes[0]);
    expect(line(typed.after, 3)).toBe('    let big: u32 = 0xFFFFFFFF;');
    expect(typed.diagnostics.filter((d) => messageText(d).includes('does not fit in i32'))).toEqual([]);
    await restore('literal.pvk');
  });
});

describe('PVK002 and PVK010: each suggested name', () => {
  it('an unknown name: one fix per name the message suggests, each checks clean', async () => {
    const { file, fixes } = await fixesFor('names.pvk', 'PVK002', "unknown name 'sum'");
    expect(titles(fixes)).toEqual(["Change 'sum' to 'sums'", "Change 'sum' to 'sun'"]);
    for (const [i, want] of ['sums', 'sun'].entries()) {
      const { fixes: again } = await fixesFor('names.pvk', 'PVK002', "unknown name 'sum'");
      const { after, diagnostics } = await apply(file, again[i]);
      expect(line(after, 4)).toBe(`    let total = ${want} + 1;`);
      expect(codes(diagnostics)).not.toContain('PVK002');
      await restore('names.pvk');
    }
  });

  it('an unknown hypercall: the suggested one', async () => {
    const { file, fixes } = await fixesFor('names.pvk', 'PVK010');
    expect(titles(fixes)).toEqual(["Change 'xen_verson' to 'xen_version'"]);
    expect(fixes[0].isPreferred).toBe(true);
    const { after, diagnostics } = await apply(file, fixes[0]);
    expect(line(after, 5)).toBe('    let v = hypercall xen_version(0);');
    expect(codes(diagnostics)).not.toContain('PVK010');
    await restore('names.pvk');
  });
});

describe('PVK004: pad or drop arguments', () => {
  it.each([
    ['add() takes 2 arguments, but 1 was given', 'Pad with 0 for the missing argument', 5, '    let x = add(1, 0);'],
    ['add() takes 2 arguments, but 3 were given', 'Drop the extra argument', 6, '    let y = add(1, 2);'],
    ['flag() takes 2 arguments, but 0 were given', 'Pad with false, 0 for the missing arguments', 7, '    let z = flag(false, 0);'],
    ['hypercall xen_version takes 1 argument', 'Pad with 0 for the missing argument', 8, '    let v = hypercall xen_version(0);'],
  ])('%s: "%s"', async (about, title, n, fixed) => {
    const { file, fixes } = await fixesFor('args.pvk', 'PVK004', about);
    expect(titles(fixes)).toEqual([title]);
    const { after, diagnostics } = await apply(file, fixes[0]);
    expect(line(after, n)).toBe(fixed);
    expect(diagnostics.filter((d) => messageText(d).includes(about))).toEqual([]);
    await restore('args.pvk');
  });
});

describe('PVK022: impls that match their pvops table', () => {
  it('adds stubs for the missing ops, with their declared signatures', async () => {
    const { file, fixes } = await fixesFor('stubs.pvk', 'PVK022');
    expect(titles(fixes)).toEqual(['Add stubs for set, ready']);
    const { after, diagnostics } = await apply(file, fixes[0]);
    expect(after).toContain('impl clock for native {\n    fn now() -> u32 { return rdtsc(); }\n    fn set(v: u32) { }\n    fn ready() -> bool { return false; }\n}');
    expect(diagnostics).toEqual([]);
  });

  it('gives an impl fn the declared signature', async () => {
    const { file, fixes } = await fixesFor('sigs.pvk', 'PVK022', "'arm' changes the signature");
    expect(titles(fixes)).toEqual(['Change to the declared signature arm(deadline: u32) -> i32']);
    const { after, diagnostics } = await apply(file, fixes[0]);
    expect(line(after, 12)).toBe('    fn arm(deadline: u32) -> i32 { }');
    expect(diagnostics.filter((d) => d.code === 'PVK022' && messageText(d).includes("'arm'"))).toEqual([]);
    expect(errors(diagnostics).map((d) => messageText(d))).toEqual(['impl timer for xen misses op ready', "pvops timer has no op 'redy'; declare it in the pvops table or remove it; did you mean 'ready'?"]);
    await restore('sigs.pvk');
  });

  it('renames an undeclared op to the suggested one (which also ends "misses op"), or removes it', async () => {
    const { file, fixes } = await fixesFor('sigs.pvk', 'PVK022', "no op 'redy'");
    expect(titles(fixes)).toEqual(["Change 'redy' to 'ready'", 'Remove fn redy from impl timer for xen', 'Declare op redy in pvops timer']);
    const renamed = await apply(file, fixes[0]);
    expect(line(renamed.after, 13)).toBe('    fn ready() -> bool { return false; }');
    expect(renamed.diagnostics.filter((d) => /redy|misses op ready/.test(messageText(d)))).toEqual([]);
    await restore('sigs.pvk');
    const again = await fixesFor('sigs.pvk', 'PVK022', "no op 'redy'");
    const removed = await apply(file, again.fixes[1]);
    expect(removed.after).not.toContain('redy');
    expect(line(removed.after, 13)).toBe('}');
    await restore('sigs.pvk');
  });
});

describe('PVK011: a toolstack hypercall that some domain makes unprivileged', () => {
  it('checks a kept result against -EPERM (the call stays, so does the warning)', async () => {
    const { file, fixes } = await fixesFor('tool.pvk', 'PVK011');
    expect(titles(fixes)).toEqual(['Check the result of domctl against -EPERM', 'Move domctl behind a new pvop status_domctl.call (xen impl makes it, native returns -EPERM)']);
    const { after, diagnostics } = await apply(file, fixes[0]);
    expect(after.split('\n').slice(2, 6)).toEqual(['    let info = hypercall domctl(5, domid, 0);', '    if (info == -1) {', '        print("domctl: not allowed in an unprivileged domain (-EPERM)");', '    }']);
    expect(errors(diagnostics)).toEqual([]);
    await restore('tool.pvk');
  });

  it('moves the call behind a new pvop where every unprivileged domain binds the native impl: the warning goes', async () => {
    const { file, fixes } = await fixesFor('tool.pvk', 'PVK011');
    const { after, diagnostics } = await apply(file, fixes[1]);
    expect(line(after, 2)).toBe('    let info = status_domctl.call(5, domid, 0);');
    expect(after).toContain('impl status_domctl for native {\n    fn call(cmd: u32, domid: u32, arg: u32) -> i32 {\n        return -1;\n    }\n}');
    expect(after).toContain('impl status_domctl for xen {\n    fn call(cmd: u32, domid: u32, arg: u32) -> i32 {\n        return hypercall domctl(cmd, domid, arg);\n    }\n}');
    // the other call (in main) is still there; this one is gone
    expect(diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['PVK011', after.split('\n').findIndex((l) => l.includes('hypercall domctl(4, 1, 0)'))]]);
    await restore('tool.pvk');
  });

  it('a bare call statement is wrapped in the check', async () => {
    const { file, fixes } = await fixesFor('tool.pvk', 'PVK011', '');
    const text = current.get(file)?.text as string;
    const main = await client.request<(CodeAction | Command)[]>('textDocument/codeAction', {
      textDocument: { uri: uri(file) },
      range: (await client.diagnosticsFor(file)).diagnostics[1].range,
      context: { diagnostics: [(await client.diagnosticsFor(file)).diagnostics[1]], only: ['quickfix'] },
    });
    expect(fixes.length).toBeGreaterThan(0);
    const check = main.find((a): a is CodeAction => a.title === 'Check the result of domctl against -EPERM') as CodeAction;
    const { after } = await apply(file, check);
    expect(after).toContain('    if (hypercall domctl(4, 1, 0) == -1) {\n        print("domctl: not allowed in an unprivileged domain (-EPERM)");\n    }');
    expect(text).not.toBe(after);
    await restore('tool.pvk');
  });
});
