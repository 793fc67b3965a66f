import type { Span } from './source.js';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/**
 * The one table of diagnostic codes. PVK001–PVK030 and PVK040–PVK045 are the spec's (section 8);
 * the others are pvlab's own additions, documented in docs/LANGUAGE-NOTES.md.
 */
export const DIAGNOSTIC_CODES = {
  PVK001: { severity: 'error', title: 'syntax error' },
  PVK002: { severity: 'error', title: 'unknown name' },
  PVK003: { severity: 'error', title: 'type mismatch' },
  PVK004: { severity: 'error', title: 'wrong number of arguments' },
  PVK005: { severity: 'error', title: 'integer literal out of range' },
  PVK006: { severity: 'error', title: 'assignment to a constant or loop variable' },
  PVK007: { severity: 'error', title: 'duplicate definition' },
  PVK008: { severity: 'error', title: 'break or continue outside a loop' },
  PVK009: { severity: 'warning', title: 'function may end without returning a value' },
  PVK010: { severity: 'error', title: 'unknown hypercall' },
  PVK011: { severity: 'warning', title: 'dom0-only hypercall in an unprivileged domain' },
  PVK012: { severity: 'warning', title: 'hypercall newer than the booted hypervisor, result unchecked' },
  PVK013: { severity: 'error', title: 'import cannot be loaded' },
  PVK014: { severity: 'error', title: 'not a constant expression' },
  PVK015: { severity: 'error', title: "a user file redefines the built-in 'abi xen' table" },
  PVK016: { severity: 'warning', title: 'hypercall on bare metal' },
  PVK020: { severity: 'warning', title: 'platform conditional in core code' },
  PVK021: { severity: 'warning', title: 'privileged instruction traps in a pv domain' },
  PVK022: { severity: 'error', title: 'impl does not match its pvops table' },
  PVK030: { severity: 'error', title: 'system cannot boot' },
  PVK040: { severity: 'warning', title: 'extension hypercall on a hypervisor without that extension' },
  PVK041: { severity: 'error', title: 'extension hypercall name or number taken, or without a handler' },
  PVK042: { severity: 'error', title: 'breaks the stable ABI recorded in abi.lock' },
  PVK043: { severity: 'info', title: 'ABI change against abi.lock that does not break guests' },
  PVK044: { severity: 'error', title: 'hypervisor and kernel code mixed' },
  PVK045: { severity: 'error', title: 'system names an unknown hypervisor extension' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** A diagnostic inside one file, located by offsets; converted to positions on output. */
export interface Diagnostic {
  file: string;
  span: Span;
  code: DiagnosticCode;
  severity: Severity;
  message: string;
}

export function makeDiagnostic(file: string, span: Span, code: DiagnosticCode, message: string): Diagnostic {
  return { file, span, code, severity: DIAGNOSTIC_CODES[code].severity, message };
}
