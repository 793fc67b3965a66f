/**
 * The logic behind the inline performance hints, against a hand-built
 * profile of a small kernel (the LSP test, test/lsp/profileHints.test.ts,
 * uses a real one from the profiler).
 */
import * as path from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { textHash } from '../../sandbox/profile/hash.js';
import type { Profile } from '../../sandbox/profile/types.js';
import { perfCodeLenses, perfInlayHints } from '../../server/profileHints.js';
import { multicallEstimate, num, percent, pvopSaving, type MeasuredCalls } from '../../server/perfSavings.js';
import { ProfileStore } from '../../server/profileStore.js';
import { Project } from '../../server/project.js';

const KERNEL = [
  'pvops cpu { fn load_cr3(v: u32); }', // 1
  'impl cpu for native { fn load_cr3(v: u32) { write_cr3(v); } }', // 2
  'impl cpu for xen { fn load_cr3(v: u32) { write_cr3(v); } }', // 3
  'fn main() -> u32 {', // 4
  '    for i in 0..10 {', // 5
  '        hypercall console_io(0, 4, 0);', // 6
  '        cpu.load_cr3(i);', // 7
  '    }', // 8
  '    outb(0x3f8, 65);', // 9
  '    return 0;', // 10
  '}', // 11
  '',
].join('\n');

// Never written: the project reads open documents first.
const DIR = path.join(tmpdir(), 'pvlab-unit-perf-never-on-disk');
const FILE = path.join(DIR, 'k.pvk');
const URI = pathToFileURL(FILE).href;

function profile(text = KERNEL): Profile {
  const node = (id: number, parent: number, kind: Profile['nodes'][number]['kind'], name: string, line: number, self: number, total: number, count: number): Profile['nodes'][number] => ({
    id, parent, kind, name, domain: kind === 'root' ? -1 : 0, vcpu: kind === 'root' || kind === 'domain' ? -1 : 0, file: kind === 'function' ? 0 : -1, line, self, total, count, lines: [], children: [],
  });
  return {
    version: 1,
    system: 's',
    systemFile: path.join(DIR, 'system.pvk'),
    hypervisor: '4.2',
    pcpus: 1,
    elapsed: 20000,
    end: 'exited',
    total: 20000,
    files: [FILE],
    fileHashes: [textHash(text)],
    nodes: [
      node(0, -1, 'root', '(root)', -1, 0, 20000, 1),
      node(1, 0, 'domain', 'dom0', -1, 0, 20000, 1),
      node(2, 1, 'vcpu', 'vCPU 0', -1, 0, 20000, 1),
      node(3, 2, 'function', 'main', 4, 3000, 20000, 1),
      node(4, 3, 'function', 'cpu.load_cr3 [xen]', 3, 2000, 12000, 10),
      node(5, 4, 'trap', '[trap write_cr3]', -1, 10000, 10000, 10),
    ],
    lines: [
      { domain: 0, file: 0, line: 3, cycles: 2010 },
      { domain: 0, file: 0, line: 5, cycles: 11 },
      { domain: 0, file: 0, line: 6, cycles: 10 },
      { domain: 0, file: 0, line: 7, cycles: 90 },
      { domain: 0, file: 0, line: 9, cycles: 151 },
    ],
    sites: [
      { domain: 0, file: 0, line: 6, kind: 'hypercall', name: 'console_io', count: 10, cycles: 4040, min: 404, max: 404 },
      { domain: 0, file: 0, line: 7, kind: 'pvop', name: 'cpu.load_cr3', count: 10, cycles: 80, min: 8, max: 8 },
      { domain: 0, file: 0, line: 3, kind: 'trap', name: 'write_cr3', count: 10, cycles: 10000, min: 1000, max: 1000 },
      { domain: 0, file: 0, line: 9, kind: 'trap', name: 'outb', count: 1, cycles: 1000, min: 1000, max: 1000 },
    ],
    summary: {
      domains: [{ id: 0, name: 'dom0', mode: 'pv', running: 20000, runnable: 0, blocked: 0, hypercalls: {}, traps: {}, vmexits: {}, upcalls: { count: 0, cycles: 0, min: 0, max: 0, avg: 0 }, pvopCalls: 10 }],
      hypervisor: 0,
      idle: 0,
    },
    timeline: { slices: [], instants: [], truncated: false },
  };
}

function setup(text = KERNEL): { project: Project; store: ProfileStore } {
  const project = new Project();
  project.opened(TextDocument.create(URI, 'pvk', 1, text));
  const store = new ProfileStore();
  expect(store.load({ profile: profile() })).toBeUndefined();
  return { project, store };
}

const lineText = (text: string, line0: number): string => text.split('\n')[line0];

describe('savings and formatting', () => {
  it('multicall: from the calls measured, one per run of the loop; n·300 − 350 − 12n when they all ran in one', () => {
    // console_io of 4 bytes: 300 + 100 + 4 each
    const calls = (count: number, runs: number | undefined, each = 404): MeasuredCalls => ({ count, cycles: count * each, min: each, runs });
    const saving = (name: string, c: MeasuredCalls, hv: string | null = '4.2'): number | undefined => multicallEstimate(name, c, hv)?.saving;
    expect(saving('console_io', calls(10, 1))).toBe(288 * 10 - 350);
    expect(multicallEstimate('console_io', calls(10, 1), '4.2')).toEqual({ multicalls: 1, entries: 1040, lists: 120, cycles: 350 + 1040 + 120, saving: 2530 });
    expect(saving('console_io', calls(2, 1))).toBe(226);
    expect(saving('console_io', calls(1, 1))).toBe(0);
    // no count of the loop runs: the static estimate, all in one multicall
    expect(saving('console_io', calls(10, undefined))).toBe(2530);
    // two calls made by two calls of the function around the loop: two multicalls of one entry save nothing
    expect(saving('console_io', calls(2, 2))).toBe(0);
    expect(multicallEstimate('console_io', calls(40, 4), '4.2')).toMatchObject({ multicalls: 4, saving: 40 * 404 - (4 * 350 + 40 * 104 + 40 * 12) });
    // at most 1,024 entries a multicall
    expect(multicallEstimate('console_io', calls(2000, 1), '4.2')?.multicalls).toBe(2);
    // memory_op of 0 pages costs nothing of its own, but an entry at least 10
    expect(multicallEstimate('memory_op', calls(10, 1, 300), '4.2')).toMatchObject({ entries: 100, saving: 3000 - (350 + 100 + 120) });
    expect(multicallEstimate('sched_op', calls(10, 1), '4.2')).toBeUndefined();
    expect(multicallEstimate('multicall', calls(10, 1), '4.2')).toBeUndefined();
    expect(multicallEstimate('console_io', calls(10, 1), '3.1')).toBeUndefined();
    expect(multicallEstimate('console_io', calls(10, 1), null)).toBeUndefined();
  });

  it('patch_pvops: calls × (8 − 5), nothing for a patched site', () => {
    expect(pvopSaving(201, 201 * 8)).toBe(603);
    expect(pvopSaving(201, 201 * 5)).toBe(0);
  });

  it('numbers with thousands separators and shares', () => {
    expect(num(1234567)).toBe('1,234,567');
    expect(num(999)).toBe('999');
    expect(num(-1000)).toBe('-1,000');
    expect(percent(12, 100)).toBe('12%');
    expect(percent(1, 300)).toBe('0.3%');
    expect(percent(1, 100000)).toBe('<0.1%');
  });

  it('the store keeps one profile per system file, the newer replacing the older', () => {
    const store = new ProfileStore();
    expect(store.load({ profile: profile() })).toBeUndefined();
    expect(store.load({ profile: { ...profile(), system: 'other' } })).toBeUndefined();
    expect(store.size).toBe(1);
    expect(store.forFile(FILE)?.profile.system).toBe('other');
    expect(store.load({ profile: { version: 2 } })).toMatch(/version/);
    expect(store.load(null)).toMatch(/missing/);
    store.clear({});
    expect(store.forFile(FILE)).toBeUndefined();
  });
});

describe('hints from a hand-built profile', () => {
  it('inlay hints: one per line at its end, problems first, the rest in the tooltip', () => {
    const { project, store } = setup();
    const hints = perfInlayHints(project, store, URI, undefined, 'all');
    const at = (line1: number): string[] => hints.filter((h) => h.position.line === line1 - 1).map((h) => String(h.label));
    const tip = (line1: number): string => String(hints.find((h) => h.position.line === line1 - 1)?.tooltip);
    expect(at(6)).toEqual(['×10 · avg 404 · multicall saves ~2,530 …']);
    expect(tip(6)).toContain('In a loop: multicalls would save ~2,530 cycles, from the calls measured:');
    expect(tip(6)).toContain('- dom0: 10 calls (1 call of main) cost 4,040; as one multicall 350 + 1,040 of their own + 120 for the list = 1,510: saves 2,530');
    expect(tip(6)).toContain('- dom0: 4,050 of its 20,000 cycles (20%)');
    expect(at(7)).toEqual(['×10 via ops table · patch saves 30']);
    // the xen impl's trap: 2,010 own + 10,000 trap cycles on line 3
    expect(at(3)).toEqual(['traps ×10 · +1,000 each · 60% of dom0']);
    expect(tip(3)).toContain('use a hypercall in impl xen');
    expect(at(9)).toEqual(['traps ×1 · +1,000 each · 5.8% of dom0']);
    expect(tip(9)).toContain('wrap in a pvop');
    // line 5 holds 11 cycles (<1%): not hot
    expect(at(5)).toEqual([]);
    // every hint sits at the end of its line
    for (const h of hints) expect(h.position.character).toBe(lineText(KERNEL, h.position.line).length);
    // a range request returns only the hints inside it
    expect(perfInlayHints(project, store, URI, { start: { line: 5, character: 0 }, end: { line: 5, character: 100 } }, 'all').map((h) => String(h.label))).toEqual(at(6));
  });

  it('the hot density keeps hot lines and problems; off keeps nothing', () => {
    const { project, store } = setup();
    const lines = (d: 'all' | 'hot' | 'off'): number[] => perfInlayHints(project, store, URI, undefined, d).map((h) => h.position.line + 1);
    expect(lines('all')).toEqual([3, 6, 7, 9]);
    // line 7: 90 cycles, 0.5% — but patch_pvops would save 30 there: a problem, so it stays
    expect(lines('hot')).toEqual([3, 6, 7, 9]);
    expect(lines('off')).toEqual([]);
    expect(perfCodeLenses(project, store, URI, 'off')).toEqual([]);
  });

  it('a VM exit in an hvm domain: count and the +1,500 each', () => {
    const { project } = setup();
    const store = new ProfileStore();
    const p = profile();
    p.sites = [{ domain: 0, file: 0, line: 9, kind: 'vmexit', name: 'outb', count: 3, cycles: 4500, min: 1500, max: 1500 }];
    store.load({ profile: p });
    const hint = perfInlayHints(project, store, URI, undefined).find((h) => h.position.line === 8);
    expect(hint?.label).toBe('VM exits ×3 · +1,500 each · 23% of dom0');
    expect(hint?.position).toEqual({ line: 8, character: '    outb(0x3f8, 65);'.length });
  });

  it('code lenses: the file share, the pvop saving and hot functions, with codicons', () => {
    const { project, store } = setup();
    const titles = perfCodeLenses(project, store, URI).map((l) => `${l.range.start.line}: ${l.command?.title}`);
    expect(titles).toEqual([
      "0: $(watch) Profile of s: this file 87% of dom0's 20,000 cycles · patch_pvops would save 30",
      '2: $(watch) 12,000 cycles (60% of dom0) · self 2,000 · 10 calls',
      '3: $(watch) 20,000 cycles (100% of dom0) · self 3,000 · 1 call',
    ]);
    expect(perfCodeLenses(project, store, URI)[0].command?.tooltip).toContain('10 pvop calls via the ops table: patch_pvops would save 30');
  });

  it('after an edit: no inlay hints, lenses say so and offer to profile again, functions found by name', () => {
    const edited = `// a new first line\n${KERNEL}`;
    const { project, store } = setup();
    project.changed(TextDocument.create(URI, 'pvk', 2, edited));
    expect(perfInlayHints(project, store, URI, undefined)).toEqual([]);
    const lenses = perfCodeLenses(project, store, URI);
    expect(lenses.slice(0, 2).map((l) => l.command?.title)).toEqual(['$(warning) Edited since the profile of s was taken: line hints hidden', '$(flame) Profile s again']);
    expect(lenses[1].command?.command).toBe('pvlab.profileSystem');
    expect(lenses[1].command?.arguments).toEqual([pathToFileURL(path.join(DIR, 'system.pvk')).href, 's']);
    expect(lenses.slice(2).map((l) => `${l.range.start.line}: ${l.command?.title}`)).toEqual([
      '3: $(watch) 12,000 cycles (60% of dom0) · self 2,000 · 10 calls · before your edits',
      '4: $(watch) 20,000 cycles (100% of dom0) · self 3,000 · 1 call · before your edits',
    ]);
    // undoing the edit brings the hints back
    project.changed(TextDocument.create(URI, 'pvk', 3, KERNEL));
    expect(perfInlayHints(project, store, URI, undefined).length).toBeGreaterThan(0);
  });
});
