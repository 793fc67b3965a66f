// Hostile systems for the stress fuzz campaign (stress.fuzz.test.ts): random
// kernels that hammer what issue 11 found breakable — the console (huge
// counts, every address), grants (access, map, copy, unmap, end, the window),
// multicall (lists near page ends, entries that balloon the list away, junk
// numbers, nested calls, vCPU control inside), ballooning (up, down, absurd
// counts), vCPU control (taking any vCPU down, vCPU 0 included, and up
// again) and dom0's domctl — plus mutants: the well-typed systems of
// generate.ts with their integer literals swapped for boundary values.
//
// Every generated kernel is well typed (it must boot); what it does at run
// time is anybody's guess. Everything comes from one seeded PRNG: the same
// seed gives the same text.

import { FUZZ_ROOT, generateSystem, Rng, type GeneratedSystem } from './generate.js';

/** u32 values where limits live: page and window edges, counts past the console limit, wrap-arounds. */
const EDGES = [0, 1, 2, 3, 4, 7, 24, 63, 64, 1023, 1024, 1025, 4095, 4096, 4097, 0x3fff, 0x4000, 0x8000, 131072, 0x100000, 0x100001, 0x3fffffff, 0x40000000, 0x40000ffc, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

interface DomainPlan {
  name: string;
  domid: number;
  mode: 'pv' | 'hvm';
  privileged: boolean;
  paused: boolean;
  vcpus: number;
  pages: number;
}

const HC = { console_io: 18, sched_op: 29, set_timer_op: 15, event_channel_op: 32, grant_table_op: 20, memory_op: 12, multicall: 13, vcpu_op: 24, xen_version: 17, domctl: 36 } as const;

/** A random hostile system. */
export function stressSystem(seed: number): GeneratedSystem {
  const r = new Rng(seed ^ 0x5eed5);
  const count = r.int(1, 3);
  const domains: DomainPlan[] = [];
  for (let i = 0; i < count; i++) {
    domains.push({
      name: i === 0 ? 'dom0' : `u${i}`,
      domid: i,
      mode: r.chance(0.75) ? 'pv' : 'hvm',
      privileged: i === 0,
      paused: i > 0 && r.chance(0.3),
      vcpus: r.int(1, 3),
      pages: r.pick([1, 1, 2, 3, 4, 8, 33]),
    });
  }
  const files: Record<string, string> = {};
  const decls = domains.map((d) => `    domain ${d.name} { kernel "${d.name}.pvk"; memory ${d.pages}; vcpus ${d.vcpus}; mode ${d.mode};${d.privileged ? ' privileged;' : ''}${d.paused ? ' paused;' : ''} }`);
  const systemFile = `${FUZZ_ROOT}/stress${seed}/system.pvk`;
  files[systemFile] = `system stress {\n    hypervisor 4.2;\n    pcpus ${r.int(1, 2)};\n    timeslice ${r.pick([500, 2000, 10000])};\n${decls.join('\n')}\n}\n`;
  for (const d of domains) files[`${FUZZ_ROOT}/stress${seed}/${d.name}.pvk`] = new KernelGen(r, d, domains).kernel();
  return { files, systemFile };
}

class KernelGen {
  private readonly lines: string[] = [];

  constructor(
    private readonly r: Rng,
    private readonly d: DomainPlan,
    private readonly all: readonly DomainPlan[],
  ) {}

  kernel(): string {
    const r = this.r;
    const actions = r.int(3, 12);
    const body: string[] = [];
    for (let i = 0; i < actions; i++) body.push(...this.action().map((l) => `        ${l}`));
    const rounds = r.int(1, 6);
    return `var events: u32 = 0;
var seen: u32 = 0;
fn on_event(port: u32) {
    events += 1;
    if (events % 3 == 0) { print("event ", port, " on ", vcpu_id()); }
}
fn main() -> u32 {
    let round: u32 = 0;
    let r: i32 = 0;
    let a: u32 = 0;
    while (round < ${rounds}) {
${body.join('\n')}
        round += 1;
    }
    print("${this.d.name} vcpu ", vcpu_id(), " done, events ", events);
    return ${r.int(0, 9)};
}
`;
  }

  /** A u32 expression: an edge value, a random one, or something computed from the run. */
  private value(): string {
    const r = this.r;
    switch (r.int(0, 5)) {
      case 0:
        return String(r.pick(EDGES));
      case 1:
        return String(r.u32());
      case 2:
        return `${r.pick(EDGES)} + round`;
      case 3:
        return `(r as u32) & ${r.pick([0xff, 0xfff, 0xffff, 0xffffffff])}`;
      case 4:
        return 'a';
      default:
        return String(r.int(0, 64));
    }
  }

  /** An address: in the domain's pages, at their end, past it, in the grant window, or anywhere. */
  private address(): string {
    const r = this.r;
    const top = this.d.pages * 4096;
    return r.pick([
      String(r.int(0, 255) * 16),
      String(top - 4),
      String(top - 24),
      String(top),
      String(0x40000000 + r.int(0, 3) * 4096 + r.int(0, 63) * 4),
      `(${this.value()}) & 0xfffffffc`,
      '0x800',
    ]);
  }

  private domid(): string {
    return this.r.chance(0.85) ? String(this.r.int(0, this.all.length - 1)) : this.value();
  }

  private hc(name: keyof typeof HC, args: string[]): string {
    return `r = hypercall ${name}(${args.join(', ')});`;
  }

  private action(): string[] {
    const r = this.r;
    const kind = r.pick(['console', 'console', 'print', 'grant', 'grant', 'multicall', 'multicall', 'balloon', 'vcpu', 'event', 'memory', 'timer', 'domctl', 'yield'] as const);
    switch (kind) {
      case 'console':
        return [this.hc('console_io', [r.pick(['0', '0', '1', this.value()]), r.pick([this.value(), '131072', '0x100001', String(this.d.pages * 4096)]), this.address()])];
      case 'print': {
        if (this.d.mode === 'hvm' && r.chance(0.4)) return [`for i in 0..${r.int(1, 300)} { outb(0x3f8, i + round); }`];
        return [`for i in 0..${r.pick([1, 10, 2000, 20000])} { print("${'x'.repeat(r.int(0, 90))}", i); }`];
      }
      case 'grant':
        return this.grant();
      case 'multicall':
        return this.multicall();
      case 'balloon':
        return [this.hc('memory_op', [r.pick(['0', '1', '1', this.value()]), r.pick(['0', '1', '2', '7', '16383', '16384', this.value()])]), 'a = r as u32;'];
      case 'vcpu':
        return [this.hc('vcpu_op', [r.pick(['0', '1', '2', '2', this.value()]), r.pick(['0', '1', '2', 'vcpu_id()', this.value()])])];
      case 'event':
        return [
          this.hc('event_channel_op', ['6', this.domid(), '0']),
          'a = r as u32;',
          this.hc('event_channel_op', [r.pick(['0', '4', '3', '1']), this.domid(), r.pick(['a', this.value(), '1'])]),
          r.chance(0.5) ? this.hc('event_channel_op', ['4', r.pick(['a', '1', '2', this.value()]), '0']) : 'a += 1;',
        ];
      case 'memory': {
        // Mostly inside page 0 (which ballooning never takes): a guest that faults stops exploring.
        const at = r.chance(0.85) ? `(${this.value()}) & 0xffc` : this.address();
        return r.chance(0.5) ? [`mem32[(${at}) & 0xfffffffc] = ${this.value()};`] : [`a = mem8[${at}] + a;`];
      }
      case 'timer':
        return [this.hc('set_timer_op', [r.pick(['0', '(rdtsc() + 700)', this.value()])]), r.chance(0.3) ? this.hc('sched_op', ['1', '0']) : 'a += 2;'];
      case 'domctl':
        if (!this.d.privileged) return [this.hc('domctl', ['5', this.domid(), '0'])];
        return [this.hc('domctl', [r.pick(['2', '3', '4', '4', '5', '5', this.value()]), this.domid(), '0'])];
      case 'yield':
        return [this.hc('sched_op', [r.pick(['0', '0', '1', '2', this.value()]), r.pick(['0', '3', this.value()])])];
    }
  }

  private grant(): string[] {
    const r = this.r;
    switch (r.int(0, 5)) {
      case 0:
        return [this.hc('grant_table_op', ['100', this.domid(), String(r.int(0, this.d.pages)), r.pick(['0', '1']), '0']) + ' a = r as u32;'];
      case 1:
        return [this.hc('grant_table_op', ['0', this.domid(), r.pick(['a', '1', '2', this.value()]), '0', '0']) + ' a = r as u32;'];
      case 2:
        return [this.hc('grant_table_op', ['5', this.domid(), r.pick(['1', '2', 'a']), this.address(), r.pick(['0', '16', '4096', '4097', this.value()])])];
      case 3:
        return [this.hc('grant_table_op', ['1', r.pick(['a', '0x40000000', this.value()]), '0', '0', '0'])];
      case 4:
        return [this.hc('grant_table_op', ['101', r.pick(['a', '1', '2', this.value()]), '0', '0', '0'])];
      default:
        // Many grants at once: the table's limit.
        return [`for i in 0..${r.pick([10, 500, 17000])} { ${this.hc('grant_table_op', ['100', '0', '0', '0', '0'])} }`];
    }
  }

  /** A multicall list written at a random place (often near a page end), its entries drawn from what is interesting. */
  private multicall(): string[] {
    const r = this.r;
    const n = r.pick([0, 1, 2, 3, 5, 1024, 1025]);
    // Mostly a list the guest can write (ending its pages, so that ballooning takes it away); sometimes one it cannot.
    const inside = r.chance(0.8);
    const base = inside ? r.pick([String(this.d.pages * 4096 - 24), String(this.d.pages * 4096 - 48), '0x100', 'TOP - 24', 'TOP - 48']) : r.pick(['0x40000000', this.address()]);
    // TOP: the end of the pages the domain has now (memory_op increase by 0 pages tells it).
    const out = base.startsWith('TOP') ? ['r = hypercall memory_op(0, 0);', `a = ${base.replace('TOP', '(r as u32) * 4096')};`] : [`a = ${base};`];
    const written = inside ? Math.min(n, 6) : 0;
    for (let i = 0; i < written; i++) {
      const entry = this.entry();
      entry.forEach((w, k) => out.push(`mem32[(a + ${i * 24 + k * 4}) & 0xfffffffc] = ${w};`));
    }
    out.push(this.hc('multicall', ['a', String(n)]));
    return out;
  }

  private entry(): string[] {
    const r = this.r;
    const words = (nr: number | string, ...args: string[]) => [String(nr), ...args, '0', '0', '0', '0', '0'].slice(0, 6);
    switch (r.int(0, 8)) {
      case 0:
        return words(HC.memory_op, '1', r.pick(['1', '2', '16383']));
      case 1:
        return words(HC.memory_op, '0', r.pick(['0', '1', '16384']));
      case 2:
        return words(HC.vcpu_op, r.pick(['0', '1', '2']), r.pick(['0', '1', '2']));
      case 3:
        return words(HC.console_io, '0', r.pick(['5', '131072', String(this.d.pages * 4096)]), '0');
      case 4:
        return words(HC.sched_op, r.pick(['0', '1', '2']), '4');
      case 5:
        return words(HC.multicall, '0', '1');
      case 6:
        return words(HC.grant_table_op, r.pick(['100', '0', '5', '101']), '0', '1', '0', '16');
      case 7:
        return words(r.pick([0, 99, 0xffffffff, HC.xen_version, HC.domctl]), '5', '0');
      default:
        return words(HC.event_channel_op, '4', '1');
    }
  }
}

/**
 * A mutant of generate.ts's system for `seed`: some integer literals of its
 * kernels replaced by boundary values. Most mutants still check (the value
 * fits where it stands); the caller skips those that do not.
 */
export function mutantSystem(seed: number): GeneratedSystem {
  const base = generateSystem(seed);
  const r = new Rng(seed ^ 0x3a7a47);
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(base.files)) {
    if (path === base.systemFile) {
      files[path] = text;
      continue;
    }
    const rate = r.pick([0.05, 0.15, 0.4]);
    files[path] = text.replace(/\b(0x[0-9a-fA-F_]+|\d[\d_]*)\b/g, (lit) => (r.chance(rate) ? String(r.pick(EDGES.filter((v) => v <= 0x7fffffff))) : lit));
  }
  return { files, systemFile: base.systemFile };
}
