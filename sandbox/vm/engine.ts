import type { Vcpu } from '../machine/state.js';
import type { IntrinsicHost } from './intrinsics.js';
import type { Loc, Program } from '../machine/ir.js';

/** One physical CPU: its clock is machine time there. */
export interface Pcpu {
  index: number;
  clock: number;
  /** The engine stops the running vCPU at the first check point at or past this time. */
  limit: number;
  /** The vCPU it ran last (a different one costs a context switch). */
  last: Vcpu | null;
}

/** How a hypercall ended (EngineHost.hypercallEnd): the vCPU goes on with its value, */
export const HYPERCALL_DONE = 0;
/** or it blocks (or yields), its result arriving through vcpu.resumeResult when it runs again, */
export const HYPERCALL_BLOCK = 1;
export const HYPERCALL_YIELD = 2;
/** or the calling domain is gone (shutdown, destroyed itself): stop running it. */
export const HYPERCALL_STOP = 3;
/**
 * or a debugger paused the hypercall's pvk handler: the engine stops as at a
 * breakpoint ('breakpoint'); the hypervisor finishes the handler when it runs
 * the vCPU again, its result arriving through vcpu.resumeResult.
 */
export const HYPERCALL_PAUSE = 4;

/** What an engine needs from the hypervisor. */
export interface EngineHost extends IntrinsicHost {
  /** The calling vCPU's cycles when the last hypercall began (set by hypercall()). */
  readonly hypercallStart: number;
  pcpuOf(vcpu: Vcpu): Pcpu;
  /**
   * Runs hypercall `nr` with its first five arguments (unused ones 0) and
   * returns its value; `hypercallEnd` then says how it ended (HYPERCALL_…).
   * Nothing is allocated per call.
   */
  hypercall(vcpu: Vcpu, nr: number, a0: number, a1: number, a2: number, a3: number, a4: number, loc: Loc): number;
  readonly hypercallEnd: number;
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
  /** The running vCPU's call depth (stepping engines, for a debugger inside a hypercall handler). */
  readonly depth?: number;
  /** Engines that translate programs do it here, ahead of the first run (booting), rather than in it. */
  prepare?(program: Program): void;
  /** True: extension hypercalls run their handlers compiled to JavaScript (else in the hypervisor's evaluator). */
  readonly compiledHandlers?: boolean;
}

/** Call depth above which a call faults with stack-overflow. */
export const MAX_CALL_DEPTH = 256;
