import { hypervisorItemNamed } from './abiBlocks.js';
import type * as A from './ast.js';
import { describeContext, joinList, type BootContext } from './bootContext.js';
import type { DiagnosticCode } from './diagnostics.js';
import { HV_INTRINSICS, isHvIntrinsic } from './hvIntrinsics.js';
import { INTRINSICS, isIntrinsic, type IntrinsicSig } from './intrinsics.js';
import type { ItemTable } from './items.js';
import type { Span } from './source.js';
import { suggest } from './suggest.js';

/** A type as the checker computes it. */
export type CheckedType = A.TypeName | 'void' | 'string' | undefined;

/** What the rules of hypervisor code need of the checker that runs them. */
export interface CheckerPort {
  readonly table: ItemTable;
  /** The function being checked (a handler or helper has `abi`). */
  currentFn(): A.FnItem | undefined;
  report(span: Span, code: DiagnosticCode, message: string): void;
  expr(e: A.Expr, hint: A.TypeName | undefined): CheckedType;
  args(e: A.CallExpr, params: readonly (A.Param | IntrinsicSig['params'][number])[]): void;
}

/**
 * The checker's rules for the two sides of the hypervisor boundary (spec
 * 9.1): what hypervisor code may use inside an `abi` block, what kernels may
 * not use of it (PVK044), and calls of an extension on a hypervisor booted
 * without it (PVK040).
 */
export class HypervisorRules {
  constructor(private readonly c: CheckerPort) {}

  /** The `abi` block whose code is being checked, if any. */
  get abi(): A.AbiItem | undefined {
    return this.c.currentFn()?.abi;
  }

  /** A call inside an `abi` block: its own helpers, hypervisor intrinsics and print; nothing of the kernels (PVK044). */
  call(e: A.CallExpr, abi: A.AbiItem): CheckedType {
    const name = e.callee.name;
    const helper = abi.fns.find((f) => f.name.name === name);
    if (helper) {
      e.target = helper;
      this.c.args(e, helper.params);
      return helper.ret?.name ?? 'void';
    }
    if (isHvIntrinsic(name) || name === 'print') {
      e.target = { kind: 'intrinsic', name };
      if (name === 'print') {
        for (const a of e.args) if (a.kind !== 'string' && this.c.expr(a, undefined) === 'void') this.c.report(a.span, 'PVK003', 'print cannot show a call that returns nothing');
        return 'void';
      }
      const sig = HV_INTRINSICS[name];
      this.c.args(e, sig.params);
      return sig.ret ?? 'void';
    }
    const item = this.c.table.values.get(name);
    if (isIntrinsic(name)) {
      this.c.report(e.callee.span, 'PVK044', `${name}() is a guest instruction; hypervisor code in abi ${abi.name.name} can use only caller(), caller_vcpu(), guest_load32(), guest_store32(), notify() and print()`);
    } else if (item?.kind === 'fn') {
      this.c.report(e.callee.span, 'PVK044', `${name}() is a kernel function; hypervisor code can call only the helpers of abi ${abi.name.name} (declare it there)`);
    } else {
      this.c.report(e.callee.span, 'PVK002', `unknown function '${name}'${suggest(name, [...abi.fns.map((f) => f.name.name), ...Object.keys(HV_INTRINSICS), 'print'])}`);
    }
    for (const a of e.args) this.c.expr(a, undefined);
    return item?.kind === 'fn' ? (item.ret?.name ?? 'void') : isIntrinsic(name) ? (INTRINSICS[name].ret ?? 'void') : undefined;
  }

  /** A kernel calls a hypervisor intrinsic or helper (PVK044): the call's type, or null when it is neither. */
  kernelCall(e: A.CallExpr): CheckedType | null {
    const name = e.callee.name;
    if (!this.kernelNames(e.callee.span, name)) return null;
    for (const a of e.args) this.c.expr(a, undefined);
    if (isHvIntrinsic(name)) return HV_INTRINSICS[name].ret ?? 'void';
    for (const abi of this.c.table.extensions) {
      const fn = abi.fns.find((f) => f.name.name === name);
      if (fn) return fn.ret?.name ?? 'void';
    }
    return undefined;
  }

  /** PVK044 (true) when a kernel names a hypervisor intrinsic, or an extension's global or helper. */
  kernelNames(span: Span, name: string): boolean {
    if (this.abi) return false;
    if (isHvIntrinsic(name)) {
      this.c.report(span, 'PVK044', `${name}() is a hypervisor intrinsic, usable only in handlers and helpers inside an 'abi' block`);
      return true;
    }
    const owner = hypervisorItemNamed(this.c.table, name);
    if (!owner) return false;
    this.c.report(span, 'PVK044', `'${name}' is a hypervisor ${owner.what} of abi ${owner.abi.name.name}; kernels reach the hypervisor only through its hypercalls`);
    return true;
  }

  /** PVK044 for a kernel's global used in hypervisor code. */
  global(span: Span, decl: A.VarItem): void {
    const hv = this.abi;
    if (hv && !decl.abi) this.c.report(span, 'PVK044', `'${decl.name.name}' is a kernel global; hypervisor code cannot see guest state (keep state of abi ${hv.name.name} in its own 'var')`);
  }

  /** PVK044 for mem8/16/32 in hypervisor code, which has no guest memory of its own. */
  memory(e: A.MemExpr): void {
    if (this.abi) this.c.report(e.span, 'PVK044', `hypervisor code has no guest memory: use guest_load32(a) / guest_store32(a, v) to reach the caller's memory`);
  }

  /** PVK044 for a hypercall made by hypervisor code. */
  hypercall(e: A.HypercallExpr): void {
    const hv = this.abi;
    if (hv) this.c.report(e.keywordSpan, 'PVK044', `a handler cannot make a hypercall: it already runs in the hypervisor (call a helper fn of abi ${hv.name.name} instead)`);
  }

}
