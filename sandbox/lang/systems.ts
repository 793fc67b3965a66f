import type { DomainDecl, Property, PropValue, SystemItem } from './ast.js';
import type { DomainMode } from './bootContext.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import { readAbiProperties, type BootedExtension } from './systemAbi.js';
import { resolveRelative } from './program.js';
import type { Snapshot } from './snapshot.js';
import type { Span } from './source.js';

/** Defaults for what a system leaves out (documented in docs/LANGUAGE-NOTES.md). */
export const SYSTEM_DEFAULTS = {
  hypervisor: '4.2',
  pcpus: 1,
  timeslice: 10000,
  memory: 16,
  vcpus: 1,
  weight: 256,
} as const;

/** Upper bounds that keep a sandbox run within this machine's means. */
export const SYSTEM_LIMITS = {
  pcpus: 64,
  vcpus: 64,
  memory: 16384,
  domains: 64,
  weight: 65535,
} as const;

export interface DomainConfig {
  name: string;
  domid: number;
  /** Absolute path of the kernel file. */
  kernel: string;
  memory: number;
  vcpus: number;
  privileged: boolean;
  mode: DomainMode;
  weight: number;
  /** Percent of one pcpu, or null for no cap. */
  cap: number | null;
  paused: boolean;
  decl: DomainDecl;
}

export interface SystemConfig {
  name: string;
  file: string;
  /** "4.2", or null for `hypervisor none`. */
  hypervisor: string | null;
  pcpus: number;
  timeslice: number;
  patchPvops: boolean;
  /** The names of the hypervisor extensions booted (`abi NAME;`), in the order named; the built-in table is always there. */
  abis: string[];
  /** Those extensions' blocks (handlers, globals, helpers), in the same order. */
  extensions: BootedExtension[];
  /** In domid order: the privileged domain first. */
  domains: DomainConfig[];
  item: SystemItem;
}

export interface SystemReadResult {
  /** What could be read; its domains give kernels their context even when the system cannot boot. */
  config: SystemConfig;
  /** False when a PVK030 error keeps the system from booting. */
  bootable: boolean;
  diagnostics: Diagnostic[];
}

type Reporter = (span: Span, message: string) => void;

class PropReader {
  private readonly seen = new Set<string>();
  constructor(
    private readonly report: Reporter,
    private readonly where: string,
  ) {}

  first(p: Property): boolean {
    if (this.seen.has(p.name.name)) {
      this.report(p.name.span, `'${p.name.name}' is given twice in ${this.where}`);
      return false;
    }
    this.seen.add(p.name.name);
    return true;
  }

  flag(p: Property): boolean {
    if (p.values.length > 0) this.report(p.values[0].span, `'${p.name.name}' takes no value`);
    return true;
  }

  int(p: Property, min: number, max: number): number | undefined {
    const v = this.single(p);
    if (!v) return undefined;
    if (v.kind !== 'int' || v.overflow || v.value < min || v.value > max) {
      this.report(v.span, `'${p.name.name}' must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return v.value;
  }

  word(p: Property, allowed: readonly string[]): string | undefined {
    const v = this.single(p);
    if (!v) return undefined;
    if (v.kind !== 'ident' || !allowed.includes(v.text)) {
      this.report(v.span, `'${p.name.name}' must be ${allowed.map((a) => `'${a}'`).join(' or ')}`);
      return undefined;
    }
    return v.text;
  }

  single(p: Property): PropValue | undefined {
    if (p.values.length !== 1) {
      this.report(p.values.length === 0 ? p.span : p.values[1].span, `'${p.name.name}' takes exactly one value`);
      return undefined;
    }
    return p.values[0];
  }
}

/**
 * Reads one `system` block into the configuration the hypervisor boots,
 * reporting PVK030 for everything that keeps it from booting.
 */
export function readSystem(item: SystemItem, files: Snapshot): SystemReadResult {
  const diagnostics: Diagnostic[] = [];
  let bootable = true;
  const report: Reporter = (span, message) => {
    bootable = false;
    diagnostics.push(makeDiagnostic(item.file, span, 'PVK030', `system ${item.name.name}: ${message}`));
  };
  const props = new PropReader(report, `system ${item.name.name}`);
  let hypervisor: string | null = SYSTEM_DEFAULTS.hypervisor;
  let pcpus: number = SYSTEM_DEFAULTS.pcpus;
  let timeslice: number = SYSTEM_DEFAULTS.timeslice;
  let patchPvops = false;
  const extensions = readAbiProperties(item, files, diagnostics, () => (bootable = false));
  const abis = extensions.map((e) => e.abi.name.name);
  for (const p of item.props) {
    if (p.name.name === 'abi' || !props.first(p)) continue;
    switch (p.name.name) {
      case 'hypervisor': {
        const v = props.single(p);
        if (v?.kind === 'ident' && v.text === 'none') hypervisor = null;
        else if (v?.kind === 'version') hypervisor = v.text;
        else if (v) report(v.span, "'hypervisor' must be a version such as 4.2, or 'none' for bare metal");
        break;
      }
      case 'pcpus':
        pcpus = props.int(p, 1, SYSTEM_LIMITS.pcpus) ?? pcpus;
        break;
      case 'timeslice':
        timeslice = props.int(p, 1, 0x7fffffff) ?? timeslice;
        break;
      case 'patch_pvops':
        patchPvops = props.flag(p);
        break;
      default:
        report(p.name.span, `unknown property '${p.name.name}' (a system has hypervisor, pcpus, timeslice, patch_pvops, abi and domain blocks)`);
    }
  }

  const domains: DomainConfig[] = [];
  const names = new Set<string>();
  for (const d of item.domains) {
    if (names.has(d.name.name)) report(d.name.span, `domain '${d.name.name}' is declared twice`);
    names.add(d.name.name);
    const config = readDomain(d, item, hypervisor, report);
    if (config) domains.push(config);
  }
  if (item.domains.length > SYSTEM_LIMITS.domains) report(item.name.span, `at most ${SYSTEM_LIMITS.domains} domains`);

  const privileged = domains.filter((d) => d.privileged);
  if (privileged.length !== 1 && domains.length === item.domains.length) {
    const list = privileged.map((d) => d.name).join(', ');
    report(item.name.span, privileged.length === 0 ? "no domain is 'privileged': mark exactly one (it becomes dom0, domid 0)" : `exactly one domain may be 'privileged', but ${list} are`);
  }
  if (hypervisor === null && item.domains.length > 1) {
    report(item.name.span, "on bare metal ('hypervisor none') the privileged domain is the only domain");
  }
  // domids: the privileged domain is 0, the others 1, 2, … in order.
  const ordered = [...privileged.slice(0, 1), ...domains.filter((d) => d !== privileged[0])];
  ordered.forEach((d, i) => (d.domid = i));

  for (const d of ordered) checkKernel(d, files, report);
  return {
    config: { name: item.name.name, file: item.file, hypervisor, pcpus, timeslice, patchPvops, abis, extensions, domains: ordered, item },
    bootable,
    diagnostics,
  };
}

function readDomain(d: DomainDecl, system: SystemItem, hypervisor: string | null, report: Reporter): DomainConfig | undefined {
  const props = new PropReader(report, `domain ${d.name.name}`);
  let kernel: string | undefined;
  let memory: number = SYSTEM_DEFAULTS.memory;
  let vcpus: number = SYSTEM_DEFAULTS.vcpus;
  let privileged = false;
  let mode: DomainMode | undefined;
  let modeSpan: Span | undefined;
  let weight: number = SYSTEM_DEFAULTS.weight;
  let cap: number | null = null;
  let paused = false;
  let ok = true;
  const bad = (span: Span, message: string): void => {
    ok = false;
    report(span, message);
  };
  for (const p of d.props) {
    if (!props.first(p)) continue;
    switch (p.name.name) {
      case 'kernel': {
        const v = props.single(p);
        if (v?.kind === 'string') kernel = resolveRelative(system.file, v.text);
        else if (v) bad(v.span, `'kernel' takes a file path in quotes, e.g. kernel "guest.pvk";`);
        break;
      }
      case 'memory':
        memory = props.int(p, 1, SYSTEM_LIMITS.memory) ?? memory;
        break;
      case 'vcpus':
        vcpus = props.int(p, 1, SYSTEM_LIMITS.vcpus) ?? vcpus;
        break;
      case 'privileged':
        privileged = props.flag(p);
        break;
      case 'paused':
        paused = props.flag(p);
        break;
      case 'mode':
        mode = props.word(p, ['pv', 'hvm', 'native']) as DomainMode | undefined;
        modeSpan = p.span;
        break;
      case 'weight':
        weight = props.int(p, 1, SYSTEM_LIMITS.weight) ?? weight;
        break;
      case 'cap':
        cap = props.int(p, 1, 100) ?? null;
        break;
      default:
        bad(p.name.span, `unknown domain property '${p.name.name}' (a domain has kernel, memory, vcpus, privileged, mode, weight, cap and paused)`);
    }
  }
  if (!kernel) {
    bad(d.name.span, `domain ${d.name.name} has no kernel: add kernel "file.pvk";`);
    return undefined;
  }
  if (hypervisor !== null && mode === 'native') {
    bad(modeSpan ?? d.name.span, `domain ${d.name.name}: 'native' mode is bare metal and cannot run under hypervisor ${hypervisor}; use 'pv' or 'hvm', or boot with 'hypervisor none'`);
  }
  if (hypervisor === null && mode !== undefined && mode !== 'native') {
    bad(modeSpan ?? d.name.span, `domain ${d.name.name}: '${mode}' mode needs a hypervisor; 'hypervisor none' runs only native kernels`);
  }
  if (privileged && paused) bad(d.name.span, `the privileged domain ${d.name.name} cannot start paused: nothing could unpause it`);
  if (!ok) return undefined;
  return {
    name: d.name.name,
    domid: -1,
    kernel,
    memory,
    vcpus,
    privileged,
    mode: mode ?? (hypervisor === null ? 'native' : 'pv'),
    weight,
    cap,
    paused,
    decl: d,
  };
}

/** The kernel must be readable, have a main, and implement every pvops table for the platform it binds. */
function checkKernel(d: DomainConfig, files: Snapshot, report: Reporter): void {
  const kernelProp = d.decl.props.find((p) => p.name.name === 'kernel');
  const span = kernelProp?.values[0]?.span ?? d.decl.name.span;
  const written = kernelProp?.values[0]?.text ?? d.kernel;
  if (!files.file(d.kernel)) {
    report(span, `kernel file "${written}" of domain ${d.name} cannot be read (looked for ${d.kernel})`);
    return;
  }
  const table = files.items(d.kernel);
  const main = table.values.get('main');
  if (!main || main.kind !== 'fn') {
    report(span, `kernel "${written}" of domain ${d.name} has no 'fn main()'`);
  }
  const platform = d.mode === 'pv' ? 'xen' : 'native';
  for (const item of table.values.values()) {
    if (item.kind !== 'pvops') continue;
    if (!table.impls.get(item.name.name)?.[platform]) {
      report(span, `domain ${d.name} boots "${written}" as ${d.mode}, which binds 'impl ${item.name.name} for ${platform}', but the kernel has none`);
    }
  }
}
