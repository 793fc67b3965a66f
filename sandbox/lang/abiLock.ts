import type { HypercallClass, HypercallDecl, TypeName } from './ast.js';

/** One hypercall as an ABI lock records it (spec 9.2): what guests and the toolstack were built against. */
export interface LockedHypercall {
  name: string;
  number: number;
  class: HypercallClass;
  since: string;
  params: TypeName[];
  returns: TypeName;
  cost: number;
}

/** The content of `abi.lock`: every hypercall of each table, the built-in `xen` first, then extensions by name. */
export interface AbiLock {
  pvlabAbiLock: 1;
  tables: Record<string, LockedHypercall[]>;
}

/** A table's hypercalls as declared now, each with its declaration (for positions). */
export type DeclaredTables = ReadonlyMap<string, readonly HypercallDecl[]>;

export function lockedRow(h: HypercallDecl): LockedHypercall {
  return {
    name: h.name.name,
    number: h.number,
    class: h.cls,
    since: h.since,
    params: h.params.map((p) => p.type.name),
    returns: h.ret?.name ?? 'i32',
    cost: h.cost,
  };
}

/** Table names in lock order: `xen` first, then the extensions sorted by name. */
export function tableOrder(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a === 'xen' ? -1 : b === 'xen' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** The lock of some declared tables; rows sorted by number, so the file only changes when the ABI does. */
export function lockOf(tables: DeclaredTables): AbiLock {
  const out: Record<string, LockedHypercall[]> = {};
  for (const name of tableOrder(tables.keys())) {
    out[name] = [...(tables.get(name) ?? [])].map(lockedRow).sort((a, b) => a.number - b.number || (a.name < b.name ? -1 : 1));
  }
  return { pvlabAbiLock: 1, tables: out };
}

/** JSON with one hypercall per line, so that a change to the ABI is a one-line change to the lock. */
export function serializeLock(lock: AbiLock): string {
  const tables = Object.entries(lock.tables).map(([name, rows]) => {
    const body = rows.map((r) => `      ${JSON.stringify(r)}`).join(',\n');
    return `    ${JSON.stringify(name)}: [${rows.length > 0 ? `\n${body}\n    ` : ''}]`;
  });
  return `{\n  "pvlabAbiLock": 1,\n  "tables": {${tables.length > 0 ? `\n${tables.join(',\n')}\n  ` : ''}}\n}\n`;
}

/** Reads `abi.lock` text; a message says what is wrong when it is not a lock pvlab wrote. */
export function parseLock(text: string): { lock: AbiLock } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!isObject(data) || data.pvlabAbiLock !== 1 || !isObject(data.tables)) {
    return { error: "not an ABI lock: expected { \"pvlabAbiLock\": 1, \"tables\": { … } } as 'pvlab abi lock' writes it" };
  }
  const tables: Record<string, LockedHypercall[]> = {};
  for (const [table, rows] of Object.entries(data.tables)) {
    if (!Array.isArray(rows)) return { error: `table '${table}' is not a list of hypercalls` };
    const list: LockedHypercall[] = [];
    for (const [i, row] of rows.entries()) {
      const bad = badRow(row);
      if (bad) return { error: `table '${table}', entry ${i + 1}: ${bad}` };
      list.push(row as LockedHypercall);
    }
    tables[table] = list;
  }
  return { lock: { pvlabAbiLock: 1, tables } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TYPES: readonly string[] = ['u32', 'i32', 'bool'];

function badRow(row: unknown): string | undefined {
  if (!isObject(row)) return 'not an object';
  if (typeof row.name !== 'string') return "'name' must be a string";
  if (!Number.isInteger(row.number)) return "'number' must be a whole number";
  if (row.class !== 'stable' && row.class !== 'dom0') return "'class' must be \"stable\" or \"dom0\"";
  if (typeof row.since !== 'string' || !/^\d+\.\d+$/.test(row.since)) return "'since' must be a version such as \"3.0\"";
  if (!Array.isArray(row.params) || !row.params.every((p) => typeof p === 'string' && TYPES.includes(p))) return "'params' must be a list of types (u32, i32, bool)";
  if (typeof row.returns !== 'string' || !TYPES.includes(row.returns)) return "'returns' must be a type";
  if (!Number.isInteger(row.cost)) return "'cost' must be a whole number";
  return undefined;
}
