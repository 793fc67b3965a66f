import { compareVersions } from './abi.js';
import type { HypercallDecl } from './ast.js';
import { lockedRow, tableOrder, type AbiLock, type DeclaredTables, type LockedHypercall } from './abiLock.js';

/** The kinds of section 9.2: what a difference means for guests and the toolstack. */
export type ChangeKind = 'breaking' | 'compatible' | 'dom0' | 'cost';

/** Which part of a hypercall changed. */
export type ChangeWhat = 'removed' | 'added' | 'name' | 'number' | 'parameters' | 'return type' | 'class' | 'since' | 'cost';

/** One difference between an old ABI (a lock, or older sources) and the tables declared now. */
export interface AbiChange {
  table: string;
  /** The hypercall's name now (its old name when removed). */
  hypercall: string;
  kind: ChangeKind;
  what: ChangeWhat;
  old: string | null;
  new: string | null;
  /** Where it is declared now (where it was, when removed and the old side has sources); undefined when nowhere. */
  decl?: HypercallDecl;
  /** For a removal: the old declaration, when the old side has sources. */
  oldDecl?: HypercallDecl;
}

/** A side of a comparison: rows by table, each with its declaration when the side has sources. */
type Side = ReadonlyMap<string, readonly { row: LockedHypercall; decl?: HypercallDecl }[]>;

export function sideOfLock(lock: AbiLock): Side {
  return new Map(Object.entries(lock.tables).map(([t, rows]) => [t, rows.map((row) => ({ row }))]));
}

export function sideOfTables(tables: DeclaredTables): Side {
  return new Map([...tables].map(([t, decls]) => [t, decls.map((decl) => ({ row: lockedRow(decl), decl }))]));
}

/**
 * Every ABI difference from `before` to `after`. Hypercalls are matched by
 * name within a table; an unmatched old and new row with one number are a
 * rename. Sorted by table (xen first), number, then field.
 */
export function diffAbi(before: Side, after: Side): AbiChange[] {
  const out: AbiChange[] = [];
  for (const table of tableOrder([...before.keys(), ...after.keys()])) {
    const olds = before.get(table) ?? [];
    const news = after.get(table) ?? [];
    const matchedOld = new Set<number>();
    const matchedNew = new Set<number>();
    const pairs: [number, number][] = [];
    news.forEach((n, j) => {
      const i = olds.findIndex((o, k) => !matchedOld.has(k) && o.row.name === n.row.name);
      if (i >= 0) {
        matchedOld.add(i);
        matchedNew.add(j);
        pairs.push([i, j]);
      }
    });
    news.forEach((n, j) => {
      if (matchedNew.has(j)) return;
      const i = olds.findIndex((o, k) => !matchedOld.has(k) && o.row.number === n.row.number);
      if (i >= 0) {
        matchedOld.add(i);
        matchedNew.add(j);
        pairs.push([i, j]);
      }
    });
    const changes: AbiChange[] = [];
    for (const [i, j] of pairs) changes.push(...compareRows(table, olds[i].row, news[j].row, news[j].decl));
    olds.forEach((o, i) => {
      if (matchedOld.has(i)) return;
      changes.push({ table, hypercall: o.row.name, kind: o.row.class === 'dom0' ? 'dom0' : 'breaking', what: 'removed', old: rowText(o.row), new: null, oldDecl: o.decl });
    });
    news.forEach((n, j) => {
      if (matchedNew.has(j)) return;
      changes.push({ table, hypercall: n.row.name, kind: 'compatible', what: 'added', old: null, new: rowText(n.row), decl: n.decl });
    });
    const numberOf = (c: AbiChange): number => (c.decl ?? c.oldDecl)?.number ?? numberIn(c, olds, news);
    changes.sort((a, b) => numberOf(a) - numberOf(b));
    out.push(...changes);
  }
  return out;
}

function numberIn(c: AbiChange, olds: readonly { row: LockedHypercall }[], news: readonly { row: LockedHypercall }[]): number {
  return (news.find((n) => n.row.name === c.hypercall) ?? olds.find((o) => o.row.name === c.hypercall))?.row.number ?? 0;
}

/** The differences of one hypercall present on both sides, in field order. */
function compareRows(table: string, o: LockedHypercall, n: LockedHypercall, decl: HypercallDecl | undefined): AbiChange[] {
  const wasDom0 = o.class === 'dom0';
  const guestKind = (breaks: boolean): ChangeKind => (wasDom0 ? 'dom0' : breaks ? 'breaking' : 'compatible');
  const out: AbiChange[] = [];
  const add = (what: ChangeWhat, kind: ChangeKind, old: string, now: string): void => {
    out.push({ table, hypercall: n.name, kind, what, old, new: now, decl });
  };
  if (o.name !== n.name) add('name', guestKind(true), o.name, n.name);
  if (o.number !== n.number) add('number', guestKind(true), String(o.number), String(n.number));
  const op = paramsText(o.params);
  const np = paramsText(n.params);
  if (op !== np) add('parameters', guestKind(true), op, np);
  if (o.returns !== n.returns) add('return type', guestKind(true), o.returns, n.returns);
  if (o.class !== n.class) add('class', wasDom0 ? 'compatible' : 'breaking', o.class, n.class);
  if (o.since !== n.since) add('since', guestKind(compareVersions(n.since, o.since) > 0), o.since, n.since);
  if (o.cost !== n.cost) add('cost', 'cost', String(o.cost), String(n.cost));
  return out;
}

function paramsText(params: readonly string[]): string {
  return `(${params.join(', ')})`;
}

/** A row as one line: `name(u32, u32) -> i32 = 18 stable since 3.0 cost 100`. */
export function rowText(r: LockedHypercall): string {
  return `${r.name}${paramsText(r.params)} -> ${r.returns} = ${r.number} ${r.class} since ${r.since} cost ${r.cost}`;
}

/** The abidiff-style status of section 9.2: 0 no ABI change (cost only), 4 compatible or dom0 only, 12 breaking. */
export function abiExitStatus(changes: readonly AbiChange[]): 0 | 4 | 12 {
  if (changes.some((c) => c.kind === 'breaking')) return 12;
  if (changes.some((c) => c.kind === 'compatible' || c.kind === 'dom0')) return 4;
  return 0;
}

/** What a change means, in a sentence a hypervisor developer reads in a terminal or a diagnostic. */
export function describeChange(c: AbiChange): string {
  const id = c.table === 'xen' ? c.hypercall : `${c.table}.${c.hypercall}`;
  switch (c.what) {
    case 'removed':
      return `${id} was removed (locked: ${c.old})`;
    case 'added':
      return `${id} is new: ${c.new}`;
    case 'cost':
      return `${id}: cost ${c.old} -> ${c.new} (not an ABI change)`;
    default:
      return `${id}: ${c.what} ${c.old} -> ${c.new}`;
  }
}

/** What guests built against the old ABI see after a breaking change. */
export function guestConsequence(c: AbiChange): string {
  switch (c.what) {
    case 'removed':
      return `their calls of ${c.hypercall} get -ENOSYS (-38)`;
    case 'number':
      return `they still call number ${c.old}, which ${c.hypercall} no longer answers`;
    case 'name':
      return `they call ${c.old}, which no longer exists under that name`;
    case 'parameters':
    case 'return type':
      return `they pass and expect ${c.what === 'parameters' ? c.old : `a ${c.old}`}, not ${c.new}`;
    case 'class':
      return `their calls from unprivileged domains get -EPERM (-1)`;
    case 'since':
      return `on hypervisors from ${c.old} up to before ${c.new} their calls get -ENOSYS (-38)`;
    default:
      return 'nothing changes for them';
  }
}
