import { compareVersions } from '../sandbox/lang/abi.js';
import type { FileAst, HypercallDecl } from '../sandbox/lang/ast.js';
import type { BootContext } from '../sandbox/lang/bootContext.js';
import { INTRINSICS } from '../sandbox/lang/intrinsics.js';
import { COSTS, HYPERCALL_VARIABLE_NOTES, INTRINSIC_COSTS } from '../sandbox/machine/costs.js';
import { ERRNO } from '../sandbox/hv/errno.js';

const num = (n: number): string => n.toLocaleString('en-US');

/** "~700 cycles" or "~400 cycles + 1/byte". */
export function hypercallCost(decl: HypercallDecl): string {
  if (decl.table !== 'xen') return `~${num(COSTS.hypercallBase + decl.cost)} cycles + the handler's own`;
  const note = HYPERCALL_VARIABLE_NOTES[decl.name.name];
  return `~${num(COSTS.hypercallBase + decl.cost)} cycles${note ? ` ${note}` : ''}`;
}

export function hypercallSignature(decl: HypercallDecl): string {
  return `hypercall ${decl.name.name}(${decl.params.map((p) => `${p.name.name}: ${p.type.name}`).join(', ')}) -> ${decl.ret?.name ?? 'i32'}`;
}

/** What goes wrong with this hypercall in each context that boots the file. */
export function hypercallTrouble(decl: HypercallDecl, contexts: readonly BootContext[]): string[] {
  const out: string[] = [];
  for (const c of contexts) {
    if (c.hypervisor === null) {
      if (!out.includes(`faults on bare metal (system ${c.system})`)) out.push(`faults on bare metal (system ${c.system})`);
      continue;
    }
    if (decl.table !== 'xen' && !c.abis.includes(decl.table)) {
      const text = `-ENOSYS without 'abi ${decl.table};' (system ${c.system})`;
      if (!out.includes(text)) out.push(text);
      continue;
    }
    if (decl.cls === 'dom0' && !c.privileged) out.push(`-EPERM in domU ${c.domain}`);
    if (compareVersions(c.hypervisor, decl.since) < 0) {
      const text = `-ENOSYS on hypervisor ${c.hypervisor} (system ${c.system})`;
      if (!out.includes(text)) out.push(text);
    }
  }
  return out;
}

/** The errors a hypercall can return, for its hover. */
export function hypercallErrors(decl: HypercallDecl): string[] {
  const errs = [`-EINVAL (${ERRNO.EINVAL}) bad sub-op or argument`];
  if (decl.cls === 'dom0') errs.unshift(`-EPERM (${ERRNO.EPERM}) from an unprivileged domain`);
  errs.push(`-ENOSYS (${ERRNO.ENOSYS}) on hypervisors older than ${decl.since}`);
  if (['console_io', 'grant_table_op', 'multicall'].includes(decl.name.name)) errs.push(`-EFAULT (${ERRNO.EFAULT}) bad guest address`);
  if (['domctl', 'event_channel_op', 'grant_table_op'].includes(decl.name.name)) errs.push(`-ESRCH (${ERRNO.ESRCH}) no such domain`);
  if (decl.name.name === 'grant_table_op') errs.push(`-EBUSY (${ERRNO.EBUSY}) grant still mapped`);
  return errs;
}

export function intrinsicSignature(name: string): string {
  const sig = INTRINSICS[name];
  if (name === 'print') return 'print(value_or_string, …)';
  return `${name}(${sig.params.map((p) => `${p.name}: ${p.type}`).join(', ')})${sig.ret ? ` -> ${sig.ret}` : ''}`;
}

/** Intrinsic cost lines: native cost, and trap / VM-exit costs in the contexts where the code runs. */
export function intrinsicCosts(name: string, contexts: readonly BootContext[]): string[] {
  const sig = INTRINSICS[name];
  const native = INTRINSIC_COSTS[name] ?? 0;
  const lines = [`native cost: ${native} cycle${native === 1 ? '' : 's'}${sig.privileged ? ' (privileged)' : ''}`];
  const pv = [...new Set(contexts.filter((c) => c.mode === 'pv').map((c) => `${c.domain} (${c.system})`))];
  const hvm = [...new Set(contexts.filter((c) => c.mode === 'hvm').map((c) => `${c.domain} (${c.system})`))];
  if (sig.privileged && pv.length > 0) lines.push(`traps in pv ${pv.join(', ')}: ${num(native + COSTS.trap)} cycles (+${num(COSTS.trap)})`);
  if (sig.vmexit && hvm.length > 0) lines.push(`VM exit in hvm ${hvm.join(', ')}: ${num(native + COSTS.vmexit)} cycles (+${num(COSTS.vmexit)})`);
  if (sig.privileged && contexts.length === 0) lines.push(`in a pv domain it traps: +${num(COSTS.trap)} cycles`);
  return lines;
}

/** The platform of the `impl` whose function contains the offset, if any. */
export function implPlatformAt(ast: FileAst, offset: number): string | undefined {
  for (const item of ast.items) {
    if (item.kind !== 'impl') continue;
    if (item.fns.some((f) => f.span.start <= offset && offset <= f.span.end)) return item.platform.name;
  }
  return undefined;
}
