import { compareVersions, ERRNO, hypercallFacts, type Errno } from '../sandbox/lang/abi.js';
import type { FileAst, HypercallDecl } from '../sandbox/lang/ast.js';
import type { BootContext } from '../sandbox/lang/bootContext.js';
import { INTRINSICS } from '../sandbox/lang/intrinsics.js';
import { COSTS, INTRINSIC_COSTS } from '../sandbox/machine/costs.js';

const num = (n: number): string => n.toLocaleString('en-US');

/** "~700 cycles" or "~400 cycles + 1/byte": entry and exit, the row's cost, and the variable part the ABI table gives. */
export function hypercallCost(decl: HypercallDecl): string {
  if (decl.table !== 'xen') return `~${num(COSTS.hypercallBase + decl.cost)} cycles + the handler's own`;
  const variable = hypercallFacts(decl).variableCost;
  const note = variable === undefined ? '' : variable.kind === 'per-unit' ? ` + ${variable.cycles}/${variable.unit}` : ' + each entry without the base cost';
  return `~${num(COSTS.hypercallBase + decl.cost)} cycles${note}`;
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

/** The errors a hypercall can return, for its hover: from its row (class, version) and the ABI table's facts. */
export function hypercallErrors(decl: HypercallDecl): string[] {
  const error = (errno: Errno, meaning: string): string => `-${errno} (${ERRNO[errno]}) ${meaning}`;
  const errs: string[] = [];
  if (decl.cls === 'dom0') errs.push(error('EPERM', 'from an unprivileged domain'));
  for (const [errno, meaning] of Object.entries(hypercallFacts(decl).errors) as [Errno, string][]) errs.push(error(errno, meaning));
  errs.push(error('ENOSYS', `on hypervisors older than ${decl.since}`));
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
