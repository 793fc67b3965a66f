import type { Analysis } from './analysis.js';
import { describeChange, diffAbi, guestConsequence, sideOfLock, sideOfTables, type AbiChange } from './abiDiff.js';
import { parseLock } from './abiLock.js';
import { declaredTables, extensionsIn } from './abiTables.js';
import type { AbiItem } from './ast.js';
import { makeDiagnostic, type Diagnostic } from './diagnostics.js';

/** The workspace's `abi.lock`, as the editor compares the tables with it (spec 9.2). */
export interface AbiLockInput {
  file: string;
  /** undefined when there is no lock (then nothing is compared). */
  text: string | undefined;
}

/** How today's tables stand against the lock. */
export interface AbiLockStatus {
  file: string;
  /** Set when the lock cannot be read as a lock; then there are no changes. */
  error?: string;
  changes: AbiChange[];
}

/**
 * Compares the analysed tables with the lock: each breaking change is a
 * PVK042 error on the changed declaration, saying what guests built against
 * the lock would see; each other ABI change a PVK043 info; cost changes are
 * not ABI changes and get none. A removed hypercall is reported on its
 * table's `abi` block when the table is still there.
 */
export function compareWithLock(analysis: Pick<Analysis, 'files' | 'snapshot'>, lock: AbiLockInput): { status?: AbiLockStatus; diagnostics: Diagnostic[] } {
  if (lock.text === undefined) return { diagnostics: [] };
  const parsed = parseLock(lock.text);
  if ('error' in parsed) return { status: { file: lock.file, error: parsed.error, changes: [] }, diagnostics: [] };
  const changes = diffAbi(sideOfLock(parsed.lock), sideOfTables(declaredTables(analysis)));
  const blocks = new Map<string, AbiItem>();
  for (const abi of extensionsIn(analysis)) if (!blocks.has(abi.name.name)) blocks.set(abi.name.name, abi);
  const diagnostics: Diagnostic[] = [];
  for (const c of changes) {
    if (c.kind === 'cost') continue;
    const at = c.decl ? { file: c.decl.file, span: c.what === 'number' ? c.decl.numberSpan : c.decl.name.span } : blockOf(blocks, c);
    if (!at) continue;
    if (c.kind === 'breaking') {
      diagnostics.push(makeDiagnostic(at.file, at.span, 'PVK042', `breaks the stable ABI recorded in abi.lock: ${describeChange(c)}; guests built against the lock: ${guestConsequence(c)}`));
    } else {
      const why = c.kind === 'dom0' ? 'a dom0 (toolstack) change: its callers in this tree are checked against the new row' : 'guests built against the lock keep working';
      diagnostics.push(makeDiagnostic(at.file, at.span, 'PVK043', `ABI change against abi.lock: ${describeChange(c)} (${why}); run 'pvlab abi lock' to record it`));
    }
  }
  return { status: { file: lock.file, changes }, diagnostics };
}

function blockOf(blocks: ReadonlyMap<string, AbiItem>, c: AbiChange): { file: string; span: AbiItem['span'] } | undefined {
  const abi = blocks.get(c.table);
  return abi ? { file: abi.file, span: abi.name.span } : undefined;
}

/** `abi.lock: N changes (M breaking)` for one table (cost changes are not ABI changes). */
export function lockLensTitle(status: AbiLockStatus, table: string): string {
  if (status.error) return `abi.lock: unreadable (${status.error})`;
  const mine = status.changes.filter((c) => c.table === table && c.kind !== 'cost');
  const breaking = mine.filter((c) => c.kind === 'breaking').length;
  return `abi.lock: ${mine.length} change${mine.length === 1 ? '' : 's'} (${breaking} breaking)`;
}
