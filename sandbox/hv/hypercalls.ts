import { builtinAbi, compareVersions, ERRNO, MULTICALL_ENTRY_MIN_COST, MULTICALL_ENTRY_WORDS, MULTICALL_MAX_ENTRIES, perUnitCost } from '../lang/abi.js';
import type { HypercallDecl } from '../lang/ast.js';
import { HYPERCALL_BLOCK, HYPERCALL_DONE, HYPERCALL_PAUSE, HYPERCALL_STOP, HYPERCALL_YIELD } from '../vm/engine.js';
import { COSTS } from '../machine/costs.js';
import { eventChannelOp, type EventHost } from './events.js';
import { MAX_GUEST_PAGES, type GuestMemory } from '../machine/memory.js';
import { grantTableOp } from './grants.js';
import { lowestPending, type Domain, type Vcpu } from '../machine/state.js';
import type { BootedExtensions } from './extensions.js';
import { HandlerOutOfCycles, HypervisorPanic, type HandlerResult } from './pvkHandlers.js';

/** The hypervisor as hypercall handlers see it. */
export interface HypercallHost extends EventHost {
  readonly hypervisorVersion: string | null;
  /** xen_version(0)'s answer for the booted version, worked out once at boot. */
  readonly versionCode: number;
  /** The booted system's hypercalls by number. */
  readonly hypercallTable: DispatchTable;
  readonly pcpuCount: number;
  readonly domains: readonly Domain[];
  now(vcpu: Vcpu): number;
  charge(vcpu: Vcpu, cycles: number): void;
  shutdown(d: Domain, code: number): void;
  destroy(d: Domain): void;
  pause(d: Domain): void;
  unpause(d: Domain): void;
  vcpuUp(v: Vcpu): void;
  vcpuDown(v: Vcpu): void;
  setTimer(v: Vcpu, deadline: number): void;
  /** getinfo's state number: 0 running or runnable, 1 blocked, 2 paused, 3 exited, 4 crashed. */
  stateCode(d: Domain): number;
  /** The extensions booted (`abi NAME;`): their hypercalls by number. */
  readonly extensions: BootedExtensions;
  /**
   * Runs an extension hypercall's pvk handler: its result and its own cycles,
   * or where a debugger paused it (never `nested` in a multicall).
   */
  runExtension(decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): HandlerResult;
  /** Whether handlers run now as plain compiled code (the fast engine, no debugger, no profiler): then runPlainExtension. */
  readonly plainHandlers: boolean;
  /** Runs the handler of plain entry `entry` (extensions.plainEntry) for `decl`: its value; its own cycles are then in extensions.plainCycles(). */
  runPlainExtension(entry: number, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[]): number;
  /** Whether handlers run now as compiled code a profiler observes (the fast engine, no debugger): then runProfiledExtension. */
  readonly profiledHandlers: boolean;
  /** As runPlainExtension, in the profiling compiled handlers (extensions.profiledEntry), telling the profiler whether it is `nested` in a multicall. */
  runProfiledExtension(entry: number, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): number;
}

/** A handler returns the hypercall's value; its variable cost and whether the vCPU suspends go to `call`. */
type Handler = (host: HypercallHost, vcpu: Vcpu, args: readonly number[], nested: boolean) => number;

/**
 * What the hypercall that ran last left besides its value, so that nothing
 * is allocated per call: the variable part of its cost (handlers), its
 * whole cost (invoke) and how it ends (HYPERCALL_DONE or the suspension).
 */
const call = { variable: 0, cost: 0, end: HYPERCALL_DONE as number };

const ok = (value: number, variable = 0): number => {
  call.variable = variable;
  return value;
};

/** The vCPU blocks, yields or stops (its result arrives when it runs again). */
const suspend = (end: number, variable = 0): number => {
  call.variable = variable;
  call.end = end;
  return 0;
};

const SCHEDOP = { yield: 0, block: 1, shutdown: 2 } as const;
const DOMCTL = { destroy: 2, pause: 3, unpause: 4, getinfo: 5 } as const;
const MULTICALL_ENTRY_BYTES = MULTICALL_ENTRY_WORDS * 4;
/** The variable costs of the ABI table (sandbox/lang/abi.ts). */
const CONSOLE_IO_PER_BYTE = perUnitCost('console_io');
const GRANT_COPY_PER_BYTE = perUnitCost('grant_table_op');
const MEMORY_OP_PER_PAGE = perUnitCost('memory_op');

/** Handlers by hypercall name; the numbers, classes, versions and fixed costs come from the ABI table. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  console_io(host, vcpu, [cmd, count, buf]) {
    const n = count >>> 0;
    const variable = Math.min(n, vcpu.domain.memory.limit) * CONSOLE_IO_PER_BYTE;
    if (cmd !== 0) return ok(ERRNO.EINVAL, variable);
    const bytes = n > vcpu.domain.memory.limit ? undefined : vcpu.domain.memory.readBytes(buf, n);
    if (!bytes) return ok(ERRNO.EFAULT, variable);
    vcpu.domain.console.writeBytes(bytes);
    return ok(0, variable);
  },
  sched_op(host, vcpu, [cmd, arg], nested) {
    if (nested && cmd !== SCHEDOP.shutdown) return ok(ERRNO.EINVAL);
    if (cmd === SCHEDOP.yield) return suspend(HYPERCALL_YIELD);
    if (cmd === SCHEDOP.block) return lowestPending(vcpu.domain) >= 0 ? ok(0) : suspend(HYPERCALL_BLOCK);
    if (cmd === SCHEDOP.shutdown) {
      host.shutdown(vcpu.domain, arg >>> 0);
      return suspend(HYPERCALL_STOP);
    }
    return ok(ERRNO.EINVAL);
  },
  set_timer_op(host, vcpu, [deadline]) {
    host.setTimer(vcpu, deadline >>> 0);
    return ok(0);
  },
  event_channel_op(host, vcpu, [cmd, a, b]) {
    return ok(eventChannelOp(host, vcpu.domain, cmd, a, b));
  },
  grant_table_op(host, vcpu, [cmd, a, b, c, d]) {
    const r = grantTableOp(host, vcpu.domain, cmd, a, b, c, d);
    return ok(r.result, r.copied * GRANT_COPY_PER_BYTE);
  },
  memory_op(host, vcpu, [cmd, pages]) {
    const n = pages >>> 0;
    const variable = Math.min(n, MAX_GUEST_PAGES) * MEMORY_OP_PER_PAGE;
    const mem = vcpu.domain.memory;
    if (cmd === 0) {
      if (mem.pages + n > MAX_GUEST_PAGES) return ok(ERRNO.EINVAL, variable);
      mem.resize(mem.pages + n);
      return ok(mem.pages, variable);
    }
    if (cmd === 1) {
      if (n >= mem.pages) return ok(ERRNO.EINVAL, variable);
      mem.resize(mem.pages - n);
      return ok(mem.pages, variable);
    }
    return ok(ERRNO.EINVAL, variable);
  },
  multicall(host, vcpu, [list, count], nested) {
    if (nested) return ok(ERRNO.EINVAL);
    const mem = vcpu.domain.memory;
    const n = count >>> 0;
    if (n > MULTICALL_MAX_ENTRIES) return ok(ERRNO.EINVAL);
    const size = n * MULTICALL_ENTRY_BYTES;
    // The results are written back over the list: it must be writable before anything runs.
    if ((list & 3) !== 0 || !mem.readBytes(list, size) || !mem.canWrite(list, size)) return ok(ERRNO.EFAULT);
    let variable = 0;
    for (let i = 0; i < n; i++) {
      const at = (list + i * MULTICALL_ENTRY_BYTES) | 0;
      // As Xen does: each entry is read just before it runs and its result written right after;
      // an earlier entry may have changed the list or ballooned its page away (then -EFAULT, and the rest does not run).
      if (!readEntry(mem, at)) return ok(ERRNO.EFAULT, variable);
      const value = invoke(host, vcpu, entryNumber, entryArgs, true);
      variable += Math.max(call.cost, MULTICALL_ENTRY_MIN_COST);
      if (call.end !== HYPERCALL_DONE) return suspend(call.end, variable);
      if (!mem.writeWord(at, value)) return ok(ERRNO.EFAULT, variable);
    }
    return ok(0, variable);
  },
  vcpu_op(host, vcpu, [cmd, target]) {
    const v = vcpu.domain.vcpus[target];
    if (!v) return ok(ERRNO.EINVAL);
    if (cmd === 0) {
      if (v.status === 'down') host.vcpuUp(v);
      return ok(0);
    }
    if (cmd === 1) {
      host.vcpuDown(v);
      return v === vcpu ? suspend(HYPERCALL_STOP) : ok(0);
    }
    if (cmd === 2) return ok(v.status === 'down' ? 0 : 1);
    return ok(ERRNO.EINVAL);
  },
  xen_version(host, vcpu, [cmd]) {
    if (cmd !== 0 || host.hypervisorVersion === null) return ok(ERRNO.EINVAL);
    return ok(host.versionCode);
  },
  set_pat(host, vcpu, [value]) {
    vcpu.pat = value | 0;
    return ok(0);
  },
  sysctl(host, vcpu, [cmd]) {
    return cmd === 1 ? ok(host.pcpuCount) : ok(ERRNO.EINVAL);
  },
  domctl(host, vcpu, [cmd, domid]) {
    const target = host.domain(domid >>> 0);
    if (!target || target.state === 'destroyed') return ok(ERRNO.ESRCH);
    const self = target === vcpu.domain;
    switch (cmd) {
      case DOMCTL.destroy:
        if (self) return ok(ERRNO.EINVAL);
        host.destroy(target);
        return ok(0);
      case DOMCTL.pause:
        if (self) return ok(ERRNO.EINVAL);
        host.pause(target);
        return ok(0);
      case DOMCTL.unpause:
        host.unpause(target);
        return ok(0);
      case DOMCTL.getinfo:
        return ok(host.stateCode(target));
      default:
        return ok(ERRNO.EINVAL);
    }
  },
};

/** The multicall entry being run: its hypercall number and five arguments (refilled by readEntry). */
let entryNumber = 0;
const entryArgs = [0, 0, 0, 0, 0];

/** Reads a multicall entry's six words (number, five arguments) into entryNumber and entryArgs; false when the guest could not read them there. */
function readEntry(mem: GuestMemory, at: number): boolean {
  const a = at >>> 0;
  let v: DataView;
  let base: number;
  if (a + MULTICALL_ENTRY_BYTES <= mem.limit) {
    v = mem.view;
    base = a;
  } else {
    const bytes = mem.readBytes(at, MULTICALL_ENTRY_BYTES);
    if (!bytes) return false;
    v = new DataView(bytes.buffer, bytes.byteOffset, MULTICALL_ENTRY_BYTES);
    base = 0;
  }
  entryNumber = v.getInt32(base, true);
  for (let k = 0; k < 5; k++) entryArgs[k] = v.getInt32(base + 4 * (k + 1), true);
  return true;
}

/** xen_version(0)'s answer for a version such as "4.2": (major << 16) + minor. */
export function versionCode(version: string): number {
  const [major, minor] = version.split('.').map(Number);
  return (major << 16) + minor;
}

/** One hypercall of a booted system: everything the call path needs, resolved at boot. */
export interface HypercallEntry {
  readonly nr: number;
  readonly name: string;
  /** The fixed part of its cost (the ABI table's `cost`). */
  readonly cost: number;
  /** Callable only from the privileged domain. */
  readonly dom0: boolean;
  /** The booted hypervisor has it (its version is at least `since`). */
  readonly available: boolean;
  readonly handler: Handler;
  /** An extension's hypercall: its profiled route (invoke takes it while a profiler observes compiled handlers); null for built-ins. */
  readonly profiled: ProfiledExtension | null;
  /** Where each domain counts it (Domain.hypercallCounts): small even for an extension's large number. */
  readonly slot: number;
}

/**
 * A system's hypercalls by number: numbers below DENSE_NUMBERS in an array
 * (holes: no such hypercall), larger ones (an extension may pick any) in a map.
 */
export interface DispatchTable {
  readonly dense: readonly (HypercallEntry | undefined)[];
  readonly sparse: ReadonlyMap<number, HypercallEntry>;
}

/** Hypercall numbers below this are found by indexing an array. */
const DENSE_NUMBERS = 4096;

/** The entry of hypercall `nr`, or undefined when the system has none. */
export function entryOf(table: DispatchTable, nr: number): HypercallEntry | undefined {
  if (nr >= 0 && nr < table.dense.length) return table.dense[nr];
  return table.sparse.size === 0 ? undefined : table.sparse.get(nr);
}

const NO_ENTRIES: ReadonlyMap<number, HypercallEntry> = new Map();
const builtinTables = new Map<string | null, DispatchTable>();

const available = (version: string | null, decl: HypercallDecl): boolean => version === null || compareVersions(version, decl.since) >= 0;

/** The built-in table's dispatch table for a hypervisor version (null: bare metal), made once per version. */
function builtinDispatchTable(version: string | null): DispatchTable {
  let table = builtinTables.get(version);
  if (!table) {
    const entries: (HypercallEntry | undefined)[] = [];
    for (const decl of builtinAbi().abi.hypercalls) {
      if (entries[decl.number] !== undefined) continue;
      entries[decl.number] = { nr: decl.number, name: decl.name.name, cost: decl.cost, dom0: decl.cls === 'dom0', available: available(version, decl), handler: HANDLERS[decl.name.name], profiled: null, slot: decl.number };
    }
    table = { dense: Array.from(entries), sparse: NO_ENTRIES };
    builtinTables.set(version, table);
  }
  return table;
}

/**
 * A system's dispatch table: the built-in hypercalls of its hypervisor
 * version and the hypercalls of the extensions it booted (a built-in number
 * wins), made at boot so that a call looks nothing up by name or version.
 */
export function systemDispatchTable(version: string | null, extensions: BootedExtensions): DispatchTable {
  const builtin = builtinDispatchTable(version);
  if (extensions.byNumber.size === 0) return builtin;
  const dense = [...builtin.dense];
  const sparse = new Map<number, HypercallEntry>();
  let slot = builtin.dense.length;
  for (const [nr, decl] of extensions.byNumber) {
    if (entryOf(builtin, nr) !== undefined) continue;
    const entry: HypercallEntry = { nr, name: decl.name.name, cost: decl.cost, dom0: decl.cls === 'dom0', available: available(version, decl), handler: extensionHandler(decl), profiled: new ProfiledExtension(decl), slot: slot++ };
    if (nr >= 0 && nr < DENSE_NUMBERS) dense[nr] = entry;
    else sparse.set(nr, entry);
  }
  // Holes stay undefined (a dense array: no hole is read as a missing property).
  for (let i = 0; i < dense.length; i++) dense[i] ??= undefined;
  return { dense, sparse: sparse.size === 0 ? NO_ENTRIES : sparse };
}

/**
 * Runs an extension hypercall's pvk handler: its own cycles are the variable
 * part of its cost. A handler a debugger paused suspends the call (nothing
 * charged yet): the hypervisor finishes it when the vCPU runs again. (A
 * profiled run takes the entry's ProfiledExtension instead.)
 */
function extensionHandler(decl: HypercallDecl): Handler {
  /** The handler's entry in the machine's plain compiled handlers: NOT_LOOKED_UP until its first plain run, -1 when it has none. */
  let entry = NOT_LOOKED_UP;
  return (host, vcpu, args, nested) => {
    if (host.plainHandlers) {
      if (entry === NOT_LOOKED_UP) entry = host.extensions.plainEntry(decl);
      if (entry >= 0) return runPlainHandler(host, entry, decl, vcpu, args, nested);
    }
    return runGeneralHandler(host, decl, vcpu, args, nested);
  };
}

const NOT_LOOKED_UP = -2;

/** An extension hypercall's handler as plain compiled code (its `entry`): kept small, so that V8 inlines the whole path. */
function runPlainHandler(host: HypercallHost, entry: number, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): number {
  let value: number;
  try {
    value = host.runPlainExtension(entry, decl, vcpu, args);
  } catch (e) {
    chargeFailedHandler(host, vcpu, decl, nested, e);
    throw e;
  }
  return ok(value, host.extensions.plainCycles());
}

/**
 * An extension hypercall's handler in a profiled run (the profiling compiled
 * code, with the profiler as the only difference). invoke() calls it apart
 * from the handlers of the table, whose call site sees every hypercall: from
 * its own, V8 inlines the whole profiled path.
 */
export class ProfiledExtension {
  /** The handler's entry among the profiling compiled handlers: NOT_LOOKED_UP until its first profiled run, -1 when it has none. */
  private entry = NOT_LOOKED_UP;

  constructor(private readonly decl: HypercallDecl) {}

  run(host: HypercallHost, vcpu: Vcpu, args: readonly number[], nested: boolean): number {
    let entry = this.entry;
    if (entry === NOT_LOOKED_UP) entry = this.entry = host.extensions.profiledEntry(this.decl);
    if (entry < 0) return runGeneralHandler(host, this.decl, vcpu, args, nested);
    let value: number;
    try {
      value = host.runProfiledExtension(entry, this.decl, vcpu, args, nested);
    } catch (e) {
      chargeFailedHandler(host, vcpu, this.decl, nested, e);
      throw e;
    }
    return ok(value, host.extensions.profiledCycles());
  }
}

/** An extension hypercall's handler run by the hypervisor (the evaluator, or compiled code a debugger may stop). */
function runGeneralHandler(host: HypercallHost, decl: HypercallDecl, vcpu: Vcpu, args: readonly number[], nested: boolean): number {
  try {
    const r = host.runExtension(decl, vcpu, args, nested);
    return r.paused ? suspend(HYPERCALL_PAUSE) : ok(r.value, r.cycles);
  } catch (e) {
    chargeFailedHandler(host, vcpu, decl, nested, e);
    throw e;
  }
}

/**
 * A handler that faults or runs into the cycle limit (`e`) still costs what
 * it ran (the machine stops after); inside a multicall, the entry's own fixed
 * cost is not charged.
 */
export function chargeFailedHandler(host: Pick<HypercallHost, 'charge'>, vcpu: Vcpu, decl: HypercallDecl, nested: boolean, e: unknown): void {
  if (e instanceof HypervisorPanic || e instanceof HandlerOutOfCycles) host.charge(vcpu, COSTS.hypercallBase + (nested ? 0 : decl.cost) + e.cycles);
}

/**
 * Runs one hypercall: privilege and version checks, the handler, and the
 * cost (entry/exit base unless nested in a multicall, the table's fixed cost,
 * the handler's variable part). Returns its value; its cost is then in
 * `hypercallCost()` and how it ended in `hypercallEnd()`.
 */
export function invoke(host: HypercallHost, vcpu: Vcpu, nr: number, args: readonly number[], nested: boolean): number {
  const entry = entryOf(host.hypercallTable, nr);
  call.end = HYPERCALL_DONE;
  call.variable = 0;
  if (entry === undefined) {
    call.cost = 0;
    return ERRNO.ENOSYS;
  }
  vcpu.domain.countHypercall(entry.slot, entry.name);
  let value: number;
  if (entry.dom0 && !vcpu.domain.privileged) value = ok(ERRNO.EPERM);
  else if (!entry.available) value = ok(ERRNO.ENOSYS);
  // An extension's hypercall in a profiled run: its own call site (see ProfiledExtension).
  else if (entry.profiled !== null && host.profiledHandlers) value = entry.profiled.run(host, vcpu, args, nested);
  else value = entry.handler(host, vcpu, args, nested);
  call.cost = entry.cost + call.variable;
  return value;
}

/** The cycles the hypercall that ran last costs, without the entry/exit base. */
export function hypercallCost(): number {
  return call.cost;
}

/** How the hypercall that ran last ended: HYPERCALL_DONE, or the vCPU blocks, yields or stops. */
export function hypercallEnd(): number {
  return call.end;
}
