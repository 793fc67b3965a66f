import { builtinAbi } from './abi.js';
import type { Analysis } from './analysis.js';
import type { AbiItem, HypercallDecl } from './ast.js';
import type { DeclaredTables } from './abiLock.js';
import { forEachExpr, functionsOf } from './walk.js';

/** The checked files of an analysis. */
type CheckedFiles = Pick<Analysis, 'files' | 'snapshot'>;

/**
 * The hypercall tables a set of checked files declares: the built-in `xen`
 * table (or `xenOverride`, the shipped table's source when it is among the
 * inputs) and every extension found, each named once (the first block of a
 * name, in file order, wins).
 */
export function declaredTables(analysis: CheckedFiles, xenOverride?: AbiItem): DeclaredTables {
  const tables = new Map<string, readonly HypercallDecl[]>();
  tables.set('xen', (xenOverride ?? builtinAbi().abi).hypercalls);
  for (const abi of extensionsIn(analysis)) if (!tables.has(abi.name.name)) tables.set(abi.name.name, abi.hypercalls);
  return tables;
}

/** Every extension (`abi` block other than xen) in the analysis' files, in file order. */
export function extensionsIn(analysis: CheckedFiles): AbiItem[] {
  const out: AbiItem[] = [];
  for (const file of analysis.files) {
    for (const item of analysis.snapshot.file(file)?.ast.items ?? []) if (item.kind === 'abi' && item.name.name !== 'xen') out.push(item);
  }
  return out;
}

/** A call of a hypercall in the checked files. */
export interface HypercallCallSite {
  file: string;
  offset: number;
}

/** The call sites of the hypercall `name` of `table` in the analysis' files, in file and text order. */
export function callSites(analysis: CheckedFiles, table: string, name: string): HypercallCallSite[] {
  const out: HypercallCallSite[] = [];
  for (const file of analysis.files) {
    const ast = analysis.snapshot.file(file)?.ast;
    if (!ast) continue;
    for (const fn of functionsOf(ast)) {
      forEachExpr(fn.body, (e) => {
        if (e.kind === 'hypercall' && e.decl?.table === table && e.decl.name.name === name) out.push({ file, offset: e.name.span.start });
      });
    }
  }
  return out;
}
