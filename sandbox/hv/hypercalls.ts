import { builtinAbi, compareVersions } from '../lang/abi.js';
import { HYPERCALL_BLOCK, HYPERCALL_DONE, HYPERCALL_STOP, HYPERCALL_YIELD } from '../vm/engine.js';
import { HYPERCALL_VARIABLE_COSTS } from './costs.js';
import { ERRNO } from './errno.js';
import { eventChannelOp, lowestPending, type EventHost } from './events.js';
import { grantTableOp } from './grants.js';
import type { Domain, Vcpu } from './state.js';

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
const MULTICALL_ENTRY_BYTES = 24;
const MAX_RESERVATION = 16384;

/** Handlers by hypercall name; the numbers, classes, versions and fixed costs come from the ABI table. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  console_io(host, vcpu, [cmd, count, buf]) {
    const n = count >>> 0;
    const variable = Math.min(n, vcpu.domain.memory.limit) * HYPERCALL_VARIABLE_COSTS.consoleIoPerByte;
    if (cmd !== 0) return ok(ERRNO.EINVAL, variable);
    const bytes = n > vcpu.domain.memory.limit ? undefined : vcpu.domain.memory.readBytes(buf, n);
    if (!bytes) return ok(ERRNO.EFAULT, variable);
    vcpu.domain.console.push(String.fromCharCode(...bytes));
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
    return ok(r.result, r.copied * HYPERCALL_VARIABLE_COSTS.grantCopyPerByte);
  },
  memory_op(host, vcpu, [cmd, pages]) {
    const n = pages >>> 0;
    const variable = Math.min(n, MAX_RESERVATION) * HYPERCALL_VARIABLE_COSTS.memoryOpPerPage;
    const mem = vcpu.domain.memory;
    if (cmd === 0) {
      if (mem.pages + n > MAX_RESERVATION) return ok(ERRNO.EINVAL, variable);
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
    if (n > 1024) return ok(ERRNO.EINVAL);
    const table = mem.readBytes(list, n * MULTICALL_ENTRY_BYTES);
    // The results are written back over the list: it must be writable before anything runs.
    if (!table || (list & 3) !== 0 || !mem.canWrite(list, n * MULTICALL_ENTRY_BYTES)) return ok(ERRNO.EFAULT);
    let variable = 0;
    const words = new DataView(table.buffer);
    for (let i = 0; i < n; i++) {
      const nr = words.getInt32(i * MULTICALL_ENTRY_BYTES, true);
      const args = [1, 2, 3, 4, 5].map((k) => words.getInt32(i * MULTICALL_ENTRY_BYTES + 4 * k, true));
      const value = invoke(host, vcpu, nr, args, true);
      variable += call.cost;
      const at = (list + i * MULTICALL_ENTRY_BYTES) | 0;
      if (call.end !== HYPERCALL_DONE) return suspend(call.end, variable);
      mem.store(32, at, value, { file: 0, line: 0, column: 0 });
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
}

/** A system's hypercalls by number (holes: no such hypercall). */
export type DispatchTable = readonly (HypercallEntry | undefined)[];

const tables = new Map<string | null, DispatchTable>();

/** The dispatch table of a hypervisor version (null: bare metal), made once per version. */
export function dispatchTable(version: string | null): DispatchTable {
  let table = tables.get(version);
  if (!table) {
    const entries: (HypercallEntry | undefined)[] = [];
    for (const decl of builtinAbi().abi.hypercalls) {
      if (entries[decl.number] !== undefined) continue;
      entries[decl.number] = {
        nr: decl.number,
        name: decl.name.name,
        cost: decl.cost,
        dom0: decl.cls === 'dom0',
        available: version === null || compareVersions(version, decl.since) >= 0,
        handler: HANDLERS[decl.name.name],
      };
    }
    table = Array.from(entries);
    tables.set(version, table);
  }
  return table;
}

/**
 * Runs one hypercall: privilege and version checks, the handler, and the
 * cost (entry/exit base unless nested in a multicall, the table's fixed cost,
 * the handler's variable part). Returns its value; its cost is then in
 * `hypercallCost()` and how it ended in `hypercallEnd()`.
 */
export function invoke(host: HypercallHost, vcpu: Vcpu, nr: number, args: readonly number[], nested: boolean): number {
  const entry = nr >= 0 && nr < host.hypercallTable.length ? host.hypercallTable[nr] : undefined;
  call.end = HYPERCALL_DONE;
  call.variable = 0;
  if (entry === undefined) {
    call.cost = 0;
    return ERRNO.ENOSYS;
  }
  vcpu.domain.countHypercall(nr, entry.name);
  let value: number;
  if (entry.dom0 && !vcpu.domain.privileged) value = ok(ERRNO.EPERM);
  else if (!entry.available) value = ok(ERRNO.ENOSYS);
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
