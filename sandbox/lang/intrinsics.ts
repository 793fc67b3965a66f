import type { TypeName } from './ast.js';

export interface IntrinsicSig {
  params: { name: string; type: TypeName }[];
  ret?: TypeName;
  /** Marked P in the spec: traps in pv domains. */
  privileged: boolean;
  /** Causes a VM exit in hvm domains. */
  vmexit: boolean;
  doc: string;
}

const p = (name: string, type: TypeName = 'u32') => ({ name, type });

/**
 * The machine's instructions as the type checker sees them. Their cycle costs
 * live in machine/costs.ts, not here. `print` is variadic and handled on its own.
 */
export const INTRINSICS: Readonly<Record<string, IntrinsicSig>> = {
  cli: { params: [], privileged: true, vmexit: false, doc: "Clear this vCPU's interrupt flag (mask event delivery)." },
  sti: { params: [], privileged: true, vmexit: false, doc: "Set this vCPU's interrupt flag (unmask event delivery)." },
  hlt: { params: [], privileged: true, vmexit: true, doc: 'Wait until an event or timer is pending.' },
  inb: { params: [p('port')], ret: 'u32', privileged: true, vmexit: true, doc: 'Read a byte from an I/O port (0xFF: no device).' },
  outb: { params: [p('port'), p('value')], privileged: true, vmexit: true, doc: 'Write a byte to an I/O port; port 0x3f8 is the serial console.' },
  rdmsr: { params: [p('msr')], ret: 'u32', privileged: true, vmexit: true, doc: 'Read a model-specific register (per vCPU, 0 until written).' },
  wrmsr: { params: [p('msr'), p('value')], privileged: true, vmexit: true, doc: 'Write a model-specific register.' },
  read_cr3: { params: [], ret: 'u32', privileged: true, vmexit: false, doc: 'Read the page-table base register.' },
  write_cr3: { params: [p('value')], privileged: true, vmexit: false, doc: 'Load the page-table base register.' },
  invlpg: { params: [p('address')], privileged: true, vmexit: false, doc: 'Flush one TLB entry.' },
  rdtsc: { params: [], ret: 'u32', privileged: false, vmexit: false, doc: "Low 32 bits of machine time on this vCPU's pcpu." },
  cmpxchg: { params: [p('address'), p('old'), p('new')], ret: 'u32', privileged: false, vmexit: false, doc: 'Atomic compare-exchange on mem32[address]; returns the old value.' },
  vcpu_id: { params: [], ret: 'u32', privileged: false, vmexit: false, doc: "This vCPU's number within its domain." },
  domain_id: { params: [], ret: 'u32', privileged: false, vmexit: false, doc: "This domain's domid." },
  xen_domain: { params: [], ret: 'bool', privileged: false, vmexit: false, doc: 'True in pv and hvm domains (running on a hypervisor).' },
  vcpu_info: { params: [], ret: 'u32', privileged: false, vmexit: false, doc: "64*vcpu_id(): this vCPU's slot in the pv shared-info page." },
  print: { params: [], privileged: false, vmexit: false, doc: 'Append the arguments and a newline to the domain console.' },
};

export function isIntrinsic(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(INTRINSICS, name);
}
