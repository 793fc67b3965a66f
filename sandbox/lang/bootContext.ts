export type DomainMode = 'pv' | 'hvm' | 'native';

/** One way a kernel file is booted: by which system, as which domain, on what. */
export interface BootContext {
  system: string;
  systemFile: string;
  domain: string;
  domid: number;
  privileged: boolean;
  mode: DomainMode;
  /** The booted hypervisor version ("4.2"), or null for `hypervisor none` (bare metal). */
  hypervisor: string | null;
  /** The hypervisor extensions the system boots (`abi NAME;`), besides the built-in table. */
  abis: readonly string[];
}

export function describeContext(c: BootContext): string {
  return `domain ${c.domain} of system ${c.system}`;
}

/** "a, b and c" */
export function joinList(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The contexts in which code actually runs: code inside `impl … for xen` runs
 * only in pv domains, code inside `impl … for native` only in native and hvm
 * ones, other code everywhere its kernel boots.
 */
export function contextsRunning(contexts: readonly BootContext[], implPlatform: string | undefined): BootContext[] {
  if (implPlatform === 'xen') return contexts.filter((c) => c.mode === 'pv');
  if (implPlatform === 'native') return contexts.filter((c) => c.mode !== 'pv');
  return [...contexts];
}
