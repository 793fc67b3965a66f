import type { Loc, Program } from '../machine/ir.js';
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
  /** How many times the node was entered (fresh calls of generated code: counted in their caller's `bc`). */
  count: number;
  /**
   * How often each block of its function's generated code ran on this node
   * (vm/attribution.ts BlockTable); turned into `ln` and callees' counts
   * when the run ends. Empty on nodes no generated code runs on.
   */
  bc: Float64Array;
}

/** Per function of a program, its generated code's blocks: flat (position, cycles) pairs each (vm/attribution.ts BlockTable). */
export type BlockTables = readonly (readonly (readonly number[])[])[];

/**
 * The node of the frame that made the current host call: generated code
 * keeps its frame's node in a local and publishes it here before host calls
 * and check points (calls pass the node to the callee). Each profiler has
 * its own, made with it: storing a node (made during the run, so young to
 * V8) into an object as young as it needs no write barrier's slow path,
 * which a long-lived module-level cursor took on nearly every switch.
 */
export interface ProfileCursor {
  top: CallTreeNode;
}

export interface EngineProfiler {
  /** Where generated code publishes the running frame's node (handed to the generated module with its context). */
  readonly cursor: ProfileCursor;
  /**
   * The engine starts running `v` on pcpu `pcpu` whose clock is `clock`.
   * Its frames each carry their node (Frame.node, set as they were
   * captured); a vCPU that starts at main gets main's node here. The run
   * ends with the hypervisor's SchedulingObserver.ran(), which a profiler
   * also implements (one call a switch, not one more from the engine).
   */
  enter(v: Vcpu, pcpu: number, clock: number): void;
  /** A fresh call of function `fn` from a frame on node `top` starts: its node. */
  push(fn: number, top: CallTreeNode): CallTreeNode;
  /** push() of a call the calling code counts itself (in a block, see `bc`): the node only. */
  reach(fn: number, top: CallTreeNode): CallTreeNode;
  /**
   * The blocks of each function of `program`'s generated code (flat (position, cycles) pairs each, see `bc`),
   * given when the code is compiled, before its first node: each node of a function gets its `bc` as it is made.
   */
  blockTables(program: Program, tables: BlockTables): void;
  /**
   * A host call charged `named + own` cycles (consumed by `clock`): the part
   * named by `kind` gets a frame of its own, `own` goes to the current statement.
   * `site` is the call's site in the running program (`loc` its source place);
   * `what` a hypercall's number or an intrinsic's name (the profiler names
   * numbers itself, once per site).
   */
  hostCall(kind: 'hypercall' | 'trap' | 'vmexit', site: number, what: string | number, loc: Loc, named: number, own: number, clock: number): void;
  /** hostCall() of a hypercall (all its cycles its own) where it is quickest (the loop's call hypercalledAgain() took last, again): whether it did. */
  heldBack(site: number, cycles: number, clock: number): boolean;
  /** hostCall() of a hypercall (all its cycles its own) where it is quick (a loop's call like the last): whether it did. */
  hypercalledAgain(site: number, cycles: number, clock: number): boolean;
  /** hostCall() of a hypercall (all its cycles its own), number `nr`, that hypercalledAgain() did not take. */
  hypercalled(site: number, nr: number, loc: Loc, cycles: number, clock: number): void;
  /** A host call charged `cycles` that belong to the running statement itself. */
  charged(cycles: number): void;
  /** An event upcall interrupting the frame on node `top` was charged (`cycles`): on_event runs below the node this returns. */
  upcall(port: number, cycles: number, clock: number, top: CallTreeNode): CallTreeNode;
}
