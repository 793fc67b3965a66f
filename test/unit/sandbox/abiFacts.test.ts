/**
 * The hypercall table is the one home of what the server says about a
 * hypercall (sandbox/lang/abi.ts, HYPERCALL_FACTS beside the rows of
 * sandbox/abi/xen.pvk): which errors it returns, its variable cost and how it
 * behaves inside a multicall. These tests hold the hypervisor's handlers to
 * it: thousands of calls with arguments drawn from small, meaningful sets
 * (seeded, so every run is the same) return no error the table does not list,
 * and every error it lists turns up.
 */
import { describe, expect, it } from 'vitest';
import { builtinAbi, ERRNO, HYPERCALL_FACTS, MULTICALL_ENTRY_WORDS, type Errno } from '../../../sandbox/lang/abi.js';
import type { HypercallDecl } from '../../../sandbox/lang/ast.js';
import { Workspace } from '../../../sandbox/lang/program.js';
import type { Hypervisor } from '../../../sandbox/hv/hypervisor.js';
import { hypercallCost, hypercallEnd, invoke } from '../../../sandbox/hv/hypercalls.js';
import type { Vcpu } from '../../../sandbox/machine/state.js';
import { bootSystem } from '../../../sandbox/run/boot.js';
import { HYPERCALL_BLOCK, HYPERCALL_DONE, HYPERCALL_YIELD } from '../../../sandbox/vm/engine.js';

const decls = builtinAbi().abi.hypercalls;
const errnoName = new Map<number, Errno>(Object.entries(ERRNO).map(([name, value]) => [value, name as Errno]));

/** dom0 (privileged) and one pv domU on hypervisor 4.2 (every row exists there), booted, not run. */
function boot(): Hypervisor {
  const files = new Map([
    ['/abi/sys.pvk', 'system s { hypervisor 4.2; domain dom0 { kernel "k.pvk"; memory 4; privileged; } domain web { kernel "k.pvk"; memory 4; } }\n'],
    ['/abi/k.pvk', 'fn main() -> u32 { return 0; }\n'],
  ]);
  const result = bootSystem(new Workspace({ readFile: (f) => files.get(f) }), { file: '/abi/sys.pvk', options: { maxCycles: 1_000_000 } });
  if (!result.ok) throw new Error(result.message);
  return result.hv;
}

/** One hypercall through the dispatch table: its value (or how the vCPU suspends) and its cost without the entry/exit base. */
function call(hv: Hypervisor, v: Vcpu, nr: number, args: number[], nested: boolean): { outcome: { value: number } | { suspend: 'block' | 'yield' | 'stop' }; cost: number } {
  const value = invoke(hv, v, nr, args, nested);
  const end = hypercallEnd();
  const outcome = end === HYPERCALL_DONE ? { value } : { suspend: end === HYPERCALL_BLOCK ? ('block' as const) : end === HYPERCALL_YIELD ? ('yield' as const) : ('stop' as const) };
  return { outcome, cost: hypercallCost() };
}

/** A small deterministic generator (the same calls every run). */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 16) % n;
  };
}

/** Sub-op numbers of the table's comments, and one no row knows. */
const SUB_OPS = [0, 1, 2, 3, 4, 5, 6, 100, 101, 7];
/** Argument values that mean something to some handler: domids, ports, refs, frames, addresses, counts. */
const VALUES = [0, 1, 2, 3, 4, 5, 16, 64, 4096, 5000, 0x3ffc, 0x4000_0000, 0x4000_1000, 0xffff_fff0, -1];

describe('HYPERCALL_FACTS and the table', () => {
  it('has one entry per row of xen.pvk, and none without a row', () => {
    expect(Object.keys(HYPERCALL_FACTS).sort()).toEqual(decls.map((d) => d.name.name).sort());
  });

  it('xen.pvk documents each per-unit variable cost with the table’s number', () => {
    const text = builtinAbi().text;
    for (const d of decls) {
      const v = HYPERCALL_FACTS[d.name.name].variableCost;
      if (v?.kind !== 'per-unit') continue;
      const comment = text.slice(text.lastIndexOf('\n\n', d.span.start), d.span.start);
      expect(comment, d.name.name).toMatch(new RegExp(`\\b${v.cycles} cycles? per ${v.unit}\\b`));
    }
  });
});

describe('the handlers return the errors the table lists', () => {
  it('no other error, and each listed one turns up', () => {
    const seen = new Map<string, Set<Errno>>(decls.map((d) => [d.name.name, new Set<Errno>()]));
    const unlisted: string[] = [];
    const next = lcg(13);
    // The hypercalls whose errors depend on state (grants, ports) come up more often.
    const drawn = decls.flatMap((d) => (d.name.name === 'grant_table_op' || d.name.name === 'event_channel_op' ? [d, d, d, d] : [d]));
    let hv = boot();
    for (let i = 0; i < 20_000; i++) {
      // A fresh machine now and then, and whenever a call ended a domain (shutdown, destroy).
      if (i % 200 === 0 || !hv.domains.every((dom) => dom.alive)) hv = boot();
      const d = drawn[next(drawn.length)];
      const domain = hv.domains[next(2)];
      // A sub-op first; then mostly small values (the two domids, refs, ports, frames, flags), else any meaningful one.
      const args = [SUB_OPS[next(SUB_OPS.length)], ...[2, 3, 2, 8].map((small) => (next(4) !== 0 ? next(small) : VALUES[next(VALUES.length)] | 0))];
      const { outcome } = call(hv, domain.vcpus[0], d.number, args, false);
      if (!('value' in outcome) || outcome.value >= 0) continue;
      const errno = errnoName.get(outcome.value);
      const byRow = d.cls === 'dom0' && !domain.privileged && errno === 'EPERM';
      if (errno === undefined || (!byRow && !(errno in HYPERCALL_FACTS[d.name.name].errors))) unlisted.push(`${d.name.name}(${args.join(', ')}) from ${domain.name} returned ${outcome.value}`);
      else if (!byRow) seen.get(d.name.name)?.add(errno);
    }
    expect(unlisted.slice(0, 10)).toEqual([]);
    const listed = Object.fromEntries(decls.map((d) => [d.name.name, Object.keys(HYPERCALL_FACTS[d.name.name].errors).sort()]));
    const found = Object.fromEntries([...seen].map(([name, errs]) => [name, [...errs].sort()]));
    expect(found).toEqual(listed);
  });
});

describe('the handlers follow the table’s multicall rules and variable costs', () => {
  /** One call on a fresh machine from dom0, nested in a multicall or not: its result (or how it suspends) and cost. */
  const once = (d: HypercallDecl, args: number[], nested: boolean): { result: string; cost: number } => {
    const hv = boot();
    const { outcome, cost } = call(hv, hv.domains[0].vcpus[0], d.number, args, nested);
    return { result: 'value' in outcome ? String(outcome.value) : outcome.suspend, cost };
  };

  it('inside a multicall: all of a hypercall, sched_op only shutting down, no nested multicall', () => {
    for (const d of decls) {
      const rule = HYPERCALL_FACTS[d.name.name].inMulticall;
      for (const cmd of [0, 1, 2]) {
        const args = [cmd, 1, 0, 0, 0];
        const alone = once(d, args, false).result;
        const nested = once(d, args, true).result;
        const refused = rule === 'none' || (rule === 'shutdown only' && cmd !== 2);
        expect(nested, `${d.name.name}(${cmd}, …) nested`).toBe(refused ? String(ERRNO.EINVAL) : alone);
      }
    }
  });

  it('each per-unit variable cost is charged per unit on top of the row’s cost', () => {
    const byName = (name: string): HypercallDecl => builtinAbi().byName.get(name) as HypercallDecl;
    const perUnit = (name: string): number => {
      const v = HYPERCALL_FACTS[name].variableCost;
      return v?.kind === 'per-unit' ? v.cycles : 0;
    };
    // console_io(0, 10, 0): 10 bytes; memory_op(0, 3): 3 pages more.
    expect(once(byName('console_io'), [0, 10, 0, 0, 0], false).cost).toBe(byName('console_io').cost + 10 * perUnit('console_io'));
    expect(once(byName('memory_op'), [0, 3, 0, 0, 0], false).cost).toBe(byName('memory_op').cost + 3 * perUnit('memory_op'));
    // grant copy: dom0 grants frame 1 to itself writable, then copies 8 bytes into it.
    const hv = boot();
    const v = hv.domains[0].vcpus[0];
    const grant = byName('grant_table_op');
    expect(call(hv, v, grant.number, [100, 0, 1, 0, 0], false)).toEqual({ outcome: { value: 1 }, cost: grant.cost });
    expect(call(hv, v, grant.number, [5, 0, 1, 0, 8], false).cost).toBe(grant.cost + 8 * perUnit('grant_table_op'));
  });

  it('a multicall entry is MULTICALL_ENTRY_WORDS words: the next entry starts there', () => {
    const hv = boot();
    const v = hv.domains[0].vcpus[0];
    const mem = hv.domains[0].memory;
    const xenVersion = builtinAbi().byName.get('xen_version') as HypercallDecl;
    const loc = { file: 0, line: 0, column: 0 };
    for (let e = 0; e < 2; e++) mem.store(32, e * MULTICALL_ENTRY_WORDS * 4, xenVersion.number, loc);
    const multicall = builtinAbi().byName.get('multicall') as HypercallDecl;
    expect(call(hv, v, multicall.number, [0, 2, 0, 0, 0], false)).toEqual({ outcome: { value: 0 }, cost: multicall.cost + 2 * xenVersion.cost });
    expect([0, 1].map((e) => mem.load(32, e * MULTICALL_ENTRY_WORDS * 4, loc))).toEqual([(4 << 16) + 2, (4 << 16) + 2]);
  });
});
