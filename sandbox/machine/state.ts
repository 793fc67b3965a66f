import type { DomainMode } from '../lang/bootContext.js';
import type { DomainConfig } from '../lang/systems.js';
import type { FaultKind } from './fault.js';
import type { Program } from './ir.js';
import type { GuestMemory } from './memory.js';
import { DomainConsole } from './console.js';
import { LowestFree } from './lowestFree.js';

/** Grants a domain may have at once (refs 1..GRANT_REFS), as a Linux guest's default 32 grant frames hold. */
export const GRANT_REFS = 16384;

export type DomainState = 'running' | 'blocked' | 'paused' | 'exited' | 'crashed' | 'destroyed';

export interface FaultInfo {
  kind: FaultKind;
  message: string;
  file: string;
  line: number;
}

/** One activation record of the interpreter; also what the fast engine materialises when it suspends. */
export interface Frame {
  fn: number;
  pc: number;
  /** Int32 bit patterns, one per slot (a plain array: cheaper to make per call than a typed one). */
  locals: number[];
  /** Caller's local that receives the return value, -1 for none. */
  dst: number;
  /** An upcall into on_event: returning re-enables delivery. */
  upcall: boolean;
  /** A pvop implementation reached through the ops table or a patched site. */
  pvop: boolean;
  /**
   * The profiling engine's call-tree node of this frame (vm/profiling.ts),
   * set as the frame is captured and taken back as it resumes; null for
   * frames no profiling engine made.
   */
  node: object | null;
}

export type VcpuStatus = 'runnable' | 'blocked' | 'down';

export class Vcpu {
  frames: Frame[] = [];
  /**
   * Frame records the fast engine reuses for this vCPU's suspensions,
   * innermost first: a suspended stack is resumed (its records read) before
   * the vCPU can suspend again, so one set serves every switch.
   */
  spareFrames: Frame[] = [];
  status: VcpuStatus = 'runnable';
  /** What a blocked vCPU waits for. */
  waitingFor: 'event' | 'none' = 'none';
  /** Result to hand to the suspended hypercall when the vCPU resumes (its dst local), or undefined. */
  resumeResult: number | undefined;
  resumeDst = -1;
  /** Interrupt flag for native and hvm domains (set = deliver). */
  interruptsEnabled = true;
  inUpcall = false;
  msrs = new Map<number, number>();
  cr3 = 0;
  pat = 0;
  /** Absolute machine time of the one-shot timer, or -1. */
  timerDeadline = -1;
  /** The pcpu this vCPU last ran on (its clock answers rdtsc and timers); -1 before it ran. */
  pcpu = -1;
  /** Machine time before which this vCPU cannot run (it ran elsewhere until then). */
  readyAt = 0;
  cycles = 0;
  /** Machine time when the vCPU last stopped running (for round-robin order within a domain). */
  lastRan = -1;
  /** What a profiler follows of this vCPU (profile/recorder.ts): found in one load on every switch. Undefined when not profiled. */
  profiled: unknown = undefined;

  constructor(
    readonly domain: Domain,
    readonly id: number,
  ) {}

  get label(): string {
    return `${this.domain.name} · vcpu${this.id}`;
  }
}

export class EventPort {
  state: 'free' | 'unbound' | 'interdomain' | 'virq' = 'free';
  /** unbound: the domain allowed to bind; interdomain: the peer domain. */
  remoteDomain = -1;
  remotePort = 0;
  virq = -1;

  constructor(
    /** The domain's pending bitmap (bit p of word p >> 5: port p), where `pending` lives. */
    private readonly bits: Int32Array,
    private readonly port: number,
  ) {}

  get pending(): boolean {
    return (this.bits[this.port >> 5] & (1 << (this.port & 31))) !== 0;
  }

  set pending(on: boolean) {
    if (on) this.bits[this.port >> 5] |= 1 << (this.port & 31);
    else this.bits[this.port >> 5] &= ~(1 << (this.port & 31));
  }
}

export interface Grant {
  /** The domain allowed to map or copy into it. */
  grantee: number;
  frame: number;
  readonly: boolean;
  /** Number of live mappings of this grant. */
  mapped: number;
}

export const EVTCHN_PORTS = 64;

export class Domain {
  state: DomainState;
  exitCode: number | null = null;
  fault: FaultInfo | null = null;
  readonly console = new DomainConsole();
  cycles = 0;
  /** Hypercalls made, counted by their slot in the system's dispatch table (grows past the largest slot made); names only in `hypercalls`. */
  hypercallCounts = new Float64Array(64);
  /** The slots made so far and their names, in the order first made. */
  private readonly hypercallsMade: { slot: number; name: string }[] = [];
  readonly traps = new Map<string, number>();
  readonly vmexits = new Map<string, number>();
  events = 0;
  pvopCalls = 0;
  /** True whenever some port may be pending (set on every send; cleared lazily when none is). */
  pendingHint = false;
  /** pvop call sites were rewritten to direct calls at boot (`patch_pvops`). */
  patched = false;
  readonly ports: EventPort[] = [];
  /** Which ports are pending, one bit each (see EventPort.pending): the lowest is found without a scan. */
  readonly pendingBits = new Int32Array(EVTCHN_PORTS / 32);
  readonly grants = new Map<number, Grant>();
  /** Which grant refs (minus 1) are in use: refs are handed out lowest-free first. */
  readonly grantRefs = new LowestFree(GRANT_REFS);
  /** Scheduler: weighted virtual time. */
  vtime = 0;
  /** Cycles used in the current cap period, and which period that is. */
  capUsed = 0;
  capPeriod = 0;
  readonly vcpus: Vcpu[] = [];

  constructor(
    readonly id: number,
    readonly config: DomainConfig,
    readonly program: Program,
    readonly memory: GuestMemory,
    /** pvop index → function id, bound by mode at boot. */
    readonly dispatch: Int32Array,
    readonly globals: Int32Array,
  ) {
    this.state = config.paused ? 'paused' : 'running';
    for (let p = 0; p < EVTCHN_PORTS; p++) this.ports.push(new EventPort(this.pendingBits, p));
    for (let v = 0; v < config.vcpus; v++) this.vcpus.push(new Vcpu(this, v));
  }

  get name(): string {
    return this.config.name;
  }
  get mode(): DomainMode {
    return this.config.mode;
  }
  get privileged(): boolean {
    return this.config.privileged;
  }
  /** Alive: can still run code at some point (not exited, crashed or destroyed). */
  get alive(): boolean {
    return this.state === 'running' || this.state === 'blocked' || this.state === 'paused';
  }

  /** Hypercalls made, by name, in the order first made (for reports: made on demand). */
  get hypercalls(): Map<string, number> {
    return new Map(this.hypercallsMade.map(({ slot, name }) => [name, this.hypercallCounts[slot]]));
  }

  /** One more call of the hypercall counted at `slot` (its dispatch-table entry's) named `name`. */
  countHypercall(slot: number, name: string): void {
    if (slot >= this.hypercallCounts.length) {
      const grown = new Float64Array(Math.max(slot + 1, this.hypercallCounts.length * 2));
      grown.set(this.hypercallCounts);
      this.hypercallCounts = grown;
    }
    if (this.hypercallCounts[slot]++ === 0) this.hypercallsMade.push({ slot, name });
  }

  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

/** The lowest pending port (1..63), or -1: the lowest set bit of the domain's pending bitmap. */
export function lowestPending(d: Domain): number {
  const bits = d.pendingBits;
  for (let w = 0; w < bits.length; w++) {
    // Port 0 is never an event port.
    const x = w === 0 ? bits[0] & ~1 : bits[w];
    if (x !== 0) return w * 32 + 31 - Math.clz32(x & -x);
  }
  return -1;
}
