import { builtinAbi } from './abi.js';
import type { AbiItem, HypercallDecl, SystemItem } from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';
import type { Snapshot } from './snapshot.js';
import type { SourceFile } from './source.js';
import { suggest } from './suggest.js';

/**
 * Reads a system's `abi NAME;` properties (spec 9.1): the hypervisor
 * extensions it boots besides the built-in table. Each name must be an
 * extension visible from the system's file (PVK045); the extensions booted
 * together must not take one hypercall name or number twice (PVK041).
 * `abi xen;` names the built-in table, which every system boots anyway.
 * Any of these problems keeps the system from booting (`unbootable`).
 */
export function readAbiProperties(item: SystemItem, files: Snapshot, out: Diagnostic[], unbootable: () => void): BootedExtension[] {
  const props = item.props.filter((p) => p.name.name === 'abi');
  if (props.length === 0) return [];
  const visible = files.items(item.file).extensions;
  const booted: AbiItem[] = [];
  const report = (d: Diagnostic): void => {
    unbootable();
    out.push(d);
  };
  for (const p of props) {
    if (p.values.length === 0) {
      report(makeDiagnostic(item.file, p.span, 'PVK030', `system ${item.name.name}: 'abi' names the hypervisor extensions to boot, e.g. 'abi lab;'`));
      continue;
    }
    for (const v of p.values) {
      if (v.kind !== 'ident') {
        report(makeDiagnostic(item.file, v.span, 'PVK030', `system ${item.name.name}: 'abi' takes extension names, not ${v.kind === 'string' ? 'a string' : 'a number'}`));
        continue;
      }
      if (v.text === 'xen' || booted.some((a) => a.name.name === v.text)) continue;
      const ext = visible.find((a) => a.name.name === v.text);
      if (!ext) {
        const hint = suggest(v.text, visible.map((a) => a.name.name));
        const where = visible.length === 0 ? `no 'abi' block is declared in or imported by this file` : `the file sees ${visible.map((a) => `'${a.name.name}'`).join(', ')}`;
        report(makeDiagnostic(item.file, v.span, 'PVK045', `system ${item.name.name}: abi '${v.text}' names no hypervisor extension visible from this file (${where})${hint}`));
        continue;
      }
      const clash = firstClash(ext, booted);
      if (clash) {
        report(makeDiagnostic(item.file, v.span, 'PVK041', `system ${item.name.name}: extension '${ext.name.name}' cannot boot with '${clash.other.table}': ${clash.what}`));
        continue;
      }
      booted.push(ext);
    }
  }
  return booted.map((abi) => ({ abi, source: files.file(abi.file)?.source }));
}

/** An extension a system boots, with its file's text (for the lines of a panic). */
export interface BootedExtension {
  abi: AbiItem;
  source: SourceFile | undefined;
}

/** The first hypercall of `ext` whose name or number another booted table (or the built-in one) already takes. */
function firstClash(ext: AbiItem, booted: readonly AbiItem[]): { other: HypercallDecl; what: string } | undefined {
  const tables = [builtinAbi().abi, ...booted];
  for (const h of ext.hypercalls) {
    for (const t of tables) {
      for (const o of t.hypercalls) {
        if (o.name.name === h.name.name) return { other: o, what: `both declare hypercall '${h.name.name}'` };
        if (o.number === h.number) return { other: o, what: `hypercall ${h.name.name} and ${o.name.name} both take number ${h.number}` };
      }
    }
  }
  return undefined;
}
