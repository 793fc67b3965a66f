/**
 * The profile of one run, as plain JSON-safe data: what the CLI turns into a
 * `.cpuprofile`, a trace and a summary, what the language server turns into
 * inline hints, and what the profile webview draws. Every cycle of the run is
 * in exactly one node's `self`; all numbers are virtual cycles; machine times
 * are pcpu clocks. Deterministic: same system, same bytes.
 */
import type { DomainIdentity, ExitCounters } from '../run/report.js';

/** Who a call-tree node is. Bracketed names are the profiler's own frames. */
export type NodeKind =
  /** The machine: children are domains, `[hypervisor]` and `[idle]`. */
  | 'root'
  | 'domain'
  | 'vcpu'
  /** A pvk function (a pvop impl is a function named like `cpu.irq_disable [xen]`). */
  | 'function'
  /** `[hypercall console_io]`: entry, exit and the handler's cost. */
  | 'hypercall'
  /** `[trap outb]`: the cost of trapping and emulating a privileged instruction in pv (COSTS.trap). */
  | 'trap'
  /** `[vmexit wrmsr]`: the cost of a VM exit in hvm (COSTS.vmexit). */
  | 'vmexit'
  /** `[upcall]`: delivering an event (COSTS.upcall); on_event runs below it. */
  | 'upcall'
  /** `[hypervisor]`: context switches, charged to no domain. */
  | 'hypervisor'
  /** `[idle]`: pcpu time with nothing to run. */
  | 'idle';

export interface ProfileNode {
  id: number;
  /** -1 for the root. */
  parent: number;
  kind: NodeKind;
  /** `dom0`, `vCPU 0`, `main`, `[hypercall console_io]`, `[trap outb]`, … */
  name: string;
  /** Domain id (every node below a domain), else -1. */
  domain: number;
  /** vCPU id (every node below a vCPU), else -1. */
  vcpu: number;
  /** For functions: index into Profile.files and the 1-based line of `fn`; else -1. */
  file: number;
  line: number;
  /** Cycles spent in this node itself (not in children). */
  self: number;
  /** self plus every descendant's total. */
  total: number;
  /** How many times it was entered (calls, hypercalls, traps, upcalls). */
  count: number;
  /** Where `self` was spent, by 1-based source line of `file`, ascending; sums to self (function nodes). */
  lines: { line: number; cycles: number }[];
  /** Child ids in first-entered order. */
  children: number[];
}

/** Costs at one source line of one domain's kernel, own cycles only (callees not included). */
export interface LineCost {
  domain: number;
  file: number;
  line: number;
  cycles: number;
}

/** Per call site of a hypercall, trapping/exiting intrinsic or pvop call. */
export interface SiteCost {
  domain: number;
  file: number;
  line: number;
  kind: 'hypercall' | 'trap' | 'vmexit' | 'pvop';
  /** Hypercall name, intrinsic name, or `group.op` for a pvop. */
  name: string;
  count: number;
  /** Cycles of the named frame (hypercall: all of it; trap/vmexit: the COSTS.trap / COSTS.vmexit part; pvop: the call overhead, COSTS.pvopIndirect or COSTS.pvopPatched each). */
  cycles: number;
  min: number;
  max: number;
}

/** min/avg/max over the occurrences of one hypercall, trap or exit reason. */
export interface CountStat {
  count: number;
  cycles: number;
  min: number;
  max: number;
  avg: number;
}

/** One domain's time and exits; identity and exit kinds as in the run report's DomainReport. */
export interface DomainSummary extends DomainIdentity, ExitCounters<CountStat> {
  /** Cycles its vCPUs ran (equal to the run report's `cycles`). */
  running: number;
  /** Machine time its vCPUs were ready but waiting for a pcpu. */
  runnable: number;
  /** Machine time its vCPUs were blocked (hypercall block, hlt). */
  blocked: number;
  upcalls: CountStat;
  pvopCalls: number;
}

/** One slice of a vCPU's timeline, in machine time; slices of one vCPU never overlap. */
export interface TimelineSlice {
  domain: number;
  vcpu: number;
  pcpu: number;
  kind: 'run' | 'hypercall' | 'trap' | 'vmexit' | 'upcall';
  /** `run`, or the hypercall / intrinsic name. */
  name: string;
  start: number;
  end: number;
}

export interface TimelineInstant {
  kind: 'send' | 'deliver';
  domain: number;
  vcpu: number;
  time: number;
  port: number;
  /** For sends: the domain the event went to. */
  to: number;
}

export interface Profile {
  version: 1;
  system: string;
  /** Absolute path of the system file. */
  systemFile: string;
  hypervisor: string | null;
  pcpus: number;
  /** Machine elapsed time (the report's top-level `cycles`). */
  elapsed: number;
  end: 'exited' | 'deadlock' | 'max-cycles' | 'panic';
  /** Sum of every node's self: all domains' cycles + hypervisor + idle over all pcpus. */
  total: number;
  /** Absolute paths of the pvk sources the nodes and lines refer to. */
  files: string[];
  /** textHash() of each file's text as profiled, parallel to `files`: an editor whose text differs shows the profile as stale. */
  fileHashes: string[];
  /** The call tree; nodes[0] is the root. */
  nodes: ProfileNode[];
  lines: LineCost[];
  sites: SiteCost[];
  summary: { domains: DomainSummary[]; hypervisor: number; idle: number };
  timeline: { slices: TimelineSlice[]; instants: TimelineInstant[]; truncated: boolean };
  /**
   * Present when the call tree reached this many nodes (CALL_TREE_LIMIT): calls on
   * paths not yet in the tree were charged to one node per function under their vCPU.
   */
  callTreeCut?: number;
}
