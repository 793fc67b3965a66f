/**
 * Hand-made `Profile`s for the profile view tests: a small tour-like system,
 * and a generated one with about 10k nodes. Totals are computed bottom-up so
 * every fixture keeps the model's invariants (total = self + children).
 */
import type { NodeKind, Profile, ProfileNode, TimelineSlice } from '../../sandbox/profile/types.js';

export interface Spec {
  kind: NodeKind;
  name: string;
  self: number;
  count?: number;
  line?: number;
  children?: Spec[];
}

const fn = (name: string, self: number, children: Spec[] = [], line = 1): Spec => ({ kind: 'function', name, self, count: 1, line, children });
const hc = (name: string, self: number, count = 1): Spec => ({ kind: 'hypercall', name: `[hypercall ${name}]`, self, count });

/** Flattens specs into nodes (ids in pre-order), with domain, vCPU and totals filled in; iterative for deep trees. */
export function buildNodes(root: Spec): ProfileNode[] {
  const nodes: ProfileNode[] = [];
  let domainSeq = -1;
  const below = new Set<NodeKind>(['function', 'hypercall', 'trap', 'vmexit', 'upcall', 'vcpu']);
  const stack: { spec: Spec; parent: number; domain: number; vcpu: number }[] = [{ spec: root, parent: -1, domain: -1, vcpu: -1 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const { spec, parent } = item;
    let { domain, vcpu } = item;
    if (spec.kind === 'domain') domain = ++domainSeq;
    if (spec.kind === 'vcpu') vcpu = Number(spec.name.replace(/\D/g, '')) || 0;
    const node: ProfileNode = {
      id: nodes.length,
      parent,
      kind: spec.kind,
      name: spec.name,
      domain: spec.kind === 'root' || spec.kind === 'hypervisor' || spec.kind === 'idle' ? -1 : domain,
      vcpu: below.has(spec.kind) ? vcpu : -1,
      file: spec.kind === 'function' ? 0 : -1,
      line: spec.kind === 'function' ? spec.line ?? 1 : -1,
      self: spec.self,
      total: spec.self,
      count: spec.count ?? 1,
      lines: [],
      children: [],
    };
    nodes.push(node);
    if (parent >= 0) nodes[parent].children.push(node.id);
    const kids = spec.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ spec: kids[i], parent: node.id, domain, vcpu });
  }
  // Pre-order: every child's id is above its parent's.
  for (let i = nodes.length - 1; i > 0; i--) nodes[nodes[i].parent].total += nodes[i].total;
  return nodes;
}

/** A profile around `root`, with a summary for its domains and the given slices. */
export function profileOf(root: Spec, slices: TimelineSlice[] = [], elapsed = 100_000): Profile {
  const nodes = buildNodes(root);
  const domains = nodes.filter((n) => n.kind === 'domain');
  return {
    version: 1,
    system: 'tour',
    systemFile: '/ws/tour.pvk',
    hypervisor: '4.2',
    pcpus: 2,
    elapsed,
    end: 'exited',
    total: nodes[0].total,
    files: ['/ws/dom0.pvk'],
    fileHashes: ['00000000'],
    nodes,
    lines: [],
    sites: [],
    summary: {
      domains: domains.map((d) => ({
        id: d.domain,
        name: d.name,
        mode: 'pv' as const,
        running: d.total,
        runnable: 10,
        blocked: 20,
        hypercalls: { console_io: { count: 3, cycles: 900, min: 250, max: 400, avg: 300 }, event_channel_op: { count: 2, cycles: 1000, min: 500, max: 500, avg: 500 } },
        traps: {},
        vmexits: {},
        upcalls: { count: 1, cycles: 200, min: 200, max: 200, avg: 200 },
        pvopCalls: 0,
      })),
      hypervisor: nodes.find((n) => n.kind === 'hypervisor')?.self ?? 0,
      idle: nodes.find((n) => n.kind === 'idle')?.self ?? 0,
    },
    timeline: { slices, instants: [], truncated: false },
  };
}

/** A tour-like system: dom0 and two domUs, hypercalls, an upcall, a trap and some tiny frames. */
export function tourProfile(): Profile {
  const tiny = Array.from({ length: 30 }, (_, i) => fn(`helper${i}`, 1));
  const root: Spec = {
    kind: 'root',
    name: '[machine]',
    self: 0,
    children: [
      { kind: 'domain', name: 'dom0', self: 0, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 0, children: [fn('main', 1000, [fn('setup_ring', 4000, [hc('event_channel_op', 1000, 2)], 12), hc('console_io', 900, 3), ...tiny], 3)] }] },
      {
        kind: 'domain',
        name: 'ping',
        self: 0,
        children: [
          {
            kind: 'vcpu',
            name: 'vCPU 0',
            self: 0,
            children: [fn('main', 2000, [{ kind: 'trap', name: '[trap outb]', self: 1000 }]), { kind: 'upcall', name: '[upcall]', self: 200, children: [fn('on_event', 300, [fn('cpu.irq_disable [xen]', 10)])] }],
          },
        ],
      },
      { kind: 'domain', name: 'pong', self: 0, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 0, children: [fn('main', 1500)] }] },
      { kind: 'hypervisor', name: '[hypervisor]', self: 700 },
      { kind: 'idle', name: '[idle]', self: 3000 },
    ],
  };
  const slices: TimelineSlice[] = [
    { domain: 0, vcpu: 0, pcpu: 0, kind: 'run', name: 'run', start: 0, end: 4000 },
    { domain: 0, vcpu: 0, pcpu: 0, kind: 'hypercall', name: 'console_io', start: 4000, end: 4300 },
    { domain: 1, vcpu: 0, pcpu: 1, kind: 'run', name: 'run', start: 100, end: 2100 },
    { domain: 1, vcpu: 0, pcpu: 1, kind: 'trap', name: 'outb', start: 2100, end: 3100 },
    { domain: 2, vcpu: 0, pcpu: 1, kind: 'run', name: 'run', start: 3100, end: 4600 },
  ];
  return profileOf(root, slices, 12_000);
}

/** About `n` nodes: one domain, a deep and bushy call tree with many tiny leaves, and many slices. */
export function bigProfile(n = 10_000, slices = 50_000): Profile {
  let made = 0;
  const tree = (depth: number): Spec => {
    made++;
    const kids: Spec[] = [];
    if (depth < 6) for (let i = 0; i < 5 && made < n; i++) kids.push(tree(depth + 1));
    else while (made < n && kids.length < 20) {
      made++;
      kids.push(hc(`op${made % 7}`, 1 + (made % 3)));
    }
    return fn(`f${made}`, 100 * (7 - depth), kids);
  };
  const root: Spec = { kind: 'root', name: '[machine]', self: 0, children: [{ kind: 'domain', name: 'big', self: 0, children: [{ kind: 'vcpu', name: 'vCPU 0', self: 0, children: [] }] }] };
  const vcpu = root.children![0].children![0];
  while (made < n) vcpu.children!.push(tree(0));
  const s: TimelineSlice[] = [];
  for (let i = 0; i < slices; i++) s.push({ domain: 0, vcpu: 0, pcpu: 0, kind: i % 5 === 0 ? 'hypercall' : 'run', name: i % 5 === 0 ? 'console_io' : 'run', start: i * 10, end: i * 10 + 8 });
  return profileOf(root, s, slices * 10);
}
