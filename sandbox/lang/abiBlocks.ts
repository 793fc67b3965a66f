import { builtinAbi } from './abi.js';
import type { AbiItem, HypercallDecl } from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import { isIntrinsic } from './intrinsics.js';
import type { ItemTable } from './items.js';

/**
 * The rules of one `abi` block in a user file that need no type checking
 * (spec 9.1): `abi xen` is the shipped table (PVK015); an extension's
 * hypercalls need handlers and names and numbers of their own (PVK041);
 * its globals and helpers need distinct names (PVK007); handlers return i32.
 * The handler bodies themselves are type-checked with the rest of the file.
 */
export function abiBlockDiagnostics(abi: AbiItem, table: ItemTable): Diagnostic[] {
  const out: Diagnostic[] = [];
  const file = abi.file;
  if (abi.name.name === 'xen') {
    out.push(makeDiagnostic(file, abi.name.span, 'PVK015', `'abi xen' is the built-in hypercall table (sandbox/abi/xen.pvk) and cannot be redefined; declare new hypercalls in an extension with another name, e.g. 'abi lab { … }'`));
    return out;
  }
  const builtin = builtinAbi();
  // The rows this block must not collide with: other extensions the file sees (in another file, or
  // earlier in this one, so a clash inside one file is reported once), then this block's earlier rows.
  const before: HypercallDecl[] = [];
  for (const ext of table.extensions) {
    if (ext === abi || (ext.file === abi.file && ext.span.start > abi.span.start)) continue;
    before.push(...ext.hypercalls);
  }
  for (const h of abi.hypercalls) {
    const name = h.name.name;
    const taken = builtin.byName.get(name) ?? before.find((o) => o.name.name === name);
    if (taken) out.push(makeDiagnostic(file, h.name.span, 'PVK041', `hypercall name '${name}' is already taken by ${owner(taken)}; give the extension hypercall a name of its own`));
    const byNumber = builtin.byNumber.get(h.number) ?? before.find((o) => o.number === h.number);
    if (byNumber) out.push(makeDiagnostic(file, h.numberSpan, 'PVK041', `hypercall number ${h.number} is already taken by ${owner(byNumber)}; pick a free number${freeNumberHint(table)}`));
    if (!h.handler) out.push(makeDiagnostic(file, h.span, 'PVK041', `extension hypercall '${name}' needs a handler: replace ';' with a body '{ … return 0; }' (only the built-in table declares hypercalls without one)`));
    if (h.ret && h.ret.name !== 'i32') out.push(makeDiagnostic(file, h.ret.span, 'PVK003', `a hypercall returns i32 (a result, or a negative errno), not ${h.ret.name}`));
    before.push(h);
  }
  const names = new Map<string, { span: AbiItem['span'] }>();
  for (const item of [...abi.vars, ...abi.fns]) {
    const n = item.name.name;
    if (names.has(n)) out.push(makeDiagnostic(file, item.name.span, 'PVK007', `'${n}' is already defined in abi ${abi.name.name}`));
    else names.set(n, item.name);
    if (item.kind === 'fn' && isIntrinsic(n)) out.push(makeDiagnostic(file, item.name.span, 'PVK007', `'${n}' is an intrinsic; give the helper another name`));
  }
  return out;
}

function owner(h: HypercallDecl): string {
  return h.table === 'xen' ? `the built-in ${h.name.name} (#${h.number})` : `${h.name.name} (#${h.number}) of abi ${h.table}`;
}

/** The lowest hypercall number that neither the built-in table nor any visible extension uses. */
export function freeHypercallNumber(table: ItemTable): number {
  const used = new Set<number>(builtinAbi().byNumber.keys());
  for (const ext of table.extensions) for (const h of ext.hypercalls) used.add(h.number);
  // Extensions start above Xen's own range of numbers (0..63 in the lab's table).
  let n = 64;
  while (used.has(n)) n++;
  return n;
}

function freeNumberHint(table: ItemTable): string {
  return ` (${freeHypercallNumber(table)} is free)`;
}

/** Where a hypervisor-only name lives, for PVK044 outside `abi` blocks: an extension's global or helper. */
export function hypervisorItemNamed(table: ItemTable, name: string): { abi: AbiItem; what: 'global' | 'helper' } | undefined {
  for (const abi of table.extensions) {
    if (abi.vars.some((v) => v.name.name === name)) return { abi, what: 'global' };
    if (abi.fns.some((f) => f.name.name === name)) return { abi, what: 'helper' };
  }
  return undefined;
}
