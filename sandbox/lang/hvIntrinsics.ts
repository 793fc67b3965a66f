import type { IntrinsicSig } from './intrinsics.js';

/** A hypervisor intrinsic: callable only inside an `abi` block (spec 9.1). */
export interface HvIntrinsicSig extends Pick<IntrinsicSig, 'params' | 'ret' | 'doc'> {
  /** Cycles charged to the calling vCPU when a handler runs it. */
  cost: number;
}

const p = (name: string) => ({ name, type: 'u32' as const });

/**
 * The hypervisor's own instructions, for handlers and helpers of an `abi`
 * block. `print` is shared with kernels but writes to the hypervisor console
 * there; it is not listed here.
 */
export const HV_INTRINSICS: Readonly<Record<string, HvIntrinsicSig>> = {
  caller: { params: [], ret: 'u32', cost: 0, doc: 'The domid of the domain whose hypercall is running.' },
  caller_vcpu: { params: [], ret: 'u32', cost: 0, doc: 'The vCPU (within its domain) that made the hypercall.' },
  guest_load32: {
    params: [p('address')],
    ret: 'u32',
    cost: 5,
    doc: "Reads 4 bytes of the caller's own memory (not grant mappings), 4-byte aligned; a bad address ends the handler and the hypercall returns -EFAULT.",
  },
  guest_store32: {
    params: [p('address'), p('value')],
    cost: 5,
    doc: "Writes 4 bytes of the caller's own memory (not grant mappings), 4-byte aligned; a bad address ends the handler and the hypercall returns -EFAULT.",
  },
  notify: {
    params: [p('domid'), p('port')],
    ret: 'i32',
    cost: 50,
    doc: "Makes `port` pending at domain `domid`, as event_channel_op send does; -ESRCH for no such domain, -EINVAL for a bad port.",
  },
};

export function isHvIntrinsic(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(HV_INTRINSICS, name);
}
