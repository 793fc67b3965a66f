import xenAbiText from '../abi/xen.pvk';
import type { AbiItem, HypercallDecl } from './ast.js';
import { parse } from './parser.js';

/** The path under which the built-in table's items are reported. */
export const BUILTIN_ABI_FILE = 'pvlab:abi/xen.pvk';

export interface HypercallTable {
  abi: AbiItem;
  byName: ReadonlyMap<string, HypercallDecl>;
  byNumber: ReadonlyMap<number, HypercallDecl>;
  text: string;
}

let builtin: HypercallTable | undefined;

/** The shipped hypercall table (sandbox/abi/xen.pvk), parsed once. */
export function builtinAbi(): HypercallTable {
  if (!builtin) builtin = loadAbi(BUILTIN_ABI_FILE, xenAbiText);
  return builtin;
}

export function loadAbi(file: string, text: string): HypercallTable {
  const parsed = parse(file, text);
  const abi = parsed.ast.items.find((i): i is AbiItem => i.kind === 'abi');
  if (!abi || parsed.diagnostics.length > 0) {
    const first = parsed.diagnostics[0];
    throw new Error(`built-in ABI table ${file} is broken${first ? `: ${first.message}` : ''}`);
  }
  return {
    abi,
    byName: new Map(abi.hypercalls.map((h) => [h.name.name, h])),
    byNumber: new Map(abi.hypercalls.map((h) => [h.number, h])),
    text,
  };
}

/** Compares versions such as "4.2" and "3.10"; negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : (an ?? 0) - (bn ?? 0);
}

// ------------------------------------------------------------ what the table's rows do not say

/** The negative errno values hypercalls return (spec section 5). */
export const ERRNO = {
  EPERM: -1,
  ESRCH: -3,
  EFAULT: -14,
  EBUSY: -16,
  EINVAL: -22,
  ENOSYS: -38,
} as const;

export type Errno = keyof typeof ERRNO;

/**
 * The facts of a hypercall that its row in xen.pvk does not carry: what its
 * handler may return, what it costs beyond the row's `cost`, and how it
 * behaves inside a multicall. The hypervisor's handlers are held to this by
 * test/unit/sandbox/abiFacts.test.ts; the language server reads it.
 */
export interface HypercallFacts {
  /**
   * The errors the handler returns, with what each means here, in the order
   * hovers list them. -EPERM for a `dom0` row called by a domU and -ENOSYS on
   * a hypervisor older than `since` come from the row itself.
   */
  errors: Partial<Record<Errno, string>>;
  /**
   * The handler's variable cost on top of the row's `cost`: `cycles` per
   * `unit`, or (multicall) each entry's own cost without a second base cost.
   */
  variableCost?: { kind: 'per-unit'; cycles: number; unit: string } | { kind: 'entries' };
  /** Inside a multicall: `all` of it, `shutdown only` (sched_op: yield and block return -EINVAL), or `none` (-EINVAL). */
  inMulticall: 'all' | 'shutdown only' | 'none';
}

const BAD_ARGUMENT = 'bad sub-op or argument';
const BAD_ADDRESS = 'bad guest address';
const NO_DOMAIN = 'no such domain';

export const HYPERCALL_FACTS: Readonly<Record<string, HypercallFacts>> = {
  console_io: { errors: { EINVAL: BAD_ARGUMENT, EFAULT: BAD_ADDRESS }, variableCost: { kind: 'per-unit', cycles: 1, unit: 'byte' }, inMulticall: 'all' },
  sched_op: { errors: { EINVAL: BAD_ARGUMENT }, inMulticall: 'shutdown only' },
  set_timer_op: { errors: {}, inMulticall: 'all' },
  event_channel_op: { errors: { EINVAL: BAD_ARGUMENT, ESRCH: NO_DOMAIN }, inMulticall: 'all' },
  grant_table_op: {
    errors: { EINVAL: BAD_ARGUMENT, EFAULT: BAD_ADDRESS, ESRCH: NO_DOMAIN, EBUSY: 'grant still mapped, or no mapping slot free', EPERM: 'copy into a read-only grant' },
    variableCost: { kind: 'per-unit', cycles: 1, unit: 'byte copied' },
    inMulticall: 'all',
  },
  memory_op: { errors: { EINVAL: BAD_ARGUMENT }, variableCost: { kind: 'per-unit', cycles: 100, unit: 'page' }, inMulticall: 'all' },
  multicall: { errors: { EINVAL: BAD_ARGUMENT, EFAULT: BAD_ADDRESS }, variableCost: { kind: 'entries' }, inMulticall: 'none' },
  vcpu_op: { errors: { EINVAL: BAD_ARGUMENT }, inMulticall: 'all' },
  xen_version: { errors: { EINVAL: BAD_ARGUMENT }, inMulticall: 'all' },
  set_pat: { errors: {}, inMulticall: 'all' },
  sysctl: { errors: { EINVAL: BAD_ARGUMENT }, inMulticall: 'all' },
  domctl: { errors: { EINVAL: BAD_ARGUMENT, ESRCH: NO_DOMAIN }, inMulticall: 'all' },
};

/** The facts of a hypercall of the table (every row has them). */
export function hypercallFacts(decl: HypercallDecl): HypercallFacts {
  return HYPERCALL_FACTS[decl.name.name] ?? { errors: {}, inMulticall: 'all' };
}

/** The cycles per unit of a hypercall's variable cost (0 when it has none): what its handler charges. */
export function perUnitCost(name: string): number {
  const v = HYPERCALL_FACTS[name]?.variableCost;
  return v?.kind === 'per-unit' ? v.cycles : 0;
}

/** A multicall entry: the hypercall number and its five arguments, one u32 word each (spec section 5). */
export const MULTICALL_ENTRY_WORDS = 6;
/** The most entries one multicall runs (more: -EINVAL). */
export const MULTICALL_MAX_ENTRIES = 1024;
/**
 * What a multicall entry costs at least: an entry with no cost of its own (a
 * number that is no hypercall, memory_op of 0 pages) would otherwise let a
 * guest make the host run 1,024 entries for the price of one call.
 */
export const MULTICALL_ENTRY_MIN_COST = 10;
