import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketSlices, flameGraphs, isProfile, profileView, type FlameFrame } from '../../extension/profileModel.js';
import { diskHost } from '../../sandbox/lang/fileHost.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { profileSystem } from '../../sandbox/profile/profileSystem.js';
import { bigProfile, profileOf, tourProfile, type Spec } from './profileViewFixture.js';
import { PROFILE_SCRIPTS } from '../../extension/profilePage.js';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every frame below the top lies inside a frame one level up. */
function nested(frames: FlameFrame[]): boolean {
  return frames.every((f) => f.depth === 0 || frames.some((p) => p.depth === f.depth - 1 && p.x <= f.x && f.x + f.total <= p.x + p.total));
}

describe('profile view: flame graphs', () => {
  it('draws one graph per domain, each as wide as its domain node', () => {
    const profile = tourProfile();
    const graphs = flameGraphs(profile, 1 / 5000);
    expect(graphs.map((g) => g.name)).toEqual(['dom0', 'ping', 'pong']);
    for (const g of graphs) {
      const domainNode = profile.nodes.find((n) => n.kind === 'domain' && n.name === g.name)!;
      expect(g.total).toBe(domainNode.total);
      expect(g.frames[0]).toMatchObject({ depth: 0, x: 0, total: domainNode.total, kind: 'domain' });
      expect(g.mode).toBe('pv');
    }
  });

  it('places children from the parent’s left edge in their order, inside the parent, sorted by depth then x', () => {
    const [dom0] = flameGraphs(tourProfile(), 1 / 5000);
    expect(nested(dom0.frames)).toBe(true);
    const sorted = [...dom0.frames].sort((a, b) => a.depth - b.depth || a.x - b.x);
    expect(dom0.frames).toEqual(sorted);
    const main = dom0.frames.find((f) => f.name === 'main')!;
    const kids = dom0.frames.filter((f) => f.depth === main.depth + 1);
    expect(kids.map((f) => f.name)).toEqual(['setup_ring', '[hypercall console_io]', '[30 small frames]']);
    expect(kids[0].x).toBe(main.x);
    expect(kids[1].x).toBe(kids[0].x + kids[0].total);
    // Self time is the rest of the parent, on the right.
    expect(main.total - kids.reduce((s, k) => s + k.total, 0)).toBe(main.self);
    expect(dom0.depth).toBe(5);
  });

  it('aggregates frames under the threshold into one frame after their bigger siblings', () => {
    const [dom0] = flameGraphs(tourProfile(), 1 / 5000);
    const agg = dom0.frames.find((f) => f.kind === 'aggregate')!;
    expect(agg).toMatchObject({ id: -1, merged: 30, total: 30, self: 30, count: 30, file: -1 });
    expect(dom0.frames.some((f) => f.name.startsWith('helper'))).toBe(false);
    // With no threshold every helper has its own frame.
    const [all] = flameGraphs(tourProfile(), 0);
    expect(all.frames.filter((f) => f.name.startsWith('helper'))).toHaveLength(30);
  });

  it('keeps a lone small frame under its own name, without its subtree', () => {
    const root: Spec = { kind: 'root', name: '[machine]', self: 0, children: [{ kind: 'domain', name: 'd', self: 0, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 10_000, children: [{ kind: 'function', name: 'rare', self: 1, children: [{ kind: 'function', name: 'rarer', self: 1 }] }] }] }] };
    const [g] = flameGraphs(profileOf(root), 1 / 1000);
    expect(g.frames.map((f) => f.name)).toEqual(['d', 'vCPU 0', 'rare']);
    expect(g.frames[2]).toMatchObject({ merged: 1, total: 2, x: 0 });
  });

  it('skips nodes without cycles and keeps the function’s source location', () => {
    const [, ping] = flameGraphs(tourProfile(), 1 / 5000);
    const pvop = ping.frames.find((f) => f.name === 'cpu.irq_disable [xen]')!;
    expect(pvop).toMatchObject({ kind: 'function', file: 0, line: 1 });
    const [zero] = flameGraphs(profileOf({ kind: 'root', name: 'r', self: 0, children: [{ kind: 'domain', name: 'd', self: 5, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 0 }] }] }), 0);
    expect(zero.frames.map((f) => f.name)).toEqual(['d']);
  });

  it('draws a pvk handler (examples/pvspin) inside its hypercall frame, with its source to open', () => {
    const r = profileSystem(new Workspace(diskHost), { file: path.join(ROOT, 'examples/pvspin/systems.pvk'), system: 'paravirt', options: { maxCycles: 1_000_000_000 } });
    if (!r.ok) throw new Error(r.message);
    const [dom0] = flameGraphs(r.profile, 0);
    const handlers = dom0.frames.filter((f) => f.name === 'spin_kick');
    expect(handlers.length).toBeGreaterThan(0);
    for (const h of handlers) {
      const frame = dom0.frames.find((f) => f.depth === h.depth - 1 && f.x <= h.x && h.x + h.total <= f.x + f.total)!;
      expect(frame.name).toBe('[hypercall spin_kick]');
      // the handler's own cycles, the fixed 300 + cost 20 per call as the frame's self
      expect(frame.self).toBe(frame.count * 320);
      expect(frame.total).toBe(frame.self + h.total);
      expect(h).toMatchObject({ kind: 'function', line: 12 });
      expect(r.profile.files[h.file]).toBe(path.join(ROOT, 'examples/pvspin/pvspin.pvk'));
    }
    expect(nested(dom0.frames)).toBe(true);
  });

  it('lays out a 10k-node profile with fewer frames than nodes, and survives deep recursion', () => {
    const big = bigProfile(10_000, 50_000);
    expect(big.nodes.length).toBeGreaterThanOrEqual(10_000);
    const view = profileView(big);
    expect(view.flames[0].frames.length).toBeLessThan(big.nodes.length);
    expect(nested(view.flames[0].frames)).toBe(true);
    // A 20 000-deep call chain (a recursive guest) must not overflow the host's stack.
    let spec: Spec = { kind: 'function', name: 'leaf', self: 1 };
    for (let i = 0; i < 20_000; i++) spec = { kind: 'function', name: `r${i}`, self: 1, children: [spec] };
    const deep = profileOf({ kind: 'root', name: 'r', self: 0, children: [{ kind: 'domain', name: 'd', self: 0, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 0, children: [spec] }] }] });
    expect(flameGraphs(deep, 0)[0].depth).toBe(20_003);
  });
});

describe('profile view: timeline', () => {
  it('has one row per vCPU with its slices, labelled by domain name', () => {
    const view = profileView(tourProfile());
    expect(view.timeline.rows.map((r) => r.label)).toEqual(['dom0 · vCPU 0', 'ping · vCPU 0', 'pong · vCPU 0']);
    expect(view.timeline.rows[0].segments).toEqual([
      { kind: 'run', name: 'run', start: 0, end: 4000, slices: 1 },
      { kind: 'hypercall', name: 'console_io', start: 4000, end: 4300, slices: 1 },
    ]);
    expect(view.timeline).toMatchObject({ elapsed: 12_000, truncated: false, bucketed: false });
  });

  it('marks each event send on the sender’s vCPU and each delivery on the receiver’s, by time (the real tour)', () => {
    const run = profileSystem(new Workspace(diskHost), { file: path.join(ROOT, 'examples/tour/tour.pvk'), options: { maxCycles: 1_000_000_000 } });
    if (!run.ok) throw new Error(run.message);
    const { profile } = run;
    const view = profileView(profile);
    const marks = view.timeline.rows.flatMap((r) => r.marks.map((m) => ({ ...m, row: r.label })));
    const instants = profile.timeline.instants;
    expect(instants.length).toBeGreaterThan(10);
    expect(marks).toHaveLength(instants.length);
    expect(view.timeline.marksCut).toBe(false);
    for (const r of view.timeline.rows) expect(r.marks.map((m) => m.time)).toEqual([...r.marks.map((m) => m.time)].sort((a, b) => a - b));
    // dom0 sends the token to ping: a send mark on dom0's row, a delivery on ping's
    const firstSend = instants.find((i) => i.kind === 'send' && i.domain === 0 && i.to === 1);
    expect(firstSend).toBeDefined();
    expect(marks).toContainEqual({ kind: 'send', time: firstSend!.time, text: `send → ping, port ${firstSend!.port}`, row: 'dom0 · vCPU 0' });
    expect(marks.filter((m) => m.kind === 'deliver' && m.row === 'ping · vCPU 0').length).toBe(instants.filter((i) => i.kind === 'deliver' && i.domain === 1).length);
    // a row with more marks than drawn says so
    expect(profileView(profile, { maxMarksPerRow: 1 }).timeline.marksCut).toBe(true);
  });

  it('buckets a row with too many slices: bounded segments, each with its mix of kinds', () => {
    const view = profileView(bigProfile(200, 50_000), { maxSlicesPerRow: 2000, buckets: 1000 });
    const [row] = view.timeline.rows;
    expect(view.timeline.bucketed).toBe(true);
    expect(row.segments.length).toBeLessThanOrEqual(1000);
    // 80% of every bucket is busy: one long 'run' segment covering the whole time.
    expect(row.segments).toHaveLength(1);
    const [seg] = row.segments;
    expect(seg.kind).toBe('run');
    expect(seg.start).toBe(0);
    expect(seg.end).toBeCloseTo(500_000, 6);
    expect(seg.mix!.run! + seg.mix!.hypercall!).toBeCloseTo(50_000 * 8, 3);
    expect(seg.mix!.hypercall!).toBeCloseTo(10_000 * 8, 3);
  });

  it('leaves mostly idle buckets empty and splits runs of different kinds', () => {
    const segs = bucketSlices(
      [
        { domain: 0, vcpu: 0, pcpu: 0, kind: 'run', name: 'run', start: 0, end: 30 },
        { domain: 0, vcpu: 0, pcpu: 0, kind: 'trap', name: 'outb', start: 30, end: 40 },
        { domain: 0, vcpu: 0, pcpu: 0, kind: 'run', name: 'run', start: 60, end: 62 },
      ],
      100,
      10,
    );
    expect(segs.map((s) => [s.kind, s.start, s.end, s.slices])).toEqual([
      ['run', 0, 30, 3],
      ['trap', 30, 40, 1],
    ]);
  });
});

describe('profile view: tables and checks', () => {
  it('lists every domain with its hypercalls by total cycles', () => {
    const view = profileView(tourProfile());
    expect(view.tables.map((t) => t.name)).toEqual(['dom0', 'ping', 'pong']);
    expect(view.tables[0].hypercalls.map((h) => [h.name, h.count, h.cycles, h.min, h.avg, h.max])).toEqual([
      ['event_channel_op', 2, 1000, 500, 500, 500],
      ['console_io', 3, 900, 250, 300, 400],
    ]);
    expect(view).toMatchObject({ system: 'tour', hypervisorCycles: 700, idleCycles: 3000, pcpus: 2 });
    expect(view.total).toBe(tourProfile().nodes[0].total);
  });

  it('recognises a profile and rejects other JSON', () => {
    expect(isProfile(tourProfile())).toBe(true);
    expect(isProfile(JSON.parse(JSON.stringify(tourProfile())))).toBe(true);
    for (const bad of [null, 3, [], {}, { version: 2, nodes: [], files: [], summary: { domains: [] }, timeline: { slices: [] } }, { ...tourProfile(), nodes: 'x' }]) expect(isProfile(bad)).toBe(false);
  });
});

describe('profile webview assets', () => {
  const media = path.join(ROOT, 'media', 'profile');
  it('loads exactly the scripts that exist in media/profile, and nothing from the network', () => {
    const listed: string[] = [...PROFILE_SCRIPTS];
    const present = readdirSync(media).filter((f) => f.endsWith('.js'));
    expect([...listed].sort()).toEqual(present.sort());
    for (const f of readdirSync(media)) expect(readFileSync(path.join(media, f), 'utf8')).not.toMatch(/https?:\/\/|innerHTML|eval\(|new Function/);
  });

  it('uses theme colours only (--vscode-* variables)', () => {
    const css = readFileSync(path.join(media, 'profile.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const colourProps = /^(color|background(-color)?|border(-(top|right|bottom|left))?(-color)?|outline(-color)?|fill|stroke)$/;
    const decls = [...css.matchAll(/([\w-]+)\s*:\s*([^;{}]+);/g)].filter((m) => colourProps.test(m[1]));
    expect(decls.length).toBeGreaterThan(20);
    for (const [decl, , value] of decls) {
      // Nested fallbacks are --vscode-* variables too; what is left is widths and styles.
      const rest = value.replace(/var\(--vscode-[\w-]+(, *var\(--vscode-[\w-]+\))?\)/g, '');
      expect(rest, decl).toMatch(/^(\s|\d|px|solid|none)*$/);
    }
  });
});
