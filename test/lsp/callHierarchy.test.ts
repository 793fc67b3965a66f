/**
 * Call hierarchy (test/fixtures/lsp/nav) over functions, pvops and
 * hypercalls across files and kernels: a caller calls an op, the op calls
 * its impls, and a hypercall's callers are listed once per kernel that makes
 * it, with the systems booting that kernel in their detail.
 */
import * as path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, Range } from 'vscode-languageserver';
import { SymbolKind } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pos, rangeOf, read, textIn, uri } from './helpers';
import { ROOT } from './lspClient';
import { NavFixture } from './navFixture';

const nav = new NavFixture();
const ABI = path.join(ROOT, 'dist/abi/xen.pvk');

beforeAll(() => nav.start(['guest.pvk', 'lib.pvk']));
afterAll(() => nav.stop());

async function prepare(params: ReturnType<NavFixture['at']>): Promise<CallHierarchyItem> {
  const items = await nav.client.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', params);
  expect(items, `an item at ${JSON.stringify(params.position)}`).toHaveLength(1);
  return (items as CallHierarchyItem[])[0];
}

const incoming = (item: CallHierarchyItem): Promise<CallHierarchyIncomingCall[]> => nav.client.request('callHierarchy/incomingCalls', { item });
const outgoing = (item: CallHierarchyItem): Promise<CallHierarchyOutgoingCall[]> => nav.client.request('callHierarchy/outgoingCalls', { item });

/** The range of the identifier that starts the first match of `needle`. */
function leadingName(text: string, needle: string): Range {
  const start = pos(text, needle);
  return { start, end: { line: start.line, character: start.character + (/^\w+/.exec(needle)?.[0].length ?? 0) } };
}

/** "name @ file" for an item, as the tree shows it. */
const where = (i: CallHierarchyItem): string => `${i.name} @ ${path.basename(i.uri)}`;

describe('call hierarchy', () => {
  it('is advertised', () => {
    expect(nav.client.initializeResult?.capabilities.callHierarchyProvider).toBe(true);
  });

  it('prepare on a call: the function, its whole declaration and its name', async () => {
    const item = await prepare(nav.at('guest.pvk', 'flush_all(frame', 2));
    const guest = nav.text('guest.pvk');
    expect(item).toMatchObject({ name: 'flush_all', kind: SymbolKind.Function, uri: nav.uri('guest.pvk'), detail: 'guest.pvk' });
    expect(item.selectionRange).toEqual(rangeOf(guest, 'flush_all'));
    expect(textIn(guest, item.range)).toMatch(/^fn flush_all\(base: u32, count: u32\) \{[\s\S]*flushes \+= 1;\n {4}\}\n\}$/);
  });

  it('a function called from two kernels: incoming from both mains, each call site in its file', async () => {
    const calls = await incoming(await prepare(nav.at('lib.pvk', 'fn log', 'fn l'.length)));
    expect(calls.map((c) => where(c.from)).sort()).toEqual(['main @ dom0.pvk', 'main @ guest.pvk']);
    for (const c of calls) {
      const name = path.basename(c.from.uri);
      expect(c.fromRanges).toEqual([leadingName(nav.text(name), 'log(6')]);
    }
  });

  it('outgoing from main: functions, the ops it calls (not their impls) in call order', async () => {
    const calls = await outgoing(await prepare(nav.at('guest.pvk', 'fn main', 'fn m'.length)));
    expect(calls.map((c) => where(c.to))).toEqual(['cpu.irq_disable @ cpu.pvk', 'mmu.map @ mmu.pvk', 'flush_all @ guest.pvk', 'log @ lib.pvk', 'cpu.irq_enable @ cpu.pvk']);
    const guest = nav.text('guest.pvk');
    expect(calls[0].fromRanges).toEqual([rangeOf(guest, 'cpu.irq_disable')]);
    expect(calls[0].to).toMatchObject({ kind: SymbolKind.Interface, detail: 'pvop · native, xen impls' });
    expect(calls[0].to.selectionRange).toEqual(rangeOf(nav.text('cpu.pvk'), 'irq_disable'));
  });

  it('an op calls its impls in the other files, labelled with the domains that bind each', async () => {
    const op = await prepare(nav.at('guest.pvk', 'mmu.flush', 'mmu.f'.length));
    expect(where(op)).toBe('mmu.flush @ mmu.pvk');
    const calls = await outgoing(op);
    expect(calls.map((c) => [where(c.to), c.to.detail])).toEqual([
      ['mmu.flush [native] @ mmu_native.pvk', 'impl mmu for native · bound by host: db; metal: solo'],
      ['mmu.flush [xen] @ mmu_xen.pvk', 'impl mmu for xen · bound by host: web'],
    ]);
    for (const c of calls) expect(c.fromRanges).toEqual([op.selectionRange]);
    // and the op's callers
    const callers = await incoming(op);
    expect(callers.map((c) => where(c.from))).toEqual(['flush_all @ guest.pvk']);
    expect(callers[0].fromRanges).toEqual([rangeOf(nav.text('guest.pvk'), 'mmu.flush')]);
  });

  it('an impl function is called through its op, and calls its hypercall', async () => {
    const impl = await prepare(nav.at('mmu_xen.pvk', 'fn flush', 'fn f'.length));
    expect(impl).toMatchObject({ name: 'mmu.flush [xen]', kind: SymbolKind.Method });
    const callers = await incoming(impl);
    expect(callers.map((c) => where(c.from))).toEqual(['mmu.flush @ mmu.pvk']);
    const callees = await outgoing(impl);
    expect(callees.map((c) => [c.to.name, c.to.uri, c.to.detail])).toEqual([['sched_op', uri(ABI), 'hypercall #29 · stable']]);
    expect(textIn(read(ABI), callees[0].to.range)).toMatch(/^hypercall sched_op\(cmd: u32, arg: u32\) -> i32 = 29 .*;$/);
  });

  it("a hypercall's callers: every kernel that makes it, grouped by the systems booting it, then kernels no system boots", async () => {
    const item = await prepare(nav.at('lib.pvk', 'console_io', 2));
    expect(item).toMatchObject({ name: 'console_io', uri: uri(ABI), detail: 'hypercall #18 · stable' });
    const calls = await incoming(item);
    expect(calls.map((c) => [where(c.from), c.from.detail])).toEqual([
      ['log @ lib.pvk', 'system host: dom0 (dom0.pvk)'],
      ['log @ lib.pvk', 'system host: web, db (guest.pvk)'],
      ['log @ lib.pvk', 'system metal: solo (guest.pvk)'],
      ['main @ spare.pvk', 'spare.pvk · booted by no system'],
    ]);
    expect(calls[0].fromRanges).toEqual([rangeOf(nav.text('lib.pvk'), 'console_io')]);
    expect(await outgoing(item)).toEqual([]);
  });

  it('a dom0-only hypercall made twice by one function: one caller, both call sites', async () => {
    const calls = await incoming(await prepare(nav.at('dom0.pvk', 'domctl', 1)));
    expect(calls.map((c) => [where(c.from), c.from.detail])).toEqual([['main @ dom0.pvk', 'system host: dom0 (dom0.pvk)']]);
    expect(calls[0].fromRanges).toEqual([rangeOf(nav.text('dom0.pvk'), 'domctl', 0), rangeOf(nav.text('dom0.pvk'), 'domctl', 1)]);
  });

  it('on a local, a keyword or a global: no item; an item whose function is gone: no calls', async () => {
    for (const at of [nav.at('guest.pvk', 'let frame', 'let f'.length), nav.at('guest.pvk', 'return flushes', 2), nav.at('guest.pvk', 'flushes += 1', 2)]) {
      const items = await nav.client.request<CallHierarchyItem[] | null>('textDocument/prepareCallHierarchy', at);
      expect(items ?? []).toEqual([]);
    }
    const item = await prepare(nav.at('guest.pvk', 'flush_all(frame', 2));
    const gone = { ...item, data: { t: 'fn', name: 'no_such_fn' } };
    expect(await incoming(gone)).toEqual([]);
    expect(await outgoing({ ...item, data: 42 })).toEqual([]);
    expect(await outgoing({ ...item, uri: nav.uri('nowhere.pvk') })).toEqual([]);
  });
});
