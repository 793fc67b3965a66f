/**
 * The one table of cycle costs (spec section 4). Every engine, the profiler
 * and the editor's hints read these numbers from here; hypercall `cost`s come
 * from the ABI table (sandbox/abi/xen.pvk), their variable parts from
 * HYPERCALL_FACTS in sandbox/lang/abi.ts.
 */
export const COSTS = {
  /** Each executed statement, `if`/`while` condition, `for` start and `for` test. */
  statement: 1,
  /** Each executed memory load or store (cmpxchg counts in its own cost). */
  memoryAccess: 1,
  /** Each call of a pvk function. */
  call: 5,
  /** A pvop call through the ops table (instead of `call`). */
  pvopIndirect: 8,
  /** A pvop call site rewritten to a direct call by `patch_pvops`. */
  pvopPatched: 5,
  /** A privileged intrinsic in a pv domain traps and is emulated: on top of its native cost. */
  trap: 1000,
  /** inb outb rdmsr wrmsr hlt in an hvm domain: on top of the native cost. */
  vmexit: 1500,
  /** Entry and exit of every hypercall, on top of the ABI table's `cost`. */
  hypercallBase: 300,
  /** Delivery of an event upcall: entering on_event (instead of `call`). */
  upcall: 200,
  /** A pcpu starts running a vCPU other than the one it ran last; charged to the hypervisor. */
  contextSwitch: 500,
} as const;

/** Native cost of each intrinsic (spec section 3). */
export const INTRINSIC_COSTS: Readonly<Record<string, number>> = {
  cli: 2,
  sti: 2,
  hlt: 1,
  inb: 150,
  outb: 150,
  rdmsr: 50,
  wrmsr: 100,
  read_cr3: 2,
  write_cr3: 200,
  invlpg: 100,
  rdtsc: 20,
  cmpxchg: 10,
  vcpu_id: 0,
  domain_id: 0,
  xen_domain: 0,
  vcpu_info: 0,
  print: 0,
};
