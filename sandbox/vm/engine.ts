import type { Vcpu } from '../machine/state.js';
import type { IntrinsicHost } from './intrinsics.js';
import type { Loc } from '../machine/ir.js';

/** One physical CPU: its clock is machine time there. */
export interface Pcpu {
  index: number;
  clock: number;
  /** The engine stops the running vCPU at the first check point at or past this time. */
  limit: number;
  /** The vCPU it ran last (a different one costs a context switch). */
  last: Vcpu | null;
}

export type HypercallOutcome =
  | { k: 'done'; value: number }
  /** The vCPU blocks (or yields); the result arrives through vcpu.resumeResult when it runs again. */
  | { k: 'block' }
  | { k: 'yield' }
  /** The calling domain is gone (shutdown, destroyed itself): stop running it. */
  | { k: 'stop' };

/** What an engine needs from the hypervisor. */
export interface EngineHost extends IntrinsicHost {
  pcpuOf(vcpu: Vcpu): Pcpu;
  hypercall(vcpu: Vcpu, nr: number, args: readonly number[], loc: Loc): HypercallOutcome;
  /** The name of hypercall `nr` on this machine (built-in or a booted extension's), for profiles. */
  hypercallName(nr: number): string | undefined;
  /** hlt: true when the vCPU must wait (nothing pending). */
  halt(vcpu: Vcpu): boolean;
  /** The port to deliver to this vCPU now, or -1. */
  deliverablePort(vcpu: Vcpu): number;
  /** main returned on this vCPU (value is main's result, 0 when it returns nothing). */
  mainReturned(vcpu: Vcpu, value: number): void;
}

/**
 * Why an engine returned: it reached its limit at a check point, the vCPU
 * blocked or yielded in a hypercall, the vCPU is done (main returned, the
 * domain exited or stopped), or a debugger hook asked to stop.
 */
export type StopReason = 'limit' | 'blocked' | 'yield' | 'done' | 'breakpoint';

/**
 * A debugger's say before each statement boundary: true stops there (reason
 * 'breakpoint'). `depth` is the vCPU's call depth (1 in main).
 */
export type BoundaryHook = (vcpu: Vcpu, boundary: { id: number; loc: Loc; kind: string; check: boolean }, depth: number) => boolean;

export interface Engine {
  /** Runs the vCPU from its current state until it stops. Guest faults throw GuestFault. */
  run(vcpu: Vcpu): StopReason;
  /** Engines that can stop at every boundary (the interpreter, the stepping fast engine) ask this. */
  boundaryHook?: BoundaryHook;
  /** The next run resumes at the boundary where the hook stopped, without asking again. */
  resumeAfterStop?(vcpu: Vcpu): void;
}

/** Call depth above which a call faults with stack-overflow. */
export const MAX_CALL_DEPTH = 256;
