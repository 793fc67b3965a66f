import { builtinAbi, compareVersions, ERRNO, MULTICALL_ENTRY_WORDS, perUnitCost } from '../lang/abi.js';
import type { HypercallDecl } from '../lang/ast.js';
import type { HypercallOutcome } from '../vm/engine.js';
import { GuestFault } from '../machine/fault.js';
import type { Loc } from '../machine/ir.js';
import { eventChannelOp, type EventHost } from './events.js';
import { MAX_GUEST_PAGES, type GuestMemory } from '../machine/memory.js';
import { grantTableOp } from './grants.js';
import { lowestPending, type Domain, type Vcpu } from '../machine/state.js';
import type { BootedExtensions } from './extensions.js';
import { HandlerOutOfCycles, HypervisorPanic } from './pvkHandlers.js';

/** The hypervisor as hypercall handlers see it. */
export interface HypercallHost extends EventHost {
  readonly hypervisorVersion: string | null;
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
  /** Runs an extension hypercall's pvk handler: its result and its own cycles. */
  runExtension(decl: HypercallDecl, vcpu: Vcpu, args: readonly number[]): { value: number; cycles: number };
}

type Outcome = { value: number; variable: number } | { suspend: 'block' | 'yield' | 'stop'; variable: number };
type Handler = (host: HypercallHost, vcpu: Vcpu, args: readonly number[], nested: boolean) => Outcome;

const ok = (value: number, variable = 0): Outcome => ({ value, variable });

const SCHEDOP = { yield: 0, block: 1, shutdown: 2 } as const;
const DOMCTL = { destroy: 2, pause: 3, unpause: 4, getinfo: 5 } as const;
const MULTICALL_ENTRY_BYTES = MULTICALL_ENTRY_WORDS * 4;
/** The variable costs of the ABI table (sandbox/lang/abi.ts). */
const CONSOLE_IO_PER_BYTE = perUnitCost('console_io');
const GRANT_COPY_PER_BYTE = perUnitCost('grant_table_op');
const MEMORY_OP_PER_PAGE = perUnitCost('memory_op');
/**
 * What a multicall entry costs at least: an entry with no cost of its own (a
 * number that is no hypercall, memory_op of 0 pages) would otherwise let a
 * guest make the host run 1,024 entries for the price of one call.
 */
export const MULTICALL_ENTRY_MIN_COST = 10;

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
    if (cmd === SCHEDOP.yield) return { suspend: 'yield', variable: 0 };
    if (cmd === SCHEDOP.block) return lowestPending(vcpu.domain) >= 0 ? ok(0) : { suspend: 'block', variable: 0 };
    if (cmd === SCHEDOP.shutdown) {
      host.shutdown(vcpu.domain, arg >>> 0);
      return { suspend: 'stop', variable: 0 };
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
    if (n > 1024) return ok(ERRNO.EINVAL);
    const size = n * MULTICALL_ENTRY_BYTES;
    // The results are written back over the list: it must be writable before anything runs.
    if ((list & 3) !== 0 || !mem.readBytes(list, size) || !mem.canWrite(list, size)) return ok(ERRNO.EFAULT);
    let variable = 0;
    for (let i = 0; i < n; i++) {
      const at = (list + i * MULTICALL_ENTRY_BYTES) | 0;
      // As Xen does: each entry is read just before it runs and its result written right after;
      // an earlier entry may have changed the list or ballooned its page away (then -EFAULT, and the rest does not run).
      const entry = readEntry(mem, at);
      if (!entry) return ok(ERRNO.EFAULT, variable);
      const r = invoke(host, vcpu, entry[0], entry.slice(1), true);
      variable += Math.max(r.cost, MULTICALL_ENTRY_MIN_COST);
      if ('suspend' in r.outcome) return { suspend: r.outcome.suspend, variable };
      if (!mem.writeWord(at, r.outcome.value)) return ok(ERRNO.EFAULT, variable);
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
      return v === vcpu ? { suspend: 'stop', variable: 0 } : ok(0);
    }
    if (cmd === 2) return ok(v.status === 'down' ? 0 : 1);
    return ok(ERRNO.EINVAL);
  },
  xen_version(host, vcpu, [cmd]) {
    if (cmd !== 0 || host.hypervisorVersion === null) return ok(ERRNO.EINVAL);
    const [major, minor] = host.hypervisorVersion.split('.').map(Number);
    return ok((major << 16) + minor);
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

/** A multicall entry's six words (number, five arguments), or undefined when the guest could not read them there. */
function readEntry(mem: GuestMemory, at: number): number[] | undefined {
  const a = at >>> 0;
  if (a + MULTICALL_ENTRY_BYTES <= mem.limit) {
    const v = mem.view;
    return [v.getInt32(a, true), v.getInt32(a + 4, true), v.getInt32(a + 8, true), v.getInt32(a + 12, true), v.getInt32(a + 16, true), v.getInt32(a + 20, true)];
  }
  const bytes = mem.readBytes(at, MULTICALL_ENTRY_BYTES);
  if (!bytes) return undefined;
  const words = new DataView(bytes.buffer, bytes.byteOffset, MULTICALL_ENTRY_BYTES);
  return [0, 1, 2, 3, 4, 5].map((k) => words.getInt32(4 * k, true));
}

/**
 * Runs one hypercall: privilege and version checks, the handler, and the
 * cost (entry/exit base unless nested in a multicall, the table's fixed cost,
 * the handler's variable part). Returns the outcome and the cycles it costs.
 */
export function invoke(host: HypercallHost, vcpu: Vcpu, nr: number, args: readonly number[], nested: boolean): { outcome: Outcome; cost: number; decl?: HypercallDecl } {
  const decl = builtinAbi().byNumber.get(nr) ?? host.extensions.byNumber.get(nr);
  if (!decl) return { outcome: ok(ERRNO.ENOSYS), cost: 0 };
  vcpu.domain.count(vcpu.domain.hypercalls, decl.name.name);
  let outcome: Outcome;
  if (decl.cls === 'dom0' && !vcpu.domain.privileged) outcome = ok(ERRNO.EPERM);
  else if (host.hypervisorVersion !== null && compareVersions(host.hypervisorVersion, decl.since) < 0) outcome = ok(ERRNO.ENOSYS);
  else if (decl.handler) {
    const r = host.runExtension(decl, vcpu, args);
    outcome = ok(r.value, r.cycles);
  } else outcome = HANDLERS[decl.name.name](host, vcpu, args, nested);
  return { outcome, cost: decl.cost + outcome.variable, decl };
}

/** The engine's entry point for a hypercall statement. */
export function hypercall(host: HypercallHost, vcpu: Vcpu, nr: number, args: readonly number[], loc: Loc, baseCost: number): HypercallOutcome {
  if (host.hypervisorVersion === null) {
    throw new GuestFault('no-hypervisor', `hypercall #${nr} on bare metal: there is no hypervisor ('hypervisor none')`, loc.file, loc.line);
  }
  const padded = [...args, 0, 0, 0, 0, 0].slice(0, 5);
  let invoked: ReturnType<typeof invoke>;
  try {
    invoked = invoke(host, vcpu, nr, padded, false);
  } catch (e) {
    // A handler that faults or runs into the cycle limit still costs what it ran (the machine stops after).
    if (e instanceof HypervisorPanic || e instanceof HandlerOutOfCycles) host.charge(vcpu, baseCost + (host.extensions.byNumber.get(nr)?.cost ?? 0) + e.cycles);
    throw e;
  }
  const { outcome, cost } = invoked;
  host.charge(vcpu, baseCost + cost);
  if ('suspend' in outcome) {
    if (outcome.suspend === 'block') return { k: 'block' };
    if (outcome.suspend === 'yield') return { k: 'yield' };
    return { k: 'stop' };
  }
  return { k: 'done', value: outcome.value | 0 };
}
