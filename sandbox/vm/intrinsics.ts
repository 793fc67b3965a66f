import { COSTS, INTRINSIC_COSTS } from '../machine/costs.js';
import type { Vcpu } from '../machine/state.js';
import { INTRINSICS } from '../lang/intrinsics.js';
import type { Loc } from '../machine/ir.js';

/** The serial port: bytes written here append to the domain console. */
export const SERIAL_PORT = 0x3f8;

/** What intrinsics need from the machine around them. */
export interface IntrinsicHost {
  /** Machine time on the vCPU's pcpu now. */
  now(vcpu: Vcpu): number;
  charge(vcpu: Vcpu, cycles: number): void;
  /** Event state may have changed (interrupts or the mask byte): re-check delivery. */
  eventsChanged(vcpu: Vcpu): void;
  /** A trap or VM exit happened (for a debugger's exception breakpoints). */
  exitObserved?(vcpu: Vcpu, name: string, kind: 'trap' | 'vmexit'): void;
}

/**
 * The cost of an intrinsic in a domain's mode: native cost, plus the trap of a
 * privileged one in pv, plus the VM exit of inb/outb/rdmsr/wrmsr/hlt in hvm.
 */
export function intrinsicCost(name: string, mode: 'pv' | 'hvm' | 'native'): number {
  const exit = exitOf(name, mode);
  return (INTRINSIC_COSTS[name] ?? 0) + (exit === 'trap' ? COSTS.trap : exit === 'vmexit' ? COSTS.vmexit : 0);
}

/** Whether an intrinsic traps (pv, privileged) or causes a VM exit (hvm) in a domain mode. */
export function exitOf(name: string, mode: 'pv' | 'hvm' | 'native'): 'trap' | 'vmexit' | undefined {
  const sig = INTRINSICS[name];
  if (mode === 'pv' && sig?.privileged) return 'trap';
  if (mode === 'hvm' && sig?.vmexit) return 'vmexit';
  return undefined;
}

/** Counts the trap or VM exit an intrinsic causes in this domain's mode. */
export function countExit(host: IntrinsicHost, vcpu: Vcpu, name: string): void {
  const d = vcpu.domain;
  const kind = exitOf(name, d.mode);
  if (kind === undefined) return;
  d.count(kind === 'trap' ? d.traps : d.vmexits, name);
  host.exitObserved?.(vcpu, name, kind);
}

/**
 * Runs one non-suspending intrinsic (not hlt, not print) and charges its cost
 * after it succeeded (a faulting cmpxchg charges nothing).
 */
export function runIntrinsic(host: IntrinsicHost, vcpu: Vcpu, name: string, args: readonly number[], loc: Loc): number {
  const d = vcpu.domain;
  let result = 0;
  switch (name) {
    case 'cli':
    case 'sti': {
      const enable = name === 'sti';
      if (d.mode === 'pv') d.memory.bytes[64 * vcpu.id] = enable ? 0 : 1;
      else vcpu.interruptsEnabled = enable;
      break;
    }
    case 'inb':
      result = 0xff;
      break;
    case 'outb':
      if ((args[0] & 0xffff) === SERIAL_PORT) d.console.write(String.fromCharCode(args[1] & 0xff));
      break;
    case 'rdmsr':
      result = vcpu.msrs.get(args[0] >>> 0) ?? 0;
      break;
    case 'wrmsr':
      vcpu.msrs.set(args[0] >>> 0, args[1] | 0);
      break;
    case 'read_cr3':
      result = vcpu.cr3;
      break;
    case 'write_cr3':
      vcpu.cr3 = args[0] | 0;
      break;
    case 'invlpg':
      break;
    case 'rdtsc':
      result = host.now(vcpu) | 0;
      break;
    case 'cmpxchg': {
      const old = d.memory.load(32, args[0], loc);
      if (old === (args[1] | 0)) d.memory.store(32, args[0], args[2], loc);
      result = old;
      break;
    }
    case 'vcpu_id':
      result = vcpu.id;
      break;
    case 'domain_id':
      result = d.id;
      break;
    case 'xen_domain':
      result = d.mode === 'native' ? 0 : 1;
      break;
    case 'vcpu_info':
      result = 64 * vcpu.id;
      break;
    default:
      break;
  }
  host.charge(vcpu, intrinsicCost(name, d.mode));
  countExit(host, vcpu, name);
  if (name === 'sti' || name === 'cli') host.eventsChanged(vcpu);
  return result;
}

/** Formats print's arguments as the spec says: u32 decimal, i32 signed, bool true/false, strings as is. */
export function formatValue(v: number, t: 'u32' | 'i32' | 'bool'): string {
  if (t === 'bool') return v ? 'true' : 'false';
  return t === 'i32' ? String(v | 0) : String(v >>> 0);
}
