/**
 * Inline performance hints over LSP against the built server: real profiles
 * from the profiler (profileSystem) of examples/paravirt and examples/tour,
 * copied to a temp dir, sent as `pvlab/profileLoaded`; then the inlay hints
 * and code lenses a user would see, before and after edits.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CodeLens, InlayHint } from 'vscode-languageserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskHost } from '../../sandbox/lang/fileHost';
import { Workspace } from '../../sandbox/lang/program';
import { profileSystem } from '../../sandbox/profile/profileSystem';
import type { Profile } from '../../sandbox/profile/types';
import { LspClient, pos, read, removeDir, uri } from './helpers';
import { ROOT } from './lspClient';

const INLAY_REFRESH = 'workspace/inlayHint/refresh';
const LENS_REFRESH = 'workspace/codeLens/refresh';

let dir: string;
let client: LspClient;
const para = (name: string): string => path.join(dir, 'paravirt', name);
const tour = (name: string): string => path.join(dir, 'tour', name);

/** A real profile: the profiler boots the system from disk, as Profile System does (the server gets it as JSON). */
function profileOf(systemFile: string, system: string): Profile {
  const r = profileSystem(new Workspace(diskHost), { file: systemFile, system, options: { maxCycles: 1_000_000_000 } });
  if (!r.ok) throw new Error(`cannot profile ${system}: ${r.message}`);
  return JSON.parse(JSON.stringify(r.profile)) as Profile;
}

const refreshCount = (method: string): number => client.refreshes.filter((m) => m === method).length;

/** Sends a profile and waits until the server has asked the client to refresh both kinds of hints. */
async function load(profile: Profile): Promise<void> {
  const inlay = refreshCount(INLAY_REFRESH);
  const lens = refreshCount(LENS_REFRESH);
  client.notify('pvlab/profileLoaded', { profile });
  await client.refreshed(INLAY_REFRESH, inlay + 1);
  await client.refreshed(LENS_REFRESH, lens + 1);
}

const hints = (file: string): Promise<InlayHint[]> =>
  client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: uri(file) }, range: { start: { line: 0, character: 0 }, end: { line: 10_000, character: 0 } } });
const lenses = (file: string): Promise<CodeLens[]> => client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file) } });
const label = (h: InlayHint): string => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
const labelsOn = (hs: InlayHint[], line: number): string[] => hs.filter((h) => h.position.line === line).map(label);
const perfTitles = (ls: CodeLens[]): string[] => ls.map((l) => l.command?.title ?? '').filter((t) => t.startsWith('⏱') || t.startsWith('⚠ Profile'));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-profile-'));
  cpSync(path.join(ROOT, 'examples/paravirt'), path.join(dir, 'paravirt'), { recursive: true });
  cpSync(path.join(ROOT, 'examples/tour'), path.join(dir, 'tour'), { recursive: true });
  client = new LspClient();
  await client.start(dir, { workspace: { inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } } });
  for (const f of ['kernel.pvk', 'cpu.pvk', 'paravirt.pvk']) client.open(para(f), read(para(f)));
  for (const f of ['dom0.pvk', 'ring.pvk', 'pong.pvk']) client.open(tour(f), read(tour(f)));
  await client.diagnosticsFor(para('kernel.pvk'));
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

describe('before any profile', () => {
  it('the server offers inlay hints and has none to show', async () => {
    expect(client.initializeResult?.capabilities.inlayHintProvider).toBeTruthy();
    expect(await hints(para('kernel.pvk'))).toEqual([]);
    expect(perfTitles(await lenses(para('kernel.pvk')))).toEqual([]);
  });

  it('a malformed profile is logged and ignored', async () => {
    client.notify('pvlab/profileLoaded', { profile: { version: 99 } });
    expect(await hints(para('kernel.pvk'))).toEqual([]);
    expect(client.logs.map((l) => l.message).join('\n')).toContain('pvlab/profileLoaded ignored: unsupported profile version 99');
    expect(client.alive).toBe(true);
  });
});

describe('paravirt booted as pv (unpatched pvops)', () => {
  beforeAll(async () => {
    await load(profileOf(para('paravirt.pvk'), 'pv'));
  });

  it('the trapping write_cr3 of the xen impl: traps ×1 · +1,000 cycles each', async () => {
    const text = read(para('cpu.pvk'));
    const line = pos(text, 'impl cpu for xen').line + 3;
    expect(text.split('\n')[line]).toContain('write_cr3(v)');
    const here = labelsOn(await hints(para('cpu.pvk')), line);
    expect(here).toContain('traps ×1 · +1,000 cycles each — use a hypercall in impl xen');
    // and it is a hot line of the domain: 1 statement + 200 native + 1,000 trap of 4,565
    expect(here.some((l) => /^⏱ 1,201 cycles · 26% of kernel$/.test(l)), here.join(' | ')).toBe(true);
    // the native impl's write_cr3 never ran in this system: no hint there
    expect(labelsOn(await hints(para('cpu.pvk')), pos(text, 'impl cpu for native').line + 3)).toEqual([]);
  });

  it('at each pvop call site: the indirect-call overhead and what patch_pvops would save', async () => {
    const text = read(para('kernel.pvk'));
    const hs = await hints(para('kernel.pvk'));
    expect(labelsOn(hs, pos(text, 'cpu.irq_disable();').line)).toContain('via ops table ×100 · +8 each · patch_pvops would save 300');
    expect(labelsOn(hs, pos(text, 'cpu.irq_enable();').line)).toContain('via ops table ×100 · +8 each · patch_pvops would save 300');
    expect(labelsOn(hs, pos(text, 'cpu.load_cr3(0x1000);').line)).toContain('via ops table ×1 · +8 each · patch_pvops would save 3');
    // the hint sits right after the call
    const h = hs.find((x) => label(x).startsWith('via ops table ×100') && x.position.line === pos(text, 'cpu.irq_disable();').line);
    expect(h?.position).toEqual(pos(text, 'cpu.irq_disable();', 'cpu.irq_disable()'.length));
  });

  it('the file lens sums it up: 201 pvop calls, patch_pvops would save 603', async () => {
    const titles = perfTitles(await lenses(para('kernel.pvk')));
    const file = titles.find((t) => t.startsWith('⏱ Profile of pv'));
    expect(file, titles.join('\n')).toBeDefined();
    expect(file).toContain("of kernel's 4,565 cycles");
    expect(file).toContain('201 pvop calls via the ops table: patch_pvops would save 603');
  });

  it('hot functions get a lens with their cycles, share and calls', async () => {
    const text = read(para('kernel.pvk'));
    const ls = await lenses(para('kernel.pvk'));
    const at = (needle: string): string[] => perfTitles(ls.filter((l) => l.range.start.line === pos(text, needle).line));
    expect(at('fn main()')[0]).toMatch(/^⏱ 4,565 cycles \(100% of kernel\) · self [\d,]+ · 1 call$/);
    expect(at('fn update(')[0]).toMatch(/^⏱ [\d,]+ cycles \(\d+% of kernel\) · self [\d,]+ · 100 calls$/);
  });

  it('a hot line shows its cycles and share of the domain', async () => {
    const text = read(para('kernel.pvk'));
    // statement 1 + pvop call 8, ×100: 900 of 4,565
    expect(labelsOn(await hints(para('kernel.pvk')), pos(text, 'cpu.irq_disable();').line)).toContain('⏱ 900 cycles · 20% of kernel');
  });
});

describe('after an edit the profile is stale', () => {
  it('the edited file loses its inlay hints, its lenses say stale and offer to re-run; other files keep theirs', async () => {
    const k = para('kernel.pvk');
    const text = read(k);
    client.change(k, `// an edit above everything\n${text}`, 2);
    expect(await hints(k)).toEqual([]);
    const ls = await lenses(k);
    const stale = ls.find((l) => l.command?.title.startsWith('⚠ Profile of pv is stale'));
    expect(stale?.command?.command).toBe('pvlab.profileSystem');
    expect(stale?.command?.arguments).toEqual([uri(para('paravirt.pvk')), 'pv']);
    // function lenses follow their function (found by name), marked stale
    const mainLine = pos(text, 'fn main()').line + 1;
    const mainLens = perfTitles(ls.filter((l) => l.range.start.line === mainLine));
    expect(mainLens).toHaveLength(1);
    expect(mainLens[0]).toMatch(/^⏱ 4,565 cycles \(100% of kernel\) .* · stale$/);
    expect(perfTitles(ls).filter((t) => t.startsWith('⏱')).every((t) => t.endsWith('· stale'))).toBe(true);
    // cpu.pvk did not change: its hints stand
    expect((await hints(para('cpu.pvk'))).map(label)).toContain('traps ×1 · +1,000 cycles each — use a hypercall in impl xen');
    // undo: the text is the profiled text again, and the hints are back
    client.change(k, text, 3);
    expect((await hints(k)).map(label)).toContain('via ops table ×100 · +8 each · patch_pvops would save 300');
    expect(perfTitles(await lenses(k)).some((t) => t.includes('stale'))).toBe(false);
  });
});

describe('the tour: three domains, hypercalls', () => {
  beforeAll(async () => {
    await load(profileOf(tour('tour.pvk'), 'tour'));
  });

  it('at the console_io site of pong: count and average cost (300 + 100 + 16 bytes)', async () => {
    const text = read(tour('pong.pvk'));
    const hs = await hints(tour('pong.pvk'));
    const line = pos(text, 'hypercall console_io').line;
    expect(labelsOn(hs, line)).toContain('×1 · avg 416 cycles');
    const h = hs.find((x) => x.position.line === line && label(x) === '×1 · avg 416 cycles');
    expect(String(h?.tooltip)).toContain('pong');
  });

  it('sched_op in a loop is not offered as a multicall (it cannot be batched)', async () => {
    const text = read(tour('ring.pvk'));
    const hs = await hints(tour('ring.pvk'));
    const line = pos(text, 'hypercall sched_op(SCHEDOP_block').line;
    const here = labelsOn(hs, line);
    expect(here.some((l) => /^×[\d,]+ · avg 350 cycles$/.test(l)), here.join(' | ')).toBe(true);
    expect(here.filter((l) => l.includes('multicall'))).toEqual([]);
  });

  it('a hypercall in a loop body: what one multicall per domain would save (pong: 2 calls, 288·2 − 350; ping: 1 call, nothing)', async () => {
    const text = read(tour('ring.pvk'));
    const here = labelsOn(await hints(tour('ring.pvk')), pos(text, 'hypercall event_channel_op(EVTCHNOP_bind_interdomain').line);
    expect(here).toContain('×3 · avg 400 cycles · in a loop: one multicall per domain would save ~226');
    // a hypercall in a while condition is not in the body: no multicall advice
    const dom0 = read(tour('dom0.pvk'));
    expect(labelsOn(await hints(tour('dom0.pvk')), pos(dom0, 'while (hypercall domctl').line)).toContain('×3 · avg 700 cycles');
  });

  it('a line hot in several domains names each', async () => {
    const text = read(tour('ring.pvk'));
    expect(labelsOn(await hints(tour('ring.pvk')), pos(text, 'hypercall event_channel_op(EVTCHNOP_send').line)).toContain('⏱ dom0 1,203 (15%) · ping 1,203 (29%) · pong 1,203 (26%)');
  });

  it('the paravirt profile is still there beside the tour one', async () => {
    expect((await hints(para('kernel.pvk'))).map(label)).toContain('via ops table ×100 · +8 each · patch_pvops would save 300');
  });
});

describe('a newer profile of the same system file replaces the older', () => {
  it('pv_patched: no pvop overhead left to save, the trap stays', async () => {
    await load(profileOf(para('paravirt.pvk'), 'pv_patched'));
    const hs = (await hints(para('kernel.pvk'))).map(label);
    expect(hs.filter((l) => l.includes('patch_pvops'))).toEqual([]);
    const file = perfTitles(await lenses(para('kernel.pvk'))).find((t) => t.startsWith('⏱ Profile of pv_patched'));
    expect(file).toContain("of kernel's 3,962 cycles");
    expect(file).not.toContain('patch_pvops');
    expect((await hints(para('cpu.pvk'))).map(label)).toContain('traps ×1 · +1,000 cycles each — use a hypercall in impl xen');
  });

  it('pvlab/profileCleared for the system file takes its hints away', async () => {
    const inlay = refreshCount(INLAY_REFRESH);
    client.notify('pvlab/profileCleared', { systemFile: para('paravirt.pvk') });
    await client.refreshed(INLAY_REFRESH, inlay + 1);
    expect(await hints(para('kernel.pvk'))).toEqual([]);
    expect(perfTitles(await lenses(para('kernel.pvk')))).toEqual([]);
    // the tour's profile is another system file's: still there
    expect((await hints(tour('pong.pvk'))).map(label)).toContain('×1 · avg 416 cycles');
  });
});
