// A deterministic generator of random, well-typed pvk systems for fuzzing the
// sandbox (and, through generateSystem, for comparing two engines).
//
// generateSystem(seed) returns the source text of a system file, one to three
// kernel files and sometimes a library file that kernels import. Everything
// comes from one seeded PRNG (mulberry32); the same seed always gives the
// same text. Every generated file must check without error diagnostics: the
// generator follows the typing rules of LANGUAGE.md section 2/3 and pvlab's
// docs/LANGUAGE-NOTES.md (literal typing from context, `as`, shifts, stores).
//
// ## The cycle-overshoot bound
//
// The run stops at the cycle limit, but only at a statement boundary, so the
// elapsed time may pass maxCycles by what runs between two boundaries, plus a
// context switch charged just before a vCPU is dispatched. The generator keeps
// what a single statement can cost small and known (worst case over pv, hvm
// and native costs of the spec's tables), so that
//
//     elapsed <= maxCycles + OVERSHOOT_BOUND
//
// holds whenever the machine checks its limit at every statement boundary:
//
//  - a statement without calls ("costly" statement) costs at most
//    MAX_STATEMENT_COST cycles (its boundary, memory accesses, intrinsics and
//    at most a few hypercalls whose variable costs are kept bounded: console
//    counts masked to 9 bits, balloon pages to 3 bits, grant copies to 0x800
//    bytes, multicall lists to at most 4 entries in a reserved area whose
//    argument words are masked, see mc_set, and never in the grant window);
//  - a statement with calls to pvk functions or pvops ("call" statement) has
//    at most MAX_CALLS_PER_STATEMENT calls (+5/+8 each) and at most
//    CALL_STATEMENT_EXTRA cycles of other work; a `return` with calls has
//    none, so returning through any number of frames adds nothing;
//  - every function body ends with a call-free statement, so falling off the
//    end of a function never chains two call statements' remainders;
//  - a context switch costs 500 cycles (charged before the dispatched vCPU
//    reaches its first boundary, which may be in the middle of a statement
//    after a yield or block).
//
// Straight runs of expensive statements without a loop or call between them
// ("bursts") are generated on purpose: each statement is within the bound,
// the run as a whole is not, so a machine that checks its limit only at some
// boundaries shows up as an overshoot.
//
// Memory layout of every generated kernel (page 0, always present):
//   0x000..0x0ff  pv shared-info slots (vcpu_info), 0x100..0x7ff scratch,
//   0x800..0x8ff  multicall list (written only by mc_set, masked arguments),
//   0x900..0xfff  console buffer and scratch.
// Generated stores never target 0x800..0x8ff except through mc_set; computed
// addresses are masked into scratch or forced out of range; writes into a
// mapped grant and grant copies stay below offset 0x800.

export const FUZZ_ROOT = '/fuzz';

/** Most one call-free statement can cost, boundary included (worst case over all modes). */
export const MAX_STATEMENT_COST = 7000;
/** Most a statement with calls may spend besides its calls. */
export const CALL_STATEMENT_EXTRA = 64;
export const MAX_CALLS_PER_STATEMENT = 4;
/** A pcpu switching to another vCPU (spec section 4). */
export const CONTEXT_SWITCH_COST = 500;
/** Largest pvk call overhead: a pvop through the ops table. */
const CALL_COST = 8;
/**
 * How far past maxCycles a run may end: a context switch, then a statement
 * boundary (1), the most expensive statement, and the rest of a call
 * statement the last callee returns into (its extra work and one more call).
 */
export const OVERSHOOT_BOUND = CONTEXT_SWITCH_COST + 1 + MAX_STATEMENT_COST + CALL_STATEMENT_EXTRA + CALL_COST * MAX_CALLS_PER_STATEMENT;

export interface GeneratedSystem {
  /** Absolute path → source text. */
  files: Record<string, string>;
  /** The system file to boot (its first and only system). */
  systemFile: string;
}

export function generateSystem(seed: number): GeneratedSystem {
  return new SystemGen(seed >>> 0).run();
}

// ---------------------------------------------------------------- PRNG

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi], inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Picks a key by weight; weights of 0 are never picked. */
  weighted<K extends string>(table: Partial<Record<K, number>>): K {
    let total = 0;
    for (const k in table) total += table[k] as number;
    let r = this.next() * total;
    let last = '' as K;
    for (const k in table) {
      const w = table[k] as number;
      if (r < w) return k;
      r -= w;
      last = k;
    }
    return last;
  }
  u32(): number {
    return Math.floor(this.next() * 0x1_0000_0000) >>> 0;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

// ---------------------------------------------------------------- model

type Ty = 'u32' | 'i32' | 'bool';
type IntTy = 'u32' | 'i32';
/** 'h': the context gives the expression its type (untyped literals take it); 's': it must type itself. */
type Mode = 'h' | 's';

/** A generated expression: text, precedence of its outermost operator, and whether the checker sees it as untyped. */
interface Ex {
  s: string;
  p: number;
  untyped: boolean;
}

const ATOM = 13;
const POSTFIX = 12;
const UNARY = 11;
const PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

interface Var {
  name: string;
  type: Ty;
  mutable: boolean;
}
interface ConstDef {
  name: string;
  /** Declared type, or 'untyped' for an untyped numeric const (bool consts are always 'bool'). */
  kind: Ty | 'untyped';
  value: number | boolean;
}
type Binding = { k: 'var'; v: Var } | { k: 'const'; c: ConstDef };

interface Param {
  name: string;
  type: Ty;
}
interface FnSig {
  name: string;
  params: Param[];
  ret: Ty | null;
  /** Regular functions take `depth: u32` first and stop at 0. */
  depth: boolean;
}
interface PvopsDef {
  group: string;
  ops: FnSig[];
}

/** What a module (kernel or library) offers to code: its own items plus imported ones. */
interface Items {
  consts: ConstDef[];
  globals: Var[];
  fns: FnSig[];
  pvops: PvopsDef[];
}

interface DomainInfo {
  name: string;
  domid: number;
  mode: 'pv' | 'hvm' | 'native';
  privileged: boolean;
  paused: boolean;
  memory: number;
  vcpus: number;
  kernel: number;
}

interface SystemInfo {
  hypervisor: string | null;
  domains: DomainInfo[];
}

type FnKind = 'main' | 'fn' | 'impl-native' | 'impl-xen' | 'on_event' | 'helper';

/** Per-statement cost accounting (see the overshoot bound above). */
interface StmtState {
  calls: boolean;
  budget: number;
  cost: number;
  ncalls: number;
}

const WORST = {
  mem: 1,
  cli: 1002, sti: 1002, hlt: 1501, inb: 1650, outb: 1650, rdmsr: 1550, wrmsr: 1600,
  read_cr3: 1002, write_cr3: 1200, invlpg: 1100, rdtsc: 20, cmpxchg: 10,
} as const;

/** 300 + the table's cost + the largest variable part the generated arguments allow. */
const HC_COST: Record<string, number> = {
  console_io: 300 + 100 + 0x1ff,
  sched_op: 350,
  set_timer_op: 350,
  event_channel_op: 400,
  grant_table_op: 300 + 200 + 0x800,
  memory_op: 300 + 100 * 7,
  multicall: 300 + 50 + 4 * 1500,
  vcpu_op: 400,
  xen_version: 310,
  set_pat: 350,
  sysctl: 400,
  domctl: 700,
};

const HC_NUMBERS = [18, 29, 15, 32, 20, 12, 13, 24, 17, 40, 35, 36];

// ---------------------------------------------------------------- the system

class SystemGen {
  private readonly rng: Rng;
  constructor(private readonly seed: number) {
    this.rng = new Rng(seed);
  }

  run(): GeneratedSystem {
    const r = this.rng;
    const hypervisor = r.pick([null, '3.0', '4.1', '4.2', '4.2']);
    const ndom = hypervisor === null ? 1 : r.int(1, 3);
    const priv = r.int(0, ndom - 1);
    const nkernels = r.int(1, Math.min(3, ndom));
    const kernelOf = r.shuffle([...Array(ndom).keys()].map((i) => (i < nkernels ? i : r.int(0, nkernels - 1))));
    const names = r.shuffle(['dom0', 'web', 'db', 'guest', 'net', 'store', 'ping', 'pong']);
    const domains: DomainInfo[] = [];
    let next = 1;
    for (let i = 0; i < ndom; i++) {
      const privileged = i === priv;
      domains.push({
        name: names[i],
        domid: privileged ? 0 : next++,
        mode: hypervisor === null ? 'native' : r.chance(0.6) ? 'pv' : 'hvm',
        privileged,
        paused: !privileged && r.chance(0.4),
        memory: r.int(1, 4),
        vcpus: r.int(1, 2),
        kernel: kernelOf[i],
      });
    }
    const sys: SystemInfo = { hypervisor, domains };
    const dir = FUZZ_ROOT;
    const files: Record<string, string> = {};
    const withLib = r.chance(0.4);
    let libItems: Items | undefined;
    if (withLib) {
      const lib = new ModuleGen(r, sys, { lib: true, prefix: 'lib_', imported: undefined, bootedBy: domains });
      files[`${dir}/lib.pvk`] = lib.generate();
      libItems = lib.exports();
    }
    for (let k = 0; k < nkernels; k++) {
      const bootedBy = domains.filter((d) => d.kernel === k);
      const useLib = libItems !== undefined && (k === 0 || r.chance(0.6));
      const m = new ModuleGen(r, sys, { lib: false, prefix: '', imported: useLib ? libItems : undefined, bootedBy });
      files[`${dir}/k${k}.pvk`] = m.generate();
    }
    const systemFile = `${dir}/system.pvk`;
    files[systemFile] = this.systemText(sys, `fuzz${this.seed}`);
    return { files, systemFile };
  }

  private systemText(sys: SystemInfo, name: string): string {
    const r = this.rng;
    const lines = [`// generated by test/fuzz/generate.ts, seed ${this.seed}`, `system ${name} {`];
    const props: string[] = [];
    if (sys.hypervisor === null) props.push('hypervisor none;');
    else if (sys.hypervisor !== '4.2' || r.chance(0.7)) props.push(`hypervisor ${sys.hypervisor};`);
    const pcpus = r.int(1, 2);
    if (pcpus !== 1 || r.chance(0.5)) props.push(`pcpus ${pcpus};`);
    if (r.chance(0.7)) props.push(`timeslice ${r.pick([500, 1000, 2500, 5000, 10000, 30000])};`);
    if (r.chance(0.3)) props.push('patch_pvops;');
    for (const p of r.shuffle(props)) lines.push(`    ${p}`);
    for (const d of sys.domains) {
      const dp: string[] = [`kernel "k${d.kernel}.pvk";`];
      if (d.memory !== 16 || r.chance(0.5)) dp.push(`memory ${d.memory};`);
      if (d.vcpus !== 1 || r.chance(0.5)) dp.push(`vcpus ${d.vcpus};`);
      if (d.privileged) dp.push('privileged;');
      if (d.paused) dp.push('paused;');
      const defaultMode = sys.hypervisor === null ? 'native' : 'pv';
      if (d.mode !== defaultMode || r.chance(0.5)) dp.push(`mode ${d.mode};`);
      if (r.chance(0.3)) dp.push(`weight ${r.pick([1, 64, 256, 512, 1000, 65535])};`);
      if (r.chance(0.2)) dp.push(`cap ${r.pick([1, 10, 25, 50, 100])};`);
      lines.push(`    domain ${d.name} { ${r.shuffle(dp).join(' ')} }`);
    }
    lines.push('}');
    return lines.join('\n') + '\n';
  }
}

// ---------------------------------------------------------------- one module

interface ModuleOptions {
  lib: boolean;
  prefix: string;
  imported: Items | undefined;
  /** The domains whose kernel this is (for a library: every domain). */
  bootedBy: DomainInfo[];
}

class ModuleGen {
  private readonly out: string[] = [];
  private readonly own: Items = { consts: [], globals: [], fns: [], pvops: [] };
  private readonly all: Items;
  private counter = 0;
  // per function
  private scopes: Map<string, Binding>[] = [];
  private fn: FnSig | undefined;
  private kind: FnKind = 'fn';
  private loops = 0;
  private st: StmtState = { calls: false, budget: MAX_STATEMENT_COST, cost: 0, ncalls: 0 };
  private ind = 1;

  constructor(
    private readonly r: Rng,
    private readonly sys: SystemInfo,
    private readonly opt: ModuleOptions,
  ) {
    const imp = opt.imported;
    this.all = imp
      ? { consts: [...imp.consts], globals: [...imp.globals], fns: [...imp.fns], pvops: [...imp.pvops] }
      : { consts: [], globals: [], fns: [], pvops: [] };
  }

  exports(): Items {
    return this.own;
  }

  /** Appends a line of top-level text. */
  private emit(text: string): void {
    this.out.push(text);
  }

  private get bare(): boolean {
    return this.sys.hypervisor === null;
  }

  private fresh(base: string): string {
    return `${this.opt.prefix}${base}_${this.counter++}`;
  }

  // ------------------------------------------------------------ items

  generate(): string {
    const r = this.r;
    const o = this.out;
    o.push(`// generated by test/fuzz/generate.ts (${this.opt.lib ? 'library' : 'kernel'})`);
    if (this.opt.imported) o.push('import "lib.pvk";');
    o.push('');
    this.genConsts();
    this.genGlobals();
    if (!this.opt.lib) {
      for (const [name, type, init] of [['evcount', 'u32', '0'], ['evport', 'u32', '0'], ['gref', 'i32', '0'], ['gmap', 'i32', '0']] as const) {
        const v: Var = { name, type, mutable: true };
        this.own.globals.push(v);
        this.all.globals.push(v);
        o.push(`var ${name}: ${type} = ${init};`);
      }
    }
    o.push('');
    // pvops tables
    const ntables = this.opt.lib ? r.int(1, 2) : r.int(0, 2);
    for (let t = 0; t < ntables; t++) this.genPvopsDecl();
    // function signatures first, so that bodies can call any of them
    const nfns = r.int(1, this.opt.lib ? 2 : 4);
    const sigs: FnSig[] = [];
    for (let i = 0; i < nfns; i++) {
      const params: Param[] = [{ name: 'depth', type: 'u32' }];
      const np = r.int(0, 3);
      for (let p = 0; p < np; p++) params.push({ name: `p${p}`, type: r.pick(['u32', 'i32', 'bool'] as const) });
      const sig: FnSig = { name: this.fresh('f'), params, ret: r.chance(0.75) ? r.pick(['u32', 'i32', 'bool'] as const) : null, depth: true };
      sigs.push(sig);
    }
    this.own.fns.push(...sigs);
    this.all.fns.push(...sigs);
    // impls
    for (const table of this.own.pvops) {
      for (const platform of r.shuffle(['native', 'xen'] as const)) this.genImpl(table, platform);
    }
    for (const sig of sigs) this.genFn(sig, 'fn');
    if (!this.opt.lib) {
      this.genMcSet();
      if (r.chance(0.5)) this.genDeep();
      if (r.chance(0.85)) this.genFn({ name: 'on_event', params: [{ name: 'port', type: 'u32' }], ret: null, depth: false }, 'on_event');
      this.genFn({ name: 'main', params: [], ret: r.chance(0.8) ? 'u32' : null, depth: false }, 'main');
    }
    // Items are visible file-wide in any order: sometimes shuffle them.
    const header = o.splice(0, this.opt.imported ? 2 : 1);
    const items: string[][] = [];
    for (const l of o) {
      if (/^(const|var|pvops|impl|fn) /.test(l) || items.length === 0) items.push([]);
      items[items.length - 1].push(l);
    }
    if (r.chance(0.35)) r.shuffle(items);
    return [...header, ...items.flat()].join('\n') + '\n';
  }

  private genConsts(): void {
    const r = this.r;
    const n = r.int(2, 6);
    for (let i = 0; i < n; i++) {
      const kind = r.pick(['u32', 'i32', 'untyped', 'untyped', 'bool'] as const);
      const name = this.fresh('K');
      let c: ConstDef;
      let init: string;
      const prior = this.all.consts.filter((p) => p.kind === kind && typeof p.value === 'number');
      if (kind === 'bool') {
        const priorBool = this.all.consts.filter((p) => p.kind === 'bool');
        if (priorBool.length > 0 && r.chance(0.4)) {
          const p = r.pick(priorBool);
          c = { name, kind, value: !(p.value as boolean) };
          init = `!${p.name}`;
        } else {
          const v = r.chance(0.5);
          c = { name, kind, value: v };
          init = String(v);
        }
        this.emit(`const ${name}${r.chance(0.5) ? ': bool' : ''} = ${init};`);
        this.addConst(c);
        continue;
      }
      const [lo, hi] = kind === 'u32' ? [0, 0xffffffff] : kind === 'i32' ? [-0x80000000, 0x7fffffff] : [-0x80000000, 0xffffffff];
      let value = this.interestingInt(kind === 'u32' ? 'u32' : kind === 'i32' ? 'i32' : r.pick(['u32', 'i32'] as const));
      init = intText(value, r);
      if (prior.length > 0 && r.chance(0.4)) {
        const p = r.pick(prior);
        const k = r.int(0, 100);
        const op = r.pick(['+', '-', '*'] as const);
        const v = op === '+' ? (p.value as number) + k : op === '-' ? (p.value as number) - k : (p.value as number) * k;
        // An untyped const's initializer is checked as the type its value fits (i32 when negative).
        const operandFits = kind !== 'untyped' || fitsInt(p.value as number, v < 0 ? 'i32' : 'u32');
        if (v >= lo && v <= hi && operandFits) {
          value = v;
          init = `${p.name} ${op} ${k}`;
        }
      }
      c = { name, kind, value };
      this.emit(`const ${name}${kind === 'untyped' ? '' : `: ${kind}`} = ${init};`);
      this.addConst(c);
    }
    // An untyped const derived from a typed u32 const: it still takes its type from context.
    const typedU = this.all.consts.filter((c) => c.kind === 'u32' && (c.value as number) < 0x7fffff00);
    if (typedU.length > 0 && r.chance(0.3)) {
      const p = r.pick(typedU);
      const c: ConstDef = { name: this.fresh('K'), kind: 'untyped', value: (p.value as number) + 1 };
      this.emit(`const ${c.name} = ${p.name} + 1;`);
      this.addConst(c);
    }
  }

  private addConst(c: ConstDef): void {
    this.own.consts.push(c);
    this.all.consts.push(c);
  }

  private interestingInt(t: IntTy): number {
    const r = this.r;
    if (t === 'u32') return r.pick([0, 1, 2, 3, 7, 8, 31, 32, 33, 255, 256, 4096, 0x3f8, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, r.u32(), r.int(0, 100), r.int(0, 5000)]);
    return r.pick([0, 1, -1, 2, -2, 7, -7, 31, 32, -32, 255, -2147483648, 2147483647, r.u32() | 0, r.int(-100, 100), r.int(-5000, 5000)]);
  }

  private genGlobals(): void {
    const r = this.r;
    const n = r.int(1, 4);
    for (let i = 0; i < n; i++) {
      const name = this.fresh('g');
      const t = r.pick(['u32', 'i32', 'bool'] as const);
      let init: string;
      let typed = true;
      if (t === 'bool') {
        const bc = this.all.consts.filter((c) => c.kind === 'bool');
        init = bc.length > 0 && r.chance(0.3) ? r.pick(bc).name : String(r.chance(0.5));
      } else {
        const cs = this.all.consts.filter((c) => (c.kind === t || c.kind === 'untyped') && typeof c.value === 'number' && fitsInt(c.value as number, t));
        init = cs.length > 0 && r.chance(0.4) ? r.pick(cs).name : intText(this.interestingInt(t), r);
        if (cs.length > 0 && r.chance(0.2)) init = `${r.pick(cs).name} * 2`;
        // `var g = <untyped>;` is u32; only leave the type out then.
        if (t === 'u32' && r.chance(0.3)) typed = false;
        // a const-expression initialiser must still fit
        if (init.endsWith(' * 2')) {
          const c = this.all.consts.find((x) => x.name === init.slice(0, -4)) as ConstDef;
          if (!fitsInt((c.value as number) * 2, t)) init = c.name;
        }
      }
      this.emit(`var ${name}${typed ? `: ${t}` : ''} = ${init};`);
      const v: Var = { name, type: t, mutable: true };
      this.own.globals.push(v);
      this.all.globals.push(v);
    }
  }

  private genPvopsDecl(): void {
    const r = this.r;
    const group = this.fresh('ops');
    const nops = r.int(1, 3);
    const ops: FnSig[] = [];
    for (let i = 0; i < nops; i++) {
      const params: Param[] = [];
      const np = r.int(0, 2);
      for (let p = 0; p < np; p++) params.push({ name: `a${p}`, type: r.pick(['u32', 'i32', 'bool'] as const) });
      ops.push({ name: r.pick(['irq_disable', 'irq_enable', 'load_cr3', 'flush', 'io', 'save', 'restore', 'tick'].filter((n) => !ops.some((x) => x.name === n))), params, ret: r.chance(0.4) ? r.pick(['u32', 'i32', 'bool'] as const) : null, depth: false });
    }
    const table: PvopsDef = { group, ops };
    this.own.pvops.push(table);
    this.all.pvops.push(table);
    this.emit(`pvops ${group} {`);
    for (const op of ops) this.emit(`    fn ${sigText(op)};`);
    this.emit('}');
    this.emit('');
  }

  private genImpl(table: PvopsDef, platform: 'native' | 'xen'): void {
    this.emit(`impl ${table.group} for ${platform} {`);
    for (const op of this.r.shuffle([...table.ops])) {
      // parameter names may differ from the declaration
      const sig: FnSig = { ...op, params: op.params.map((p, i) => ({ name: this.r.chance(0.5) ? p.name : `q${i}`, type: p.type })) };
      this.genFn(sig, platform === 'native' ? 'impl-native' : 'impl-xen', 1);
    }
    this.emit('}');
    this.emit('');
  }

  /** The multicall list writer: the only code that stores into 0x800..0x8ff. */
  private genMcSet(): void {
    this.emit('fn mc_set(i: u32, nr: u32, a0: u32, a1: u32, a2: u32, a3: u32, a4: u32) {');
    this.emit('    let e: u32 = 0x800 + (i & 3) * 24;');
    this.emit('    mem32[e] = nr;');
    this.emit('    mem32[e + 4] = a0;');
    this.emit('    mem32[e + 8] = a1 & 15;');
    this.emit('    mem32[e + 12] = a2;');
    this.emit('    mem32[e + 16] = a3;');
    this.emit('    mem32[e + 20] = a4 & 63;');
    this.emit('    return;');
    this.emit('}');
    this.emit('');
  }

  /** Linear recursion for stack-overflow hunting (call depth above 256 frames faults). */
  private genDeep(): void {
    const sig: FnSig = { name: 'deep', params: [{ name: 'n', type: 'u32' }], ret: 'u32', depth: false };
    this.all.fns.push(sig); // not in own.fns: callers pick it specially (see deepCall)
    this.hasDeep = true;
    this.emit('fn deep(n: u32) -> u32 {');
    this.emit('    if (n == 0) { return 0; }');
    this.emit(`    return deep(n - 1) + ${this.r.pick(['1', 'n', '(n & 1)'])};`);
    this.emit('}');
    this.emit('');
  }
  private hasDeep = false;

  // ------------------------------------------------------------ functions

  private genFn(sig: FnSig, kind: FnKind, indent = 0): void {
    const r = this.r;
    this.fn = sig;
    this.kind = kind;
    this.loops = 0;
    const params = new Map<string, Binding>();
    for (const p of sig.params) params.set(p.name, { k: 'var', v: { name: p.name, type: p.type, mutable: p.name !== 'depth' } });
    this.scopes = [params, new Map()];
    this.scopeEpoch++;
    const pad = '    '.repeat(indent);
    this.out.push(`${pad}fn ${sigText(sig)} {`);
    this.ind = indent + 1;
    if (sig.depth) {
      this.begin(false);
      const ret = sig.ret ? ` ${this.expr(sig.ret, 'h', 1).s}` : '';
      this.line(`if (depth == 0) { return${ret}; }`);
    }
    if (kind === 'main') this.mainPrologue();
    if (kind === 'on_event') this.onEventPrologue();
    const n = kind.startsWith('impl') ? r.int(0, 3) : kind === 'main' ? r.int(3, 9) : r.int(1, 5);
    this.stmts(n, 0);
    if (kind === 'main') this.mainEpilogue();
    // The last statement never calls (see the overshoot bound).
    this.begin(false);
    if (sig.ret) {
      if (r.chance(0.93)) this.line(`return ${this.expr(sig.ret, 'h', 2).s};`);
      else this.simpleStmt(); // falls off the end: returns 0 (PVK009 warning)
    } else if (r.chance(0.6)) this.line('return;');
    else if (kind.startsWith('impl') && r.chance(0.5)) {
      // an empty tail: nothing after the last statement
    } else this.simpleStmt();
    this.ind = indent;
    this.out.push(`${pad}}`);
    if (indent === 0) this.out.push('');
    this.fn = undefined;
  }

  private line(text: string): void {
    const r = this.r.float();
    // now and then a comment, before or after the code on the line
    const t = r < 0.015 ? `/* ${this.counter} */ ${text}` : r < 0.03 ? `${text} // ${text.length}` : text;
    this.out.push(`${'    '.repeat(this.ind)}${t}`);
  }

  /** Starts a statement's cost accounting. */
  private begin(calls: boolean, isReturn = false): void {
    this.st = { calls, budget: calls ? (isReturn ? 0 : CALL_STATEMENT_EXTRA) : MAX_STATEMENT_COST - 1, cost: 0, ncalls: 0 };
  }
  private spend(c: number): boolean {
    if (this.st.cost + c > this.st.budget) return false;
    this.st.cost += c;
    return true;
  }
  private canCall(): boolean {
    return this.st.calls && this.st.ncalls < MAX_CALLS_PER_STATEMENT;
  }
  private get mayCallFns(): boolean {
    return this.kind === 'main' || this.kind === 'fn' || this.kind === 'on_event';
  }
  private get hypercallsOk(): boolean {
    // Under bare metal a hypercall faults (no-hypervisor); keep them rare outside xen impls.
    return !this.bare || this.kind === 'impl-xen' || this.r.chance(0.03);
  }

  // ------------------------------------------------------------ scopes

  /** Every name in scope, innermost binding first-class; cached until the scopes change. */
  private visibleCache: { key: string; map: Map<string, Binding> } | undefined;
  private visible(): Map<string, Binding> {
    const key = `${this.scopeEpoch}|${this.all.consts.length},${this.all.globals.length}`;
    if (this.visibleCache?.key === key) return this.visibleCache.map;
    const m = new Map<string, Binding>();
    for (const c of this.all.consts) m.set(c.name, { k: 'const', c });
    for (const g of this.all.globals) m.set(g.name, { k: 'var', v: g });
    for (const s of this.scopes) for (const [k, b] of s) m.set(k, b);
    this.visibleCache = { key, map: m };
    return m;
  }
  private scopeEpoch = 0;
  private pushScope(m: Map<string, Binding>): void {
    this.scopes.push(m);
    this.scopeEpoch++;
  }
  private popScope(): void {
    this.scopes.pop();
    this.scopeEpoch++;
  }
  private varsOf(t: Ty, mutableOnly = false): Var[] {
    const out: Var[] = [];
    for (const b of this.visible().values()) if (b.k === 'var' && b.v.type === t && (!mutableOnly || b.v.mutable)) out.push(b.v);
    return out;
  }
  private constsOf(t: Ty, mode: Mode): ConstDef[] {
    const out: ConstDef[] = [];
    for (const b of this.visible().values()) {
      if (b.k !== 'const') continue;
      const c = b.c;
      if (t === 'bool') {
        if (c.kind === 'bool') out.push(c);
      } else if (c.kind === t) out.push(c);
      else if (c.kind === 'untyped' && (mode === 'h' || t === 'u32') && fitsInt(c.value as number, t)) out.push(c);
    }
    return out;
  }
  private declare(v: Var): void {
    this.scopes[this.scopes.length - 1].set(v.name, { k: 'var', v });
    this.scopeEpoch++;
  }
  /** A name for a new local: usually fresh, sometimes shadowing a name visible from an outer block. */
  private localName(): string {
    if (this.r.chance(0.15)) {
      const inner = this.scopes[this.scopes.length - 1];
      // depth keeps recursion bounded; the kernel's bookkeeping globals are used by name.
      const reserved = new Set(['depth', 'evcount', 'evport', 'gref', 'gmap']);
      const candidates = [...this.visible().keys()].filter((n) => !inner.has(n) && !reserved.has(n));
      if (candidates.length > 0) return this.r.pick(candidates);
    }
    return this.fresh('l');
  }

  // ------------------------------------------------------------ statements

  private stmts(n: number, depth: number): void {
    for (let i = 0; i < n; i++) {
      const ended = this.stmt(depth);
      if (ended) return; // nothing after return/break/continue in a block
    }
  }

  private block(open: string, n: number, depth: number, close = '}'): void {
    this.line(open);
    this.ind++;
    this.pushScope(new Map());
    this.stmts(n, depth);
    this.popScope();
    this.ind--;
    this.line(close);
  }

  /** One statement; returns true when it ends the block (return, break, continue). */
  private stmt(depth: number): boolean {
    const r = this.r;
    const nested = depth < 3;
    const impl = this.kind.startsWith('impl');
    const kind = r.weighted({
      let: 14,
      assignLocal: 10,
      assignGlobal: 7,
      store: 10,
      compoundStore: 5,
      if: nested ? 8 : 0,
      while: nested ? 5 : 0,
      for: nested ? 5 : 0,
      block: nested ? 2 : 0,
      print: 6,
      call: this.mayCallFns ? 8 : 0,
      hypercall: this.hypercallsOk ? 9 : 0,
      intrinsic: 7,
      burst: 5,
      multicall: this.mayCallFns && !this.bare && !this.opt.lib ? 2 : 0,
      mapGrant: !impl && !this.bare && !this.opt.lib ? 1 : 0,
      console: this.hypercallsOk ? 1 : 0,
      deep: this.hasDeep && this.kind === 'main' ? 1 : 0,
      jump: this.loops > 0 ? 4 : 0,
      ret: depth > 0 ? 2 : 0,
      exprStmt: 2,
    });
    switch (kind) {
      case 'let':
        this.letStmt(r.chance(0.3));
        return false;
      case 'assignLocal':
      case 'assignGlobal':
        this.assignStmt(kind === 'assignGlobal');
        return false;
      case 'store':
        this.storeStmt(false);
        return false;
      case 'compoundStore':
        this.storeStmt(true);
        return false;
      case 'if':
        this.ifStmt(depth);
        return false;
      case 'while':
        this.whileStmt(depth);
        return false;
      case 'for':
        this.forStmt(depth);
        return false;
      case 'block':
        this.block('{', r.int(1, 3), depth + 1);
        return false;
      case 'print':
        this.printStmt();
        return false;
      case 'call':
        this.callStmt();
        return false;
      case 'hypercall':
        this.hypercallStmt();
        return false;
      case 'intrinsic':
        this.intrinsicStmt();
        return false;
      case 'burst':
        this.burst();
        return false;
      case 'multicall':
        this.multicallSeq();
        return false;
      case 'mapGrant':
        this.mapGrantSeq();
        return false;
      case 'console':
        this.consoleSeq();
        return false;
      case 'deep':
        this.begin(true);
        this.st.ncalls++;
        this.line(`let ${this.fresh('l')}: u32 = deep(${r.pick([3, 50, 200, 253, 254, 255, 256, 300])});`);
        return false;
      case 'jump':
        this.begin(false);
        if (r.chance(0.5)) {
          this.line(`${r.chance(0.5) ? 'break' : 'continue'};`);
          return true;
        }
        this.line(`if (${this.expr('bool', 'h', 2).s}) { ${r.chance(0.5) ? 'break' : 'continue'}; }`);
        return false;
      case 'ret':
        this.retStmt();
        return true;
      case 'exprStmt':
        this.begin(r.chance(0.3) && this.mayCallFns);
        this.line(`${this.expr(r.pick(['u32', 'i32', 'bool'] as const), 's', 2).s};`);
        return false;
    }
    return false;
  }

  /** A statement that never calls and never nests (for function tails). */
  private simpleStmt(): void {
    const r = this.r;
    this.begin(false);
    const k = r.weighted({ assign: 3, store: 2, print: 2, intrinsic: 1 });
    if (k === 'assign') this.assignStmt(r.chance(0.5), false);
    else if (k === 'store') this.storeStmt(r.chance(0.3), false);
    else if (k === 'print') this.printStmt(false);
    else this.intrinsicStmt();
  }

  private retStmt(): void {
    const calls = this.mayCallFns && this.r.chance(0.3);
    this.begin(calls, true);
    const ret = this.fn?.ret;
    this.line(ret ? `return ${this.expr(ret, 'h', 2).s};` : 'return;');
  }

  private letStmt(calls: boolean, name?: string, type?: Ty): Var {
    const r = this.r;
    this.begin(calls && this.mayCallFns);
    const t = type ?? r.pick(['u32', 'u32', 'i32', 'i32', 'bool'] as const);
    const typed = r.chance(0.6);
    // The initializer does not see the new name: generate it before declaring.
    const init = typed ? this.expr(t, 'h', 3) : this.expr(t, 's', 3);
    const v: Var = { name: name ?? this.localName(), type: t, mutable: true };
    this.line(`let ${v.name}${typed ? `: ${t}` : ''} = ${init.s};`);
    this.declare(v);
    return v;
  }

  private assignStmt(global: boolean, calls = this.r.chance(0.3)): void {
    const r = this.r;
    const globals = new Set(this.all.globals);
    const pool: Var[] = [];
    for (const b of this.visible().values()) if (b.k === 'var' && b.v.mutable && globals.has(b.v) === global) pool.push(b.v);
    if (pool.length === 0) {
      this.letStmt(calls);
      return;
    }
    this.begin(calls && this.mayCallFns);
    const v = r.pick(pool);
    if (v.type === 'bool' || r.chance(0.35)) {
      this.line(`${v.name} = ${this.expr(v.type, 'h', 3).s};`);
      return;
    }
    const op = r.pick(['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='] as const);
    const t = v.type as IntTy;
    let value: string;
    if (op === '<<=' || op === '>>=') value = this.shiftCount().s;
    else if (op === '/=' || op === '%=') value = this.divisor(t).s;
    else value = this.expr(t, 'h', 3).s;
    this.line(`${v.name} ${op} ${value};`);
  }

  private storeStmt(compound: boolean, calls = this.r.chance(0.25)): void {
    const r = this.r;
    this.begin(calls && this.mayCallFns);
    const width = r.pick([8, 16, 32] as const);
    const cost = compound ? 2 : 1;
    if (!this.spend(cost)) {
      this.line(`let ${this.fresh('l')} = 0;`);
      return;
    }
    const addr = this.address(width);
    if (!compound) {
      let value: string;
      const k = r.int(0, 9);
      if (k === 0) value = intText(r.pick([-1, -2, -2147483648, -7]), r); // a negative literal is stored as i32
      else if (k <= 2) value = this.expr('i32', 's', 3).s;
      else value = this.expr('u32', 'h', 3).s;
      this.line(`mem${width}[${addr.s}] = ${value};`);
      return;
    }
    const op = r.pick(['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='] as const);
    const value = op === '<<=' || op === '>>=' ? this.shiftCount().s : op === '/=' || op === '%=' ? this.divisor('u32').s : this.expr('u32', 'h', 3).s;
    this.line(`mem${width}[${addr.s}] ${op} ${value};`);
  }

  private ifStmt(depth: number): void {
    const r = this.r;
    this.begin(r.chance(0.25) && this.mayCallFns);
    const cond = this.expr('bool', 'h', 3).s;
    const paren = r.chance(0.9);
    this.block(paren ? `if (${cond}) {` : `if ${cond} {`, r.int(0, 3), depth + 1, '}');
    let chain = r.int(0, 2);
    while (chain-- > 0) {
      this.out.pop();
      this.begin(false);
      this.block(`} else if (${this.expr('bool', 'h', 2).s}) {`, r.int(1, 2), depth + 1, '}');
    }
    if (r.chance(0.4)) {
      this.out.pop();
      this.block('} else {', r.int(1, 2), depth + 1, '}');
    }
  }

  private whileStmt(depth: number): void {
    const r = this.r;
    const counter = this.fresh('w');
    this.begin(false);
    this.line(`let ${counter}: u32 = 0;`);
    this.begin(r.chance(0.2) && this.mayCallFns);
    const bound = r.int(1, 6);
    const cond = r.chance(0.5) ? `${counter} < ${bound} && ${this.paren(this.expr('bool', 'h', 2), PREC['&&'] + 1)}` : `${counter} < ${bound}`;
    this.line(`while (${cond}) {`);
    this.ind++;
    this.pushScope(new Map());
    this.loops++;
    this.begin(false);
    this.line(`${counter} += 1;`);
    this.stmts(r.int(1, 4), depth + 1);
    this.loops--;
    this.popScope();
    this.ind--;
    this.line('}');
  }

  private forStmt(depth: number): void {
    const r = this.r;
    this.begin(r.chance(0.2) && this.mayCallFns);
    let lo: string;
    let hi: string;
    const k = r.int(0, 9);
    if (k <= 4) {
      lo = String(r.int(0, 3));
      hi = String(r.int(0, 6));
    } else if (k <= 8) {
      lo = this.paren(this.expr('u32', 'h', 2), PREC['&'] + 1) + ' & 3';
      hi = `${r.int(0, 4)} + (${this.expr('u32', 'h', 2).s} & 7)`;
    } else {
      // rarely a huge range: the cycle limit stops it
      lo = '0';
      hi = this.expr('u32', 'h', 2).s;
    }
    const name = this.fresh('i');
    this.line(`for ${name} in ${lo}..${hi} {`);
    this.ind++;
    this.pushScope(new Map([[name, { k: 'var', v: { name, type: 'u32', mutable: false } } as Binding]]));
    this.pushScope(new Map());
    this.loops++;
    this.stmts(r.int(0, 4), depth + 1);
    this.loops--;
    this.popScope();
    this.popScope();
    this.ind--;
    this.line('}');
  }

  private printStmt(calls = this.r.chance(0.25)): void {
    const r = this.r;
    this.begin(calls && this.mayCallFns);
    const parts: string[] = [];
    const n = r.int(0, 4);
    for (let i = 0; i < n; i++) {
      if (r.chance(0.45)) parts.push(stringLit(r));
      else parts.push(this.expr(r.pick(['u32', 'i32', 'bool'] as const), 's', 2).s);
    }
    this.line(`print(${parts.join(', ')});`);
  }

  private callStmt(): void {
    const r = this.r;
    this.begin(true);
    const e = this.callExpr(r.pick(['u32', 'i32', 'bool', null] as const), true);
    if (e) this.line(`${e.s};`);
    else this.line(`${this.expr('u32', 's', 2).s};`);
  }

  private hypercallStmt(): void {
    const r = this.r;
    this.begin(false);
    const h = this.hypercall();
    if (!h) {
      this.line('print("no hypercall");');
      return;
    }
    const k = r.int(0, 3);
    if (k === 0) this.line(`${h.s};`);
    else if (k === 1) this.line(`let ${this.fresh('h')} = ${h.s};`);
    else if (k === 2) {
      const v = this.varsOf('i32', true).filter((x) => x.name !== 'depth');
      if (v.length > 0) this.line(`${r.pick(v).name} ${r.pick(['=', '+=', '^='])} ${h.s};`);
      else this.line(`let ${this.fresh('h')}: i32 = ${h.s};`);
    } else this.line(`if (${h.s} ${r.pick(['<', '==', '!=', '>='])} ${r.pick(['0', '-38', '-22', '1', '-1'])}) { print("hc ", ${r.pick(['true', 'false'])}); }`);
  }

  private intrinsicStmt(): void {
    const r = this.r;
    this.begin(false);
    const native = this.kind === 'impl-native';
    const which = r.weighted({ cli: native ? 6 : 2, sti: native ? 6 : 3, outb: 4, serial: 4, wrmsr: 2, write_cr3: 2, invlpg: 2, hlt: 0.4, cmpxchg: 2, mask: this.kind === 'impl-xen' ? 6 : 1 });
    switch (which) {
      case 'cli':
      case 'sti':
        this.spend(WORST.cli);
        this.line(`${which}();`);
        break;
      case 'hlt':
        this.spend(WORST.hlt);
        this.line('hlt();');
        break;
      case 'outb':
        this.spend(WORST.outb);
        this.line(`outb(${this.expr('u32', 'h', 1).s}, ${this.expr('u32', 'h', 2).s});`);
        break;
      case 'serial': {
        this.spend(WORST.outb);
        const ch = r.chance(0.8) ? String(r.int(32, 126)) : this.expr('u32', 'h', 2).s;
        this.line(`outb(${r.pick(['0x3f8', '1016', '0x3F8', '0x103f8'])}, ${ch});`);
        break;
      }
      case 'wrmsr':
        this.spend(WORST.wrmsr);
        this.line(`wrmsr(${r.chance(0.5) ? r.pick(['0x1b', '0xc0000080', '0', '0x174']) : this.expr('u32', 'h', 1).s}, ${this.expr('u32', 'h', 2).s});`);
        break;
      case 'write_cr3':
        this.spend(WORST.write_cr3);
        this.line(`write_cr3(${this.expr('u32', 'h', 2).s});`);
        break;
      case 'invlpg':
        this.spend(WORST.invlpg);
        this.line(`invlpg(${this.expr('u32', 'h', 2).s});`);
        break;
      case 'cmpxchg': {
        this.spend(WORST.cmpxchg);
        this.line(`${r.chance(0.5) ? `let ${this.fresh('c')} = ` : ''}cmpxchg(${this.address(32).s}, ${this.expr('u32', 'h', 1).s}, ${this.expr('u32', 'h', 1).s});`);
        break;
      }
      case 'mask':
        this.spend(WORST.mem);
        this.line(`mem8[vcpu_info()${r.chance(0.2) ? ' + 1' : ''}] = ${r.pick(['0', '1', '1', '0'])};`);
        break;
    }
  }

  /**
   * A straight run of expensive statements without a loop or call between
   * them (each is one statement within the budget; the run as a whole is not):
   * a machine that checks its limit only at some boundaries overshoots here.
   */
  private burst(): void {
    const r = this.r;
    const n = r.int(6, 16);
    for (let i = 0; i < n; i++) {
      this.begin(false);
      switch (r.int(0, 4)) {
        case 0:
          this.spend(WORST.inb);
          this.line(`${this.varsOf('u32', true).length > 0 && r.chance(0.5) ? `${r.pick(this.varsOf('u32', true)).name} +=` : `let ${this.fresh('b')} =`} inb(${r.pick(['0x60', '0x64', '0x71'])});`);
          break;
        case 1:
          this.spend(WORST.outb);
          this.line(`outb(0x80, ${i});`);
          break;
        case 2:
          this.spend(WORST.wrmsr);
          this.line(`wrmsr(0x${(0x170 + i).toString(16)}, rdtsc());`);
          break;
        case 3:
          this.spend(WORST.write_cr3);
          this.line(`write_cr3(${i * 4096});`);
          break;
        default:
          this.spend(WORST.rdmsr);
          this.line(`let ${this.fresh('b')} = rdmsr(0x${(0x170 + i).toString(16)});`);
      }
    }
  }

  /** Fills 1–4 multicall entries with mc_set, then issues the multicall (and reads a result back). */
  private multicallSeq(): void {
    const r = this.r;
    const n = r.int(1, 4);
    for (let i = 0; i < n; i++) {
      this.begin(true);
      this.st.ncalls++;
      const [nr, args] = this.multicallEntry();
      this.line(`mc_set(${i}, ${nr}, ${args.join(', ')});`);
    }
    this.begin(false);
    this.spend(HC_COST.multicall);
    const count = r.chance(0.85) ? String(r.int(0, n)) : r.pick(['4', '2000', '0xffffffff']);
    // Never a list in the grant window: its entries would be another domain's data, of unbounded
    // cost (a multicall into a read-only mapping is a hand-written probe in sandbox.fuzz.test.ts).
    const list = r.chance(0.9) ? r.pick(['0x800', '2048']) : r.pick(['0xfffff000', '0xffffff00']);
    const res = this.fresh('m');
    this.line(`let ${res} = hypercall multicall(${list}, ${count});`);
    if (r.chance(0.6)) {
      this.begin(false);
      this.line(`print("multicall ", ${res}, " first ", mem32[0x800] as i32);`);
    }
  }

  private multicallEntry(): [string, string[]] {
    const r = this.r;
    const z = '0';
    const dom = () => String(r.int(0, this.sys.domains.length));
    switch (r.int(0, 11)) {
      case 0: return ['17', [z, z, z, z, z]]; // xen_version(0)
      case 1: return ['32', ['4', this.portExpr(), z, z, z]]; // send
      case 2: return ['36', ['5', dom(), z, z, z]]; // getinfo
      case 3: return ['29', [r.pick(['0', '1', '2', '7']), String(r.int(0, 3)), z, z, z]]; // sched_op (nested: only shutdown works)
      case 4: return ['18', ['0', String(r.int(0, 15)), r.pick(['0x900', '0x100', '0xfffffff0']), z, z]]; // console_io
      case 5: return ['12', [String(r.int(0, 2)), String(r.int(0, 3)), z, z, z]]; // memory_op
      case 6: return ['13', ['0x800', '1', z, z, z]]; // nested multicall: -EINVAL
      case 7: return ['15', [r.pick(['0', '100000', '0xffffffff']), z, z, z, z]]; // set_timer_op
      case 8: return ['24', ['2', String(r.int(0, 2)), z, z, z]]; // vcpu_op is_up
      case 9: return ['20', [r.pick(['100', '0', '5', '101']), dom(), String(r.int(0, 3)), r.pick(['0', '1', '0x900']), String(r.int(0, 63))]]; // grants
      case 10: return [String(r.pick([0, 1, 99, 4096, ...HC_NUMBERS])), [this.expr('u32', 'h', 1).s, this.expr('u32', 'h', 1).s, this.expr('u32', 'h', 1).s, this.expr('u32', 'h', 1).s, this.expr('u32', 'h', 1).s]];
      default: return ['40', [String(r.u32()), z, z, z, z]]; // set_pat
    }
  }

  /** Writes a short text into the console buffer byte by byte, then console_io prints it. */
  private consoleSeq(): void {
    const r = this.r;
    const text = r.pick(['hi\n', 'ok', 'pvk!', 'dom', '\tz\u0001']);
    const bytes = [...text].map((ch) => ch.charCodeAt(0));
    const base = 0x900 + r.int(0, 0x100) * 4;
    bytes.forEach((b, i) => {
      this.begin(false);
      this.line(`mem8[0x${(base + i).toString(16)}] = ${b};`);
    });
    this.begin(false);
    this.spend(HC_COST.console_io);
    this.line(`hypercall console_io(0, ${bytes.length + (r.chance(0.8) ? 0 : r.int(1, 8))}, 0x${base.toString(16)});`);
  }

  /** dom0 maps a domU's grant (ref 1, the lowest), reads and writes it, unmaps it. */
  private mapGrantSeq(): void {
    const r = this.r;
    const others = this.sys.domains.filter((d) => !d.privileged).map((d) => d.domid);
    const from = others.length > 0 ? r.pick(others) : 0;
    const cnt = this.fresh('t');
    this.begin(false);
    this.line(`let ${cnt}: u32 = 0;`);
    this.line(`while (${cnt} < ${r.int(1, 6)}) {`);
    this.ind++;
    this.begin(false);
    this.line(`${cnt} += 1;`);
    this.begin(false);
    this.line(`gmap = hypercall grant_table_op(0, ${r.chance(0.8) ? from : 'domain_id()'}, ${r.chance(0.8) ? '1' : 'gref as u32'}, 0, 0);`);
    this.begin(false);
    this.line('if (gmap > 0) { break; }');
    this.begin(false);
    this.line('hypercall sched_op(0, 0);');
    this.ind--;
    this.line('}');
    this.begin(false);
    const off = r.int(0, 0x1ff) * 4;
    this.line(`if (gmap > 0) {`);
    this.ind++;
    this.line(`print("mapped ", gmap as u32, " reads ", mem32[gmap as u32 + ${off}]);`);
    if (r.chance(0.6)) this.line(`mem32[(gmap as u32) + ${r.int(0, 0x1ff) * 4}] = ${this.expr('u32', 'h', 1).s};`);
    if (r.chance(0.7)) this.line(`let ${this.fresh('u')} = hypercall grant_table_op(1, gmap as u32, 0, 0, 0);`);
    this.ind--;
    this.line('}');
  }

  // ------------------------------------------------------------ main and on_event

  private roleDomains(): DomainInfo[] {
    const seen = new Set<number>();
    return this.opt.bootedBy.filter((d) => (seen.has(d.domid) ? false : (seen.add(d.domid), true)));
  }

  private mainPrologue(): void {
    const r = this.r;
    if (this.opt.bootedBy.some((d) => d.vcpus > 1) && r.chance(0.5)) {
      this.begin(false);
      this.line('if (vcpu_id() != 0) {');
      this.ind++;
      this.pushScope(new Map());
      this.stmts(r.int(1, 3), 2);
      this.begin(false);
      this.line(this.fn?.ret ? `return ${this.expr(this.fn.ret, 'h', 1).s};` : 'return;');
      this.popScope();
      this.ind--;
      this.line('}');
    }
    if (this.bare) return;
    const roles = this.roleDomains();
    let first = true;
    for (const d of r.shuffle([...roles])) {
      if (r.chance(0.15)) continue;
      this.begin(false);
      if (!first) this.out.pop(); // "}" becomes "} else if (…) {"
      this.line(`${first ? '' : '} else '}if (domain_id() == ${d.domid}) {`);
      first = false;
      this.ind++;
      this.pushScope(new Map());
      this.setup(d);
      this.popScope();
      this.ind--;
      this.line('}');
    }
  }

  private setup(d: DomainInfo): void {
    const r = this.r;
    const others = this.sys.domains.filter((x) => x.domid !== d.domid);
    if (d.privileged) {
      for (const o2 of [...others].sort((a, b) => a.domid - b.domid)) {
        this.begin(false);
        this.line(`evport = hypercall event_channel_op(6, ${o2.domid}, 0) as u32;`);
      }
      for (const o2 of others) {
        if (o2.paused && r.chance(0.85)) {
          this.begin(false);
          this.line(`hypercall domctl(4, ${o2.domid}, 0);`);
        }
        if (r.chance(0.3)) {
          this.begin(false);
          this.line(`print("dom ${o2.domid} state ", hypercall domctl(5, ${o2.domid}, 0));`);
        }
      }
      if (r.chance(0.3) && others.length > 0) {
        this.begin(false);
        this.line(`gref = hypercall grant_table_op(100, ${r.pick(others).domid}, ${r.int(0, d.memory)}, ${r.int(0, 1)}, 0);`);
      }
    } else {
      const t = this.fresh('t');
      this.begin(false);
      this.line(`let ${t}: u32 = 0;`);
      this.line(`while (${t} < ${r.int(2, 8)}) {`);
      this.ind++;
      this.line(`${t} += 1;`);
      const rv = this.fresh('r');
      this.line(`let ${rv} = hypercall event_channel_op(0, 0, ${r.chance(0.8) ? 'domain_id()' : String(r.int(1, 3))});`);
      this.line(`if (${rv} > 0) { evport = ${rv} as u32; break; }`);
      this.line(`hypercall sched_op(0, 0);`);
      this.ind--;
      this.line('}');
      if (r.chance(0.6)) {
        const frame = r.int(0, d.memory);
        this.begin(false);
        this.line(`gref = hypercall grant_table_op(100, 0, ${frame}, ${r.chance(0.7) ? 0 : 1}, 0);`);
        this.line(`mem32[${frame * 4096 + r.int(0, 0x1ff) * 4}] = ${this.expr('u32', 'h', 1).s};`);
      }
      if (r.chance(0.8)) {
        this.begin(false);
        this.line('hypercall event_channel_op(4, evport, 0);');
      }
    }
    if (r.chance(0.35)) {
      this.begin(false);
      this.line(`let ${this.fresh('v')} = hypercall event_channel_op(1, 0, 0);`);
      this.begin(false);
      this.spend(WORST.rdtsc);
      this.line(`hypercall set_timer_op(rdtsc() + ${r.pick([100, 2000, 20000, 150000])});`);
    }
  }

  private mainEpilogue(): void {
    const r = this.r;
    if (this.bare || !r.chance(0.5)) return;
    const w = this.fresh('w');
    this.begin(false);
    this.line(`let ${w}: u32 = 0;`);
    this.line(`while (${w} < ${r.int(1, 5)} && evcount < ${r.int(1, 4)}) {`);
    this.ind++;
    this.line(`${w} += 1;`);
    this.line(r.pick(['hypercall sched_op(1, 0);', 'hypercall sched_op(0, 0);', 'hypercall sched_op(0, 0);', 'hlt();']));
    this.ind--;
    this.line('}');
  }

  private onEventPrologue(): void {
    const r = this.r;
    this.begin(false);
    this.line('evcount += 1;');
    if (!this.bare && r.chance(0.6)) {
      this.begin(false);
      this.line(`if (evcount < ${r.int(2, 20)}) { hypercall event_channel_op(4, port, 0); }`);
    }
    if (r.chance(0.3)) {
      this.begin(false);
      this.line('print("event ", port, " #", evcount);');
    }
  }

  // ------------------------------------------------------------ expressions

  private paren(e: Ex, min: number): string {
    return e.p < min || this.r.chance(0.08) ? `(${e.s})` : e.s;
  }

  private bin(l: Ex, op: string, rr: Ex, untyped: boolean): Ex {
    const p = PREC[op];
    return { s: `${this.paren(l, p)} ${op} ${this.paren(rr, p + 1)}`, p, untyped };
  }

  /** An expression of type t; in mode 's' it types itself without help from the context. */
  private expr(t: Ty, mode: Mode, depth: number): Ex {
    if (t === 'bool') return this.boolExpr(depth);
    return this.intExpr(t, mode, depth);
  }

  private literal(t: IntTy): Ex {
    const v = this.interestingInt(t);
    return { s: intText(v, this.r), p: v < 0 ? UNARY : ATOM, untyped: true };
  }

  /** A literal-only (untyped) expression of type t, for a hinted position. */
  private untypedExpr(t: IntTy, depth: number): Ex {
    const r = this.r;
    const cs = this.constsOf(t, 'h').filter((c) => c.kind === 'untyped');
    if (depth > 0 && r.chance(0.3)) {
      const op = r.pick(['+', '-', '*', '&', '|', '^'] as const);
      return this.bin(this.untypedExpr(t, depth - 1), op, this.untypedExpr(t, depth - 1), true);
    }
    if (cs.length > 0 && r.chance(0.3)) return { s: r.pick(cs).name, p: ATOM, untyped: true };
    return this.literal(t);
  }

  private intExpr(t: IntTy, mode: Mode, depth: number): Ex {
    const r = this.r;
    const self = mode === 's' && t === 'i32';
    const vars = this.varsOf(t);
    const consts = this.constsOf(t, mode);
    const choice = r.weighted({
      lit: self ? 0 : 5,
      var: vars.length > 0 ? 8 : 0,
      const: consts.length > 0 ? 3 : 0,
      cast: 2 + (self ? 3 : 0),
      bin: depth > 0 ? 8 : 0,
      shift: depth > 0 ? 2 : 0,
      unary: depth > 0 ? 2 : 0,
      mem: depth > 0 ? 3 : 0,
      intrinsic: depth > 0 ? 3 : 0,
      hypercall: depth > 0 && this.hypercallsOk ? 1.5 : 0,
      call: depth > 0 && this.canCall() ? 4 : 0,
      negLit: t === 'i32' && mode === 'h' ? 1 : 0,
    });
    switch (choice) {
      case 'lit':
        return this.literal(t);
      case 'negLit':
        return { s: intText(r.pick([-1, -2147483648, -5, -100]), r), p: UNARY, untyped: true };
      case 'var':
        return { s: r.pick(vars).name, p: ATOM, untyped: false };
      case 'const': {
        const c = r.pick(consts);
        if (self && c.kind === 'untyped') return this.castTo(t, depth);
        return { s: c.name, p: ATOM, untyped: c.kind === 'untyped' };
      }
      case 'cast':
        return this.castTo(t, depth);
      case 'bin': {
        const op = r.pick(['+', '-', '*', '/', '%', '&', '|', '^', '+', '-'] as const);
        if (op === '/' || op === '%') {
          const l = this.expr(t, mode, depth - 1);
          const d = l.untyped ? this.divisor(t, 's') : this.divisor(t);
          return this.bin(l, op, d, l.untyped && d.untyped);
        }
        if (mode === 's' && r.chance(0.3)) {
          // untyped left, self-typed right: the right side gives the left its type
          const l = this.untypedExpr(t, 1);
          const rr = this.intExpr(t, 's', depth - 1);
          return this.bin(l, op, rr, l.untyped && rr.untyped);
        }
        const l = this.expr(t, mode, depth - 1);
        const rr = l.untyped ? this.expr(t, mode, depth - 1) : this.expr(t, 'h', depth - 1);
        return this.bin(l, op, rr, l.untyped && rr.untyped);
      }
      case 'shift': {
        const l = this.intExpr(t, mode === 's' ? 's' : 'h', depth - 1);
        const op = r.pick(['<<', '>>'] as const);
        return this.bin(l, op, this.shiftCount(), false);
      }
      case 'unary': {
        const op = t === 'i32' || r.chance(0.5) ? r.pick(['-', '~'] as const) : '~';
        const e = this.intExpr(t, mode, depth - 1);
        // `-` right before a literal would make a negated literal; keep it an operator
        const inner = e.p < UNARY || (op === '-' && /^[0-9]/.test(e.s)) || e.s.startsWith('-') ? `(${e.s})` : e.s;
        return { s: `${op}${inner}`, p: UNARY, untyped: e.untyped };
      }
      case 'mem': {
        if (!this.spend(WORST.mem)) return this.literalOrVar(t, mode);
        const w = r.pick([8, 16, 32] as const);
        const load = { s: `mem${w}[${this.address(w).s}]`, p: ATOM, untyped: false };
        return t === 'u32' ? load : { s: `${load.s} as i32`, p: POSTFIX, untyped: false };
      }
      case 'intrinsic': {
        const e = this.intrinsicExpr();
        if (!e) return this.literalOrVar(t, mode);
        return t === 'u32' ? e : { s: `${this.paren(e, POSTFIX)} as i32`, p: POSTFIX, untyped: false };
      }
      case 'hypercall': {
        const h = this.hypercall();
        if (!h) return this.literalOrVar(t, mode);
        return t === 'i32' ? h : { s: `${h.s} as u32`, p: POSTFIX, untyped: false };
      }
      case 'call': {
        const c = this.callExpr(t, false);
        return c ?? this.literalOrVar(t, mode);
      }
    }
    return this.literal(t);
  }

  private literalOrVar(t: IntTy, mode: Mode): Ex {
    const vars = this.varsOf(t);
    if (vars.length > 0) return { s: this.r.pick(vars).name, p: ATOM, untyped: false };
    if (mode === 's' && t === 'i32') return { s: `${this.r.int(0, 9)} as i32`, p: POSTFIX, untyped: false };
    return this.literal(t);
  }

  private castTo(t: IntTy, depth: number): Ex {
    const from = this.r.pick(['u32', 'i32', 'bool'] as const);
    // The operand of `as` gets no type from context.
    const e = this.expr(from, 's', Math.max(0, depth - 1));
    return { s: `${e.p < POSTFIX || e.s.startsWith('-') ? `(${e.s})` : e.s} as ${t}`, p: POSTFIX, untyped: false };
  }

  /** A divisor: usually non-zero, sometimes zero (divide-by-zero faults are part of the test). */
  private divisor(t: IntTy, mode: Mode = 'h'): Ex {
    const r = this.r;
    const k = r.int(0, 99);
    if (k < 2) return { s: '0', p: ATOM, untyped: true };
    if (k < 5 && t === 'i32' && mode === 'h') return { s: '-1', p: UNARY, untyped: true };
    if (k < 40) {
      const e = this.intExpr(t, mode, 1);
      return { s: `(${e.s} | 1)`, p: ATOM, untyped: e.untyped };
    }
    if (k < 85) return mode === 's' && t === 'i32' ? { s: `${r.int(1, 9)} as i32`, p: POSTFIX, untyped: false } : { s: String(r.pick([1, 2, 3, 7, 10, 16, 255, 1000])), p: ATOM, untyped: true };
    return this.intExpr(t, mode, 1);
  }

  private shiftCount(): Ex {
    const r = this.r;
    if (r.chance(0.5)) return { s: String(r.pick([0, 1, 3, 8, 16, 31, 32, 33, 63, 255])), p: ATOM, untyped: true };
    const e = this.intExpr(r.pick(['u32', 'i32'] as const), 's', 1);
    return e;
  }

  private boolExpr(depth: number): Ex {
    const r = this.r;
    const vars = this.varsOf('bool');
    const consts = this.constsOf('bool', 'h');
    const choice = r.weighted({
      lit: 2,
      var: vars.length > 0 ? 4 : 0,
      const: consts.length > 0 ? 2 : 0,
      cmp: depth > 0 ? 10 : 1,
      beq: depth > 0 ? 1 : 0,
      logic: depth > 0 ? 4 : 0,
      not: depth > 0 ? 2 : 0,
      call: depth > 0 && this.canCall() ? 2 : 0,
      xen: this.kind.startsWith('impl') ? 2 : 0.2,
    });
    switch (choice) {
      case 'lit':
        return { s: r.chance(0.5) ? 'true' : 'false', p: ATOM, untyped: false };
      case 'var':
        return { s: r.pick(vars).name, p: ATOM, untyped: false };
      case 'const':
        return { s: r.pick(consts).name, p: ATOM, untyped: false };
      case 'cmp': {
        const t = r.pick(['u32', 'i32'] as const);
        const op = r.pick(['==', '!=', '<', '<=', '>', '>='] as const);
        const d = Math.max(0, depth - 1);
        const l = this.intExpr(t, 's', d);
        // both sides untyped would make them u32: give the right side its own type then
        const rr = l.untyped ? this.intExpr(t, 's', d) : this.intExpr(t, 'h', d);
        return this.bin(l, op, rr, false);
      }
      case 'beq':
        return this.bin(this.boolExpr(depth - 1), r.pick(['==', '!='] as const), this.boolExpr(depth - 1), false);
      case 'logic':
        return this.bin(this.boolExpr(depth - 1), r.pick(['&&', '||'] as const), this.boolExpr(depth - 1), false);
      case 'not': {
        const e = this.boolExpr(depth - 1);
        return { s: `!${e.p < UNARY ? `(${e.s})` : e.s}`, p: UNARY, untyped: false };
      }
      case 'call':
        return this.callExpr('bool', false) ?? { s: 'false', p: ATOM, untyped: false };
      case 'xen':
        return { s: 'xen_domain()', p: ATOM, untyped: false };
    }
    return { s: 'true', p: ATOM, untyped: false };
  }

  /** An intrinsic returning u32, within the statement's budget. */
  private intrinsicExpr(): Ex | undefined {
    const r = this.r;
    const which = r.weighted({ inb: 2, rdmsr: 2, read_cr3: 2, rdtsc: 3, cmpxchg: 2, vcpu_id: 3, domain_id: 3, vcpu_info: 2 });
    const cost = (WORST as Record<string, number>)[which] ?? 0;
    if (!this.spend(cost)) return which === 'vcpu_id' ? undefined : { s: 'vcpu_id()', p: ATOM, untyped: false };
    switch (which) {
      case 'inb':
        return { s: `inb(${r.chance(0.5) ? r.pick(['0x60', '0x3f8', '0x3fd', '0', '0xffff']) : this.expr('u32', 'h', 1).s})`, p: ATOM, untyped: false };
      case 'rdmsr':
        return { s: `rdmsr(${r.chance(0.5) ? r.pick(['0x1b', '0xc0000080', '0', '0x174']) : this.expr('u32', 'h', 1).s})`, p: ATOM, untyped: false };
      case 'cmpxchg':
        return { s: `cmpxchg(${this.address(32).s}, ${this.expr('u32', 'h', 1).s}, ${this.expr('u32', 'h', 1).s})`, p: ATOM, untyped: false };
      default:
        return { s: `${which}()`, p: ATOM, untyped: false };
    }
  }

  /** A call to a pvk function or pvop returning `ret` (null: any void one), or undefined. */
  private callExpr(ret: Ty | null, statement: boolean): Ex | undefined {
    const r = this.r;
    if (!this.canCall() || !this.mayCallFns) return undefined;
    const fns = this.all.fns.filter((f) => f.ret === ret && f.name !== 'deep');
    const ops = this.all.pvops.flatMap((g) => g.ops.filter((op) => op.ret === ret).map((op) => ({ g, op })));
    const anyFns = statement ? this.all.fns.filter((f) => f.name !== 'deep') : [];
    const pool: (() => Ex)[] = [];
    const callFn = (f: FnSig) => () => {
      this.st.ncalls++;
      const args = f.params.map((p) => (p.name === 'depth' ? this.depthArg() : this.expr(p.type, 'h', 1).s));
      return { s: `${f.name}(${args.join(', ')})`, p: ATOM, untyped: false };
    };
    for (const f of fns) pool.push(callFn(f));
    if (statement) for (const f of anyFns) if (f.ret !== ret) pool.push(callFn(f));
    for (const { g, op } of ops) {
      pool.push(() => {
        this.st.ncalls++;
        const args = op.params.map((p) => this.expr(p.type, 'h', 1).s);
        return { s: `${g.group}.${op.name}(${args.join(', ')})`, p: ATOM, untyped: false };
      });
    }
    if (pool.length === 0) return undefined;
    return r.pick(pool)();
  }

  private depthArg(): string {
    if (this.fn?.depth) return this.r.chance(0.9) ? 'depth - 1' : '0';
    return String(this.r.pick([0, 1, 1, 2, 2, 3]));
  }

  // ------------------------------------------------------------ memory addresses

  /**
   * An address for a `width`-bit access: mostly valid scratch, sometimes
   * misaligned, out of range, in another page or in a mapped grant. Never in
   * the multicall area 0x800..0x8ff (only mc_set writes there).
   */
  private address(width: 8 | 16 | 32): Ex {
    const r = this.r;
    const align = width / 8;
    const a = (n: number): Ex => ({ s: `0x${n.toString(16)}`, p: ATOM, untyped: true });
    switch (r.weighted({ scratch: 20, computed: 8, misaligned: width > 8 ? 0.4 : 0, page: 2.5, outside: 0.4, grant: 1.5, slot: 1.5, console: 2 })) {
      case 'scratch':
        return a(0x100 + r.int(0, (0x700 - align) / align) * align);
      case 'computed': {
        const e = this.expr('u32', 'h', 1);
        return { s: `0x100 + (${e.s} & 0x6fc)`, p: PREC['+'], untyped: false };
      }
      case 'misaligned':
        return a(0x100 + r.int(0, 0x100) * 4 + r.int(1, align - 1));
      case 'page': {
        // pages 1..3: past the end of a small domain's memory now and then
        const pg = r.chance(0.9) ? r.int(1, 3) : r.int(4, 6);
        return a(pg * 4096 + r.int(0, (4096 - align) / align) * align);
      }
      case 'outside': {
        if (r.chance(0.5)) return a(r.pick([0xfffffffc, 0x40000000, 0x40001000, 0x80000000, 0x10000, 0x4000 * 4]));
        const e = this.expr('u32', 'h', 1);
        return { s: `(${e.s}) | 0x80000000`, p: PREC['|'], untyped: false };
      }
      case 'grant':
        if (this.opt.lib) return a(0x40000000);
        return { s: `(gmap as u32) + ${r.int(0, (0x800 - align) / align) * align}`, p: PREC['+'], untyped: false };
      case 'slot':
        return { s: width === 8 ? `vcpu_info() + ${r.int(0, 1)}` : 'vcpu_info()', p: width === 8 ? PREC['+'] : ATOM, untyped: false };
      default:
        return a(0x900 + r.int(0, (0x6f0 - align) / align) * align);
    }
  }

  // ------------------------------------------------------------ hypercalls

  private portExpr(): string {
    const r = this.r;
    if (this.opt.lib) return String(r.int(0, 4));
    switch (r.int(0, 5)) {
      case 0:
      case 1:
        return 'evport';
      case 2:
        return String(r.int(1, 4));
      case 3:
        return r.pick(['0', '63', '64', '0xffffffff']);
      case 4:
        return this.fn?.params.some((p) => p.name === 'port') && this.visible().get('port')?.k === 'var' && (this.visible().get('port') as { v: Var }).v.type === 'u32' ? 'port' : 'evport';
      default:
        return `(${this.expr('u32', 'h', 1).s}) & 63`;
    }
  }

  private domExpr(): string {
    const r = this.r;
    const n = this.sys.domains.length;
    switch (r.int(0, 5)) {
      case 0:
        return 'domain_id()';
      case 1:
        return String(n); // no such domain
      case 2:
        return r.pick(['0xffffffff', '64']);
      default:
        return String(r.int(0, n - 1));
    }
  }

  /** A hypercall with plausible or random arguments, within the statement's budget. */
  private hypercall(): Ex | undefined {
    const r = this.r;
    const lib = this.opt.lib;
    const name = r.weighted({
      console_io: 2, sched_op: 3, set_timer_op: 1.5, event_channel_op: 4, grant_table_op: 3, memory_op: 1,
      multicall: 0.5, vcpu_op: 1, xen_version: 2, set_pat: 1, sysctl: 1, domctl: 2,
    });
    if (!this.spend(HC_COST[name])) return undefined;
    const u = (d = 1) => this.expr('u32', 'h', d).s;
    const rand = r.chance(0.15);
    let args: string[];
    switch (name) {
      case 'console_io':
        args = rand ? [u(), `(${u()}) & 0x1ff`, u()] : ['0', String(r.int(0, 64)), r.pick(['0x900', '0x100', '0', '0xfff0', '0x40000000'])];
        break;
      case 'sched_op': {
        const cmd = rand ? `(${u()}) & 7` : String(r.weighted({ '0': 8, '1': 1, '2': 1, '3': 0.5 }));
        args = [cmd, cmd === '2' ? String(r.pick([0, 1, 42, 255, 0xffffffff])) : rand ? u() : '0'];
        break;
      }
      case 'set_timer_op':
        args = [rand ? u() : r.chance(0.8) ? `rdtsc() + ${r.pick([1, 100, 1000, 5000, 50000, 500000])}` : '0'];
        if (args[0].startsWith('rdtsc') && !this.spend(WORST.rdtsc)) args = ['0'];
        break;
      case 'event_channel_op': {
        const k = rand ? -1 : r.int(0, 5);
        if (k === 0) args = ['6', this.domExpr(), '0'];
        else if (k === 1) args = ['0', this.domExpr(), this.portExpr()];
        else if (k === 2) args = ['1', r.chance(0.8) ? '0' : u(), '0'];
        else if (k === 3 || k === 4) args = ['4', this.portExpr(), '0'];
        else if (k === 5) args = ['3', this.portExpr(), '0'];
        else args = [`(${u()}) & 7`, u(), u()];
        break;
      }
      case 'grant_table_op': {
        const k = rand ? -1 : r.int(0, 5);
        const ref = lib ? String(r.int(0, 3)) : r.pick(['1', '2', 'gref as u32', '0']);
        const count = r.pick(['16', '64', '4096 & 0x7ff', '0x800', '5000', '0xffffffff', `(${u()}) & 0x7ff`]);
        if (k === 0) args = ['100', this.domExpr(), String(r.int(0, 5)), String(r.pick([0, 1, 2])), '0'];
        else if (k === 1) args = ['0', this.domExpr(), ref, '0', '0'];
        else if (k === 2) args = ['1', lib ? '0x40000000' : r.pick(['gmap as u32', '0x40000000', '0x40001000', '0x1234']), '0', '0', '0'];
        else if (k === 3) args = ['101', ref, '0', '0', '0'];
        else args = ['5', this.domExpr(), ref, r.pick(['0x900', '0x100', '0', '0x40000000', '0xfffffff0']), count];
        if (k === -1) args = [u(), u(), u(), u(), `(${u()}) & 0x7ff`];
        break;
      }
      case 'memory_op':
        args = rand ? [u(), `(${u()}) & 7`] : [String(r.pick([0, 1, 1, 2])), String(r.int(0, 7))];
        break;
      case 'multicall':
        args = [r.pick(['0x800', '0xfffff000']), r.pick(['0', '1', '2', '4', '2000'])];
        break;
      case 'vcpu_op':
        args = rand ? [`(${u()}) & 3`, `(${u()}) & 3`] : r.chance(0.9) ? [String(r.pick([0, 2, 2])), String(r.int(0, 2))] : ['1', r.pick(['1', 'vcpu_id()'])];
        break;
      case 'xen_version':
        args = [rand ? u() : '0'];
        break;
      case 'set_pat':
        args = [u(2)];
        break;
      case 'sysctl':
        args = rand ? [u(), u()] : ['1', '0'];
        break;
      case 'domctl': {
        const cmd = rand ? `(${u()}) & 7` : String(r.weighted({ '5': 6, '4': 3, '3': 1, '2': 0.5, '9': 0.5 }));
        args = [cmd, this.domExpr(), '0'];
        break;
      }
      default:
        args = [];
    }
    return { s: `hypercall ${name}(${args.join(', ')})`, p: ATOM, untyped: false };
  }
}

// ---------------------------------------------------------------- text helpers

function fitsInt(v: number, t: IntTy): boolean {
  return t === 'u32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff;
}

function sigText(f: FnSig): string {
  return `${f.name}(${f.params.map((p) => `${p.name}: ${p.type}`).join(', ')})${f.ret ? ` -> ${f.ret}` : ''}`;
}

/** An integer literal in one of the lexer's spellings (a negative one is a negated literal). */
function intText(v: number, r: Rng): string {
  const neg = v < 0;
  const m = Math.abs(v);
  let s: string;
  const k = r.int(0, 9);
  if (k <= 5 || m > 0xffffffff) s = String(m);
  else if (k <= 7) s = `0x${m.toString(16)}`;
  else if (k === 8 && m < 0x10000) s = `0b${m.toString(2)}`;
  else if (m >= 1000) s = String(m).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  else s = `0X${m.toString(16).toUpperCase()}`;
  return neg ? `-${s}` : s;
}

function stringLit(r: Rng): string {
  const pieces = ['a', 'b', 'x', 'ok', ' ', '=', ':', 'dom', 'port', '#', ',', '\\n', '\\t', '\\\\', '\\"', '\\x41', '\\x7e', '\\xff', '\\x00', 'é'];
  let s = '';
  const n = r.int(0, 5);
  for (let i = 0; i < n; i++) s += r.pick(pieces);
  return `"${s}"`;
}
