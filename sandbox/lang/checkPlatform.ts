import { compareVersions, ERRNO } from './abi.js';
import type * as A from './ast.js';
import { contextsRunning, describeContext, joinList, type BootContext } from './bootContext.js';
import type { DiagnosticCode } from './diagnostics.js';
import { INTRINSICS } from './intrinsics.js';
import type { Span } from './source.js';

/**
 * Platform rules: what a hypercall or an intrinsic does in the systems that
 * boot the file (PVK011, PVK012, PVK016, PVK021), and platform conditionals
 * in core code (PVK020). They need the boot contexts and the function being
 * checked, which the checker (check.ts) hands in as a PlatformScope.
 */
export interface PlatformScope {
  /** The ways the file is booted; empty: no system boots it, no context rule applies. */
  readonly contexts: readonly BootContext[];
  /** The function whose body is being checked (an impl's function knows its impl). */
  readonly fn: A.FnItem | undefined;
  report(span: Span, code: DiagnosticCode, message: string): void;
}

/** A checked hypercall call; `statement` when its result is dropped. */
export function hypercallRules(c: PlatformScope, e: A.HypercallExpr, decl: A.HypercallDecl, statement: boolean): void {
  if (c.contexts.length === 0) return; // every rule below needs a context
  const running = contextsRunning(c.contexts, c.fn?.impl?.platform.name);
  const bare = running.filter((b) => b.hypervisor === null);
  if (bare.length > 0) {
    c.report(e.name.span, 'PVK016', `hypercall ${decl.name.name}: ${joinList(bare.map(describeContext))} ${bare.length === 1 ? 'boots' : 'boot'} this kernel on bare metal ('hypervisor none'), where a hypercall faults (no-hypervisor); move it into an 'impl … for xen' behind a pvop`);
  }
  const contexts = running.filter((x) => x.hypervisor !== null);
  const label = `${decl.name.name} (#${decl.number})`;
  extensionRule(c, e, decl, contexts);
  if (decl.cls === 'dom0') {
    const unprivileged = contexts.filter((x) => !x.privileged);
    if (unprivileged.length > 0) {
      c.report(e.name.span, 'PVK011', `${label} is a dom0-only toolstack hypercall, but ${joinList(unprivileged.map(describeContext))} ${unprivileged.length === 1 ? 'boots' : 'boot'} this kernel unprivileged, where it returns -EPERM (${ERRNO.EPERM})`);
    }
  }
  if (statement) {
    const older = contexts.filter((x) => x.hypervisor !== null && compareVersions(x.hypervisor, decl.since) < 0);
    if (older.length > 0) {
      const where = joinList([...new Set(older.map((x) => `hypervisor ${x.hypervisor} (system ${x.system})`))]);
      c.report(e.name.span, 'PVK012', `${label} exists since hypervisor ${decl.since}, but this kernel is booted on ${where}, where it returns -ENOSYS (${ERRNO.ENOSYS}) and this call ignores the result; check it: 'if (hypercall ${decl.name.name}(…) == ${ERRNO.ENOSYS}) { … }'`);
    }
  }
}

/** PVK040: an extension's hypercall called where some system boots the kernel on a hypervisor without that extension. */
function extensionRule(c: PlatformScope, e: A.HypercallExpr, decl: A.HypercallDecl, contexts: readonly BootContext[]): void {
  if (decl.table === 'xen') return;
  const without = contexts.filter((x) => x.hypervisor !== null && !x.abis.includes(decl.table));
  if (without.length === 0) return;
  const systems = [...new Set(without.map((x) => x.system))];
  c.report(
    e.name.span,
    'PVK040',
    `${decl.name.name} (#${decl.number}) belongs to hypervisor extension '${decl.table}', but ${joinList(without.map(describeContext))} ${without.length === 1 ? 'boots' : 'boot'} this kernel on a hypervisor without it, where it returns -ENOSYS (${ERRNO.ENOSYS}); add 'abi ${decl.table};' to system ${joinList(systems)}`,
  );
}

/** A checked call of the intrinsic `name`. */
export function intrinsicRules(c: PlatformScope, e: A.CallExpr, name: string): void {
  if (name === 'xen_domain' && !c.fn?.impl) {
    c.report({ start: e.callee.span.start, end: e.argsSpan.end }, 'PVK020', `platform conditional in core code: xen_domain() outside an impl block scatters 'if (xen)' through the kernel; move the platform-specific code into a pvop with 'impl … for native' and 'impl … for xen'`);
  }
  if (INTRINSICS[name].privileged && c.contexts.length > 0 && c.fn?.impl?.platform.name !== 'native') {
    const pv = c.contexts.filter((x) => x.mode === 'pv');
    if (pv.length > 0) {
      const impl = c.fn?.impl;
      const fix = impl
        ? `this xen impl of ${impl.group.name}.${c.fn?.name.name ?? ''} should avoid the instruction (a shared-info write or a hypercall)`
        : `call it through a pvop whose native impl runs ${name}() and whose xen impl avoids it`;
      c.report(e.callee.span, 'PVK021', `${name}() is privileged: in pv ${joinList(pv.map(describeContext))} each execution traps to the hypervisor (+1000 cycles); ${fix}`);
    }
  }
}
