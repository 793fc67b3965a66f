import type * as A from '../sandbox/lang/ast.js';
import type { Analysis } from '../sandbox/lang/analysis.js';
import type { Decl, Occurrence } from '../sandbox/lang/occurrences.js';
import type { ItemTable } from '../sandbox/lang/items.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { forEachExpr, functionsOf } from '../sandbox/lang/walk.js';
import type { ProjectView } from './view.js';

/** One call in a function body: of a function, a pvop or a hypercall. */
export interface CallSite {
  file: ParsedFile;
  caller: A.FnItem;
  callee: { kind: 'fn'; fn: A.FnItem } | { kind: 'op'; op: A.PvopSig } | { kind: 'hypercall'; name: string };
  /** The callee as written: `helper`, `cpu.irq_disable`, the name after `hypercall`. */
  span: Span;
}

/** A function of an `impl G for P` block, with the op it implements. */
export interface ImplFn {
  fn: A.FnItem;
  impl: A.ImplItem;
  op: A.PvopSig;
}

/** Which impl functions implement which ops, across every analysed file. */
export interface ImplIndex {
  files: Map<string, ParsedFile>;
  implsOfOp: Map<A.PvopSig, ImplFn[]>;
  implsOfTable: Map<A.PvopsItem, A.ImplItem[]>;
  /** The impl function → the op it implements. */
  opOfImpl: Map<A.FnItem, A.PvopSig>;
  /** The op → the table that declares it. */
  tableOfOp: Map<A.PvopSig, A.PvopsItem>;
}

/**
 * Who calls what across every analysed file, with the impl index: the index
 * behind call hierarchy. Built from the checker's annotations, once per
 * analysis (the impl index alone, for implementation and hovers, walks no
 * function bodies).
 */
export interface CallGraph extends ImplIndex {
  callsOfFn: Map<A.FnItem, CallSite[]>;
  callsOfOp: Map<A.PvopSig, CallSite[]>;
  callsOfHypercall: Map<string, CallSite[]>;
  callsFrom: Map<A.FnItem, CallSite[]>;
}

const implIndexes = new WeakMap<Analysis, ImplIndex>();
const graphs = new WeakMap<Analysis, CallGraph>();

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function implIndex(project: ProjectView): ImplIndex {
  const analysis = project.analysis();
  const cached = implIndexes.get(analysis);
  if (cached) return cached;
  const index: ImplIndex = { files: new Map(), implsOfOp: new Map(), implsOfTable: new Map(), opOfImpl: new Map(), tableOfOp: new Map() };
  for (const file of project.files()) {
    index.files.set(file.source.path, file);
    indexItems(project, file, index);
  }
  implIndexes.set(analysis, index);
  return index;
}

export function callGraph(project: ProjectView): CallGraph {
  const analysis = project.analysis();
  const cached = graphs.get(analysis);
  if (cached) return cached;
  const g: CallGraph = { ...implIndex(project), callsOfFn: new Map(), callsOfOp: new Map(), callsOfHypercall: new Map(), callsFrom: new Map() };
  for (const file of g.files.values()) {
    for (const fn of functionsOf(file.ast)) {
      forEachExpr(fn.body, (e) => {
        const site = siteOf(file, fn, e);
        if (!site) return;
        push(g.callsFrom, fn, site);
        if (site.callee.kind === 'fn') push(g.callsOfFn, site.callee.fn, site);
        else if (site.callee.kind === 'op') push(g.callsOfOp, site.callee.op, site);
        else push(g.callsOfHypercall, site.callee.name, site);
      });
    }
  }
  graphs.set(analysis, g);
  return g;
}

function siteOf(file: ParsedFile, caller: A.FnItem, e: A.Expr): CallSite | undefined {
  switch (e.kind) {
    case 'call':
      return e.target?.kind === 'fn' ? { file, caller, callee: { kind: 'fn', fn: e.target }, span: e.callee.span } : undefined;
    case 'pvop':
      return e.decl ? { file, caller, callee: { kind: 'op', op: e.decl }, span: { start: e.group.span.start, end: e.op.span.end } } : undefined;
    case 'hypercall':
      return e.decl ? { file, caller, callee: { kind: 'hypercall', name: e.decl.name.name }, span: e.name.span } : undefined;
    default:
      return undefined;
  }
}

/** Tables, their ops, and impls resolved to the table their file's closure sees. */
function indexItems(project: ProjectView, file: ParsedFile, g: ImplIndex): void {
  let table: ItemTable | undefined;
  for (const item of file.ast.items) {
    if (item.kind === 'pvops') for (const op of item.ops) g.tableOfOp.set(op, item);
    if (item.kind !== 'impl') continue;
    table ??= project.items(file.source.path);
    const group = table.values.get(item.group.name);
    if (group?.kind !== 'pvops') continue;
    push(g.implsOfTable, group, item);
    for (const fn of item.fns) {
      const op = group.ops.find((o) => o.name.name === fn.name.name);
      if (!op) continue;
      push(g.implsOfOp, op, { fn, impl: item, op });
      g.opOfImpl.set(fn, op);
    }
  }
}

/** Call sites grouped by a key, keys in order of first appearance. */
export function groupSites<K>(sites: readonly CallSite[], key: (s: CallSite) => K): Map<K, CallSite[]> {
  const out = new Map<K, CallSite[]>();
  for (const s of sites) push(out, key(s), s);
  return out;
}

/** The op an occurrence names: a pvop call's op, an op in its `pvops` block, or an impl function's name. */
export function opNamed(occ: Occurrence): A.PvopSig | undefined {
  if (occ.implOf) return occ.implOf;
  return isKind(occ.decl, 'pvop-sig') ? occ.decl : undefined;
}

export function isKind<K extends 'pvop-sig' | 'pvops' | 'fn'>(d: Decl | undefined, kind: K): d is Extract<Decl, { kind: K }> {
  return d !== undefined && 'kind' in d && d.kind === kind;
}
