/**
 * Inline performance hints over LSP against the built server: real profiles
 * from the profiler (profileSystem) of the lazy port of examples/paravirt
 * (test/fixtures/lazyport: its xen load_cr3 traps) and of examples/tour,
 * copied to a temp dir, sent as `pvlab/profileLoaded`; then the inlay hints
 * and code lenses a user would see, before and after edits, at each
 * `pvlab.hints` density (the default `hot`, `all`, `off`).
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
const batch = (name: string): string => path.join(dir, 'multicall', name);

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
const tooltipOn = (hs: InlayHint[], line: number): string => hs.filter((h) => h.position.line === line).map((h) => String(h.tooltip)).join('\n');
const perfTitles = (ls: CodeLens[]): string[] => ls.map((l) => l.command?.title ?? '').filter((t) => t.startsWith('$(watch)') || t.startsWith('$(warning) Edited since'));

/** VS Code's editor.inlayHints.maximumLength: longer labels are cut. */
const VSCODE_HINT_LIMIT = 43;

/** Sets `pvlab.hints` as the client pushes it, and waits for the server to ask for fresh hints. */
async function density(value: 'all' | 'hot' | 'off'): Promise<void> {
  const inlay = refreshCount(INLAY_REFRESH);
  client.notify('workspace/didChangeConfiguration', { settings: { pvlab: { hints: value } } });
  await client.refreshed(INLAY_REFRESH, inlay + 1);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pvlab-lsp-profile-'));
  cpSync(path.join(ROOT, 'test/fixtures/lazyport'), path.join(dir, 'paravirt'), { recursive: true });
  cpSync(path.join(ROOT, 'examples/tour'), path.join(dir, 'tour'), { recursive: true });
  cpSync(path.join(ROOT, 'test/fixtures/lsp/multicall'), path.join(dir, 'multicall'), { recursive: true });
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

describe('paravirt booted as pv (unpatched pvops), hints at the default density (hot lines and problems)', () => {
  beforeAll(async () => {
    await load(profileOf(para('paravirt.pvk'), 'pv'));
  });

  it('the trapping write_cr3 of the xen impl: its traps and the line\'s share, the advice in the tooltip', async () => {
    const text = read(para('cpu.pvk'));
    const line = pos(text, 'impl cpu for xen').line + 3;
    expect(text.split('\n')[line]).toContain('write_cr3(v)');
    const hs = await hints(para('cpu.pvk'));
    // 1 statement + 200 native + 1,000 trap of 4,565
    expect(labelsOn(hs, line)).toEqual(['traps ×1 · +1,000 each · 26% of kernel']);
    expect(tooltipOn(hs, line)).toContain('+1,000 cycles each — use a hypercall in impl xen');
    expect(tooltipOn(hs, line)).toContain('- kernel: 1,201 of its 4,565 cycles (26%)');
    // the native impl's write_cr3 never ran in this system: no hint there
    expect(labelsOn(hs, pos(text, 'impl cpu for native').line + 3)).toEqual([]);
  });

  it('one hint per line, at its end (never inside an expression), short enough for VS Code', async () => {
    for (const f of [para('kernel.pvk'), para('cpu.pvk'), tour('dom0.pvk'), tour('ring.pvk')]) {
      const text = read(f).split('\n');
      const hs = await hints(f);
      expect(new Set(hs.map((h) => h.position.line)).size).toBe(hs.length);
      for (const h of hs) {
        expect(h.position.character, `${f}:${h.position.line + 1}`).toBe(text[h.position.line].length);
        expect(label(h).length, label(h)).toBeLessThanOrEqual(VSCODE_HINT_LIMIT);
        expect(label(h)).not.toMatch(/[⏱⚠]/u);
      }
    }
  });

  it('at each pvop call site: the indirect calls and what patch_pvops would save', async () => {
    const text = read(para('kernel.pvk'));
    const hs = await hints(para('kernel.pvk'));
    const line = pos(text, 'cpu.irq_disable();').line;
    expect(labelsOn(hs, line)).toEqual(['×100 via ops table · patch saves 300 …']);
    // statement 1 + pvop call 8, ×100: 900 of 4,565, in the tooltip with the formula
    expect(tooltipOn(hs, line)).toContain('- kernel: 900 of its 4,565 cycles (20%)');
    expect(tooltipOn(hs, line)).toContain('patch_pvops: calls × (8 − 5)');
    expect(labelsOn(hs, pos(text, 'cpu.irq_enable();').line)).toEqual(['×100 via ops table · patch saves 300 …']);
    expect(labelsOn(hs, pos(text, 'cpu.load_cr3(0x1000);').line)).toEqual(['×1 via ops table · patch saves 3']);
  });

  it('a hot line shows its cycles and share; a line under 5% of the domain without a problem shows nothing', async () => {
    const text = read(para('kernel.pvk'));
    const hs = await hints(para('kernel.pvk'));
    expect(labelsOn(hs, pos(text, 'update(i);').line)).toEqual(['600 cycles · 13% of kernel']);
    expect(labelsOn(hs, pos(text, 'critical_sections += 1;').line)).toEqual([]);
  });

  it('the file lens sums it up: its share, and patch_pvops would save 603 (201 pvop calls, in the tooltip)', async () => {
    const ls = await lenses(para('kernel.pvk'));
    const file = ls.find((l) => l.command?.title.startsWith('$(watch) Profile of pv'));
    expect(file?.command?.title).toBe("$(watch) Profile of pv: this file 65% of kernel's 4,565 cycles · patch_pvops would save 603");
    expect(file?.command?.tooltip).toContain('201 pvop calls via the ops table: patch_pvops would save 603');
  });

  it('hot functions get one lens with their cycles, share and calls', async () => {
    const text = read(para('kernel.pvk'));
    const ls = await lenses(para('kernel.pvk'));
    const at = (needle: string): string[] => perfTitles(ls.filter((l) => l.range.start.line === pos(text, needle).line));
    expect(at('fn main()')).toEqual([expect.stringMatching(/^\$\(watch\) 4,565 cycles \(100% of kernel\) · self [\d,]+ · 1 call$/)]);
    expect(at('fn update(')).toEqual(['$(watch) 2,600 cycles (57% of kernel) · self 2,200 · 100 calls']);
  });
});

describe('pvlab.hints: all, off, and back to hot', () => {
  it('all: every line the profile has numbers for, and a lens on every function over 1%', async () => {
    await density('all');
    const text = read(para('kernel.pvk'));
    expect(labelsOn(await hints(para('kernel.pvk')), pos(text, 'critical_sections += 1;').line)).toEqual(['100 cycles · 2.2% of kernel']);
    const cpu = read(para('cpu.pvk'));
    const cpuLenses = perfTitles(await lenses(para('cpu.pvk')));
    expect(cpuLenses).toContain('$(watch) 200 cycles (4.4% of kernel) · self 200 · 100 calls');
    expect(labelsOn(await hints(para('cpu.pvk')), pos(cpu, 'fn irq_disable() { mem8').line)).toEqual(['200 cycles · 4.4% of kernel']);
  });

  it('off: no profile hints, no perf or ABI lenses; the system lenses stay', async () => {
    await density('off');
    expect(await hints(para('kernel.pvk'))).toEqual([]);
    expect(perfTitles(await lenses(para('kernel.pvk')))).toEqual([]);
    expect((await lenses(para('cpu.pvk'))).map((l) => l.command?.title)).toEqual([]);
    expect((await lenses(para('paravirt.pvk'))).map((l) => l.command?.title)).toContain('$(flame) Profile');
  });

  it('hot again: the density follows the setting', async () => {
    await density('hot');
    const text = read(para('kernel.pvk'));
    expect(labelsOn(await hints(para('kernel.pvk')), pos(text, 'critical_sections += 1;').line)).toEqual([]);
    expect(labelsOn(await hints(para('kernel.pvk')), pos(text, 'update(i);').line)).toEqual(['600 cycles · 13% of kernel']);
  });
});

describe('after an edit the profile is stale', () => {
  it('the edited file loses its inlay hints, its lenses say so and offer to profile again; other files keep theirs', async () => {
    const k = para('kernel.pvk');
    const text = read(k);
    client.change(k, `// an edit above everything\n${text}`, 2);
    expect(await hints(k)).toEqual([]);
    const ls = await lenses(k);
    expect(ls.filter((l) => l.range.start.line === 0).map((l) => l.command?.title)).toEqual(['$(warning) Edited since the profile of pv was taken: line hints hidden', '$(flame) Profile pv again']);
    const again = ls.find((l) => l.command?.title === '$(flame) Profile pv again');
    expect(again?.command?.command).toBe('pvlab.profileSystem');
    expect(again?.command?.arguments).toEqual([uri(para('paravirt.pvk')), 'pv']);
    // function lenses follow their function (found by name), marked
    const mainLine = pos(text, 'fn main()').line + 1;
    const mainLens = perfTitles(ls.filter((l) => l.range.start.line === mainLine));
    expect(mainLens).toHaveLength(1);
    expect(mainLens[0]).toMatch(/^\$\(watch\) 4,565 cycles \(100% of kernel\) .* · before your edits$/);
    expect(perfTitles(ls).filter((t) => t.startsWith('$(watch)')).every((t) => t.endsWith('· before your edits'))).toBe(true);
    // cpu.pvk did not change: its hints stand
    expect((await hints(para('cpu.pvk'))).map(label)).toContain('traps ×1 · +1,000 each · 26% of kernel');
    // undo: the text is the profiled text again, and the hints are back
    client.change(k, text, 3);
    expect((await hints(k)).map(label)).toContain('×1 via ops table · patch saves 3');
    expect(perfTitles(await lenses(k)).some((t) => t.includes('before your edits') || t.includes('Edited since'))).toBe(false);
  });
});

describe('the tour: three domains, hypercalls', () => {
  beforeAll(async () => {
    await load(profileOf(tour('tour.pvk'), 'tour'));
  });

  it('at the console_io line of pong: its share and count; the average cost (300 + 100 + 16 bytes) in the tooltip', async () => {
    const text = read(tour('pong.pvk'));
    const hs = await hints(tour('pong.pvk'));
    const line = pos(text, 'hypercall console_io').line;
    expect(labelsOn(hs, line)).toEqual(['417 cycles · 9% of pong · ×1']);
    expect(tooltipOn(hs, line)).toContain('hypercall console_io in the profile of system tour: 1 × · 416 cycles');
    expect(tooltipOn(hs, line)).toContain('- pong: 1 × · 416 cycles');
  });

  it('sched_op in a loop is not offered as a multicall (it cannot be batched)', async () => {
    const text = read(tour('ring.pvk'));
    const hs = await hints(tour('ring.pvk'));
    const line = pos(text, 'hypercall sched_op(SCHEDOP_block').line;
    expect(tooltipOn(hs, line)).toMatch(/hypercall sched_op in the profile of system tour: [\d,]+ × · [\d,]+ cycles \(min 350, max 350\)/);
    expect(tooltipOn(hs, line)).not.toContain('multicall');
  });

  it('a hypercall in a loop body that each run of the loop made once: no multicall to offer (pong made its 2 in 2 calls of bind_retry, ping its 1 in 1)', async () => {
    const text = read(tour('ring.pvk'));
    const hs = await hints(tour('ring.pvk'));
    const line = pos(text, 'hypercall event_channel_op(EVTCHNOP_bind_interdomain').line;
    // hot all the same, but no problem to point at (the static estimate, one multicall for pong's 2, said ~226)
    expect(labelsOn(hs, line)).toEqual(['ping 9.5% · pong 17% · ×3']);
    expect(tooltipOn(hs, line)).toContain('hypercall event_channel_op in the profile of system tour: 3 × · 1,200 cycles');
    expect(tooltipOn(hs, line)).not.toContain('multicall');
    // a hypercall in a while condition is not in the body: no multicall advice
    const dom0 = read(tour('dom0.pvk'));
    const whileLine = pos(dom0, 'while (hypercall domctl').line;
    const dom0Hints = await hints(tour('dom0.pvk'));
    expect(labelsOn(dom0Hints, whileLine)).toEqual(['2,103 cycles · 26% of dom0 · ×3']);
    expect(tooltipOn(dom0Hints, whileLine)).toContain('hypercall domctl in the profile of system tour: 3 × · 2,100 cycles (min 700, max 700)');
    expect(tooltipOn(dom0Hints, whileLine)).not.toContain('multicall');
  });

  it('a line hot in several domains names each share; the cycles are in the tooltip', async () => {
    const text = read(tour('ring.pvk'));
    const hs = await hints(tour('ring.pvk'));
    const line = pos(text, 'hypercall event_channel_op(EVTCHNOP_send').line;
    expect(labelsOn(hs, line)).toEqual(['dom0 15% · ping 29% · pong 26% · ×9']);
    expect(tooltipOn(hs, line)).toContain('- ping: 1,203 of its 4,216 cycles (29%)');
  });

  it('a function several domains ran gets one lens naming each', async () => {
    const text = read(tour('ring.pvk'));
    const ls = await lenses(tour('ring.pvk'));
    const line = pos(text, 'fn wait_hops(').line;
    const here = perfTitles(ls.filter((l) => l.range.start.line === line));
    expect(here).toEqual([expect.stringMatching(/^\$\(watch\) dom0 [\d,]+ \(\d+%\) · ping [\d,]+ \(\d+%\) · pong [\d,]+ \(\d+%\) · 3 calls$/)]);
  });

  it('the paravirt profile is still there beside the tour one', async () => {
    expect((await hints(para('kernel.pvk'))).map(label)).toContain('×1 via ops table · patch saves 3');
  });
});

describe('an extension hypercall whose pvk handler does the work (test/fixtures/lsp/abiprof)', () => {
  const hv = (name: string): string => path.join(dir, 'abiprof', name);
  beforeAll(async () => {
    cpSync(path.join(ROOT, 'test/fixtures/lsp/abiprof'), path.join(dir, 'abiprof'), { recursive: true });
    for (const f of ['hv.pvk', 'k.pvk', 'sys.pvk']) client.open(hv(f), read(hv(f)));
    await load(profileOf(hv('sys.pvk'), 'hot_demo'));
  });

  it('hot lines inside the abi block: the handler\'s loop and its helper, as in guest code', async () => {
    const text = read(hv('hv.pvk'));
    const hs = await hints(hv('hv.pvk'));
    // for: 1 + 51 tests, 50 × (statement + call of mix 5); mix: 50 returns; of 716 (3 guest + 310 fixed + 403 handler)
    expect(labelsOn(hs, pos(text, 'for i in 0..n').line)).toEqual(['352 cycles · 49% of dom0']);
    expect(tooltipOn(hs, pos(text, 'for i in 0..n').line)).toContain('- dom0: 352 of its 716 cycles (49%)');
    expect(labelsOn(hs, pos(text, 'return (v * 31').line)).toEqual(['50 cycles · 7% of dom0']);
    // the call site in the kernel still carries the whole hypercall
    const k = read(hv('k.pvk'));
    expect(labelsOn(await hints(hv('k.pvk')), pos(k, 'hypercall crunch').line)).toEqual(['714 cycles · 100% of dom0 · ×1']);
  });

  it('the handler gets a function lens at its hypercall, and the abi file its share', async () => {
    const text = read(hv('hv.pvk'));
    const ls = await lenses(hv('hv.pvk'));
    expect(perfTitles(ls.filter((l) => l.range.start.line === pos(text, 'hypercall crunch').line))).toEqual(['$(watch) 403 cycles (56% of dom0) · self 353 · 1 call']);
    expect(perfTitles(ls)).toContain("$(watch) Profile of hot_demo: this file 56% of dom0's 716 cycles");
  });

  it('after an edit of the abi file its line hints go, and the handler lens follows the handler by name', async () => {
    const file = hv('hv.pvk');
    const text = read(file);
    client.change(file, `// an edit\n${text}`, 2);
    expect(await hints(file)).toEqual([]);
    const line = pos(text, 'hypercall crunch').line + 1;
    expect(perfTitles((await lenses(file)).filter((l) => l.range.start.line === line))).toEqual(['$(watch) 403 cycles (56% of dom0) · self 353 · 1 call · before your edits']);
    client.change(file, text, 3);
    expect((await hints(file)).map(label)).toContain('352 cycles · 49% of dom0');
  });
});

describe('a newer profile of the same system file replaces the older', () => {
  it('pv_patched: no pvop overhead left to save, the trap stays', async () => {
    await load(profileOf(para('paravirt.pvk'), 'pv_patched'));
    const hs = (await hints(para('kernel.pvk'))).map(label);
    expect(hs.filter((l) => l.includes('patch'))).toEqual([]);
    const file = perfTitles(await lenses(para('kernel.pvk'))).find((t) => t.startsWith('$(watch) Profile of pv_patched'));
    expect(file).toContain("of kernel's 3,962 cycles");
    expect(file).not.toContain('patch_pvops');
    expect((await hints(para('cpu.pvk'))).map(label)).toContain('traps ×1 · +1,000 each · 30% of kernel');
  });

  it('pvlab/profileCleared for the system file takes its hints away', async () => {
    const inlay = refreshCount(INLAY_REFRESH);
    client.notify('pvlab/profileCleared', { systemFile: para('paravirt.pvk') });
    await client.refreshed(INLAY_REFRESH, inlay + 1);
    expect(await hints(para('kernel.pvk'))).toEqual([]);
    expect(perfTitles(await lenses(para('kernel.pvk')))).toEqual([]);
    // the tour's profile is another system file's: still there
    expect((await hints(tour('pong.pvk'))).map(label)).toContain('417 cycles · 9% of pong · ×1');
  });
});

describe('a loop of hypercalls run by two calls of its function (test/fixtures/lsp/multicall)', () => {
  beforeAll(async () => {
    client.open(batch('kernel.pvk'), read(batch('kernel.pvk')));
    await load(profileOf(batch('system.pvk'), 'batch'));
  });

  it('the multicall hint counts from the profile: 16 calls of 310 cycles in 2 runs of probe, so 2 multicalls, not one', async () => {
    const text = read(batch('kernel.pvk'));
    const line = pos(text, 'hypercall xen_version').line;
    const hs = await hints(batch('kernel.pvk'));
    // measured 16 × 310 = 4,960; as 2 multicalls: 2 × (300 + 50) + 16 × 10 of their own + 16 × 12 for the lists = 1,052
    expect(labelsOn(hs, line)).toEqual(['×16 · avg 310 · multicall saves ~3,908 …']);
    const tip = tooltipOn(hs, line);
    expect(tip).toContain('In a loop: multicalls would save ~3,908 cycles, from the calls measured:');
    expect(tip).toContain('- dom0: 16 calls (2 calls of probe) cost 4,960; as 2 multicalls 700 + 160 of their own + 192 for the list = 1,052: saves 3,908');
    // the static estimate, one multicall for all 16 (16 × 288 − 350), is not what it says
    expect(tip).not.toContain('4,258');
  });
});
