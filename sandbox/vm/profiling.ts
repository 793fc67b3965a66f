import type { Loc } from '../machine/ir.js';
import type { Vcpu } from '../machine/state.js';

/**
 * What the fast engine's profiling mode asks of a profiler. The engine and
 * its generated code call these; sandbox/profile/recorder.ts implements them.
 * The engine never imports the profiler.
 */

/**
 * A call-tree node as generated profiling code touches it: it adds the cycles
 * of each statement position to `ln`, keeps its frame's position in `cur`,
 * and re-enters the last function child (`kf`, `kn`) inline, counting it.
 */
export interface CallTreeNode {
  readonly parent: CallTreeNode | null;
  /** Cycles per statement position of the function (0: its entry). */
  readonly ln: Float64Array;
  /** The statement position the frame on this node is at now. */
  cur: number;
  /** The last function child entered, and its node. */
  kf: number;
  kn: CallTreeNode | null;
  /** How many times the node was entered. */
  count: number;
}

/**
 * The node of the frame that made the current host call (generated code
 * keeps its frame's node in a local and publishes it here before host calls
 * and suspensions; calls pass the node to the callee). One run at a time.
 */
export const cursor = { top: null as unknown as CallTreeNode };

export interface EngineProfiler {
  /** The engine starts running `v` on pcpu `pcpu` whose clock is `clock`. */
  enter(v: Vcpu, pcpu: number, clock: number): void;
  /** The engine stopped running `v` (after its last sync); `clock` is its pcpu's time. */
  leave(v: Vcpu, clock: number): void;
  /** A fresh call of function `fn` from a frame on node `top` starts: its node. */
  push(fn: number, top: CallTreeNode): CallTreeNode;
  /** A resumed frame's node: the next one down the vCPU's stack. */
  resumed(): CallTreeNode;
  /** A frame of the running vCPU, on node `node`, was captured as it stopped (innermost first). */
  capturedFrame(node: CallTreeNode): void;
  /**
   * A host call charged `named + own` cycles (consumed by `clock`): the part
   * named by `kind` gets a frame of its own, `own` goes to the current statement.
   * `site` is the call's site in the running program (`loc` its source place);
   * `what` a hypercall's number or an intrinsic's name (the profiler names
   * numbers itself, once per site).
   */
  hostCall(kind: 'hypercall' | 'trap' | 'vmexit', site: number, what: string | number, loc: Loc, named: number, own: number, clock: number): void;
  /** hostCall() of a hypercall (all its cycles its own) where it is quick (a loop's call like the last): whether it did. */
  hypercalledAgain(site: number, cycles: number, clock: number): boolean;
  /** hostCall() of a hypercall (all its cycles its own), number `nr`, that hypercalledAgain() did not take. */
  hypercalled(site: number, nr: number, loc: Loc, cycles: number, clock: number): void;
  /** A host call charged `cycles` that belong to the running statement itself. */
  charged(cycles: number): void;
  /** An event upcall was charged (`cycles`): on_event runs below the node this returns. */
  upcall(port: number, cycles: number, clock: number): CallTreeNode;
}
