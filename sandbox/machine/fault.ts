export type FaultKind = 'divide-by-zero' | 'out-of-range' | 'misaligned' | 'read-only' | 'stack-overflow' | 'no-hypervisor';

/**
 * Thrown inside an engine when guest code faults; caught where the engine
 * returns to the hypervisor and turned into the domain's `crashed` state.
 * Never escapes the sandbox.
 */
export class GuestFault {
  constructor(
    readonly kind: FaultKind,
    readonly message: string,
    /** File index and line in the faulting program. */
    readonly file: number,
    readonly line: number,
  ) {}
}
