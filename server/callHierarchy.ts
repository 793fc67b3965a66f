import * as path from 'node:path';
import type { CallHierarchyIncomingCall, CallHierarchyItem, CallHierarchyOutgoingCall, Position, Range } from 'vscode-languageserver';
import { SymbolKind } from 'vscode-languageserver';
import type * as A from '../sandbox/lang/ast.js';
import { builtinAbi } from '../sandbox/lang/abi.js';
import { extensionsIn } from '../sandbox/lang/abiTables.js';
import type { SourceFile, Span } from '../sandbox/lang/source.js';
import { functionsOf } from '../sandbox/lang/walk.js';
import { callGraph, groupSites, implIndex, isKind, opNamed, type CallGraph, type CallSite, type ImplIndex } from './callGraph.js';
import { toRange } from './convert.js';
import { abiRow } from './implementation.js';
import { occurrenceUnder } from './navigation.js';
import { pathToUri, uriToPath } from './paths.js';
import { profileFnName } from './perfSites.js';
import { implLabel } from './pvopBindings.js';
import type { ProjectView } from './view.js';

/** What a call hierarchy item stands for. Impl functions are functions with `fn.impl` set. */
type Target = { kind: 'fn'; fn: A.FnItem } | { kind: 'op'; op: A.PvopSig; table: A.PvopsItem } | { kind: 'hypercall'; decl: A.HypercallDecl };

/**
 * Kept in the item's `data` and looked up by name again in the item's file
 * (its `uri`), so that an item outlives edits elsewhere in that file.
 */
type ItemData = { t: 'fn'; name: string; group?: string; platform?: string } | { t: 'op'; group: string; name: string } | { t: 'hypercall'; name: string };

export function prepareCallHierarchy(project: ProjectView, uri: string, position: Position): CallHierarchyItem[] | null {
  const found = occurrenceUnder(project, uri, position);
  if (!found) return null;
  const g = implIndex(project);
  const { occ } = found;
  const d = occ.decl;
  let target: Target | undefined;
  if (isKind(d, 'fn')) target = { kind: 'fn', fn: d };
  else if (d && !('kind' in d)) target = { kind: 'hypercall', decl: d };
  else {
    const op = opNamed(occ);
    const table = op && g.tableOfOp.get(op);
    if (op && table) target = { kind: 'op', op, table };
  }
  if (!target) return null;
  const item = itemOf(project, g, target);
  return item ? [item] : null;
}

export function incomingCalls(project: ProjectView, item: CallHierarchyItem): CallHierarchyIncomingCall[] {
  const g = callGraph(project);
  const target = resolve(project, g, item);
  if (!target) return [];
  switch (target.kind) {
    case 'fn': {
      const op = target.fn.impl && g.opOfImpl.get(target.fn);
      const table = op && g.tableOfOp.get(op);
      // An impl function is reached only through its op: the op is its caller.
      if (op && table) return optional(itemOf(project, g, { kind: 'op', op, table }), (from) => ({ from, fromRanges: [rangeIn(project, g, table.file, op.name.span)] }));
      return byCaller(project, g, g.callsOfFn.get(target.fn) ?? []);
    }
    case 'op':
      return byCaller(project, g, g.callsOfOp.get(target.op) ?? []);
    case 'hypercall':
      return byKernel(project, g, g.callsOfHypercall.get(target.decl.name.name) ?? []);
  }
}

export function outgoingCalls(project: ProjectView, item: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  const g = callGraph(project);
  const target = resolve(project, g, item);
  if (!target) return [];
  switch (target.kind) {
    case 'fn': {
      const out: CallHierarchyOutgoingCall[] = [];
      for (const sites of groupSites(g.callsFrom.get(target.fn) ?? [], calleeKey).values()) {
        const callee = calleeTarget(project, g, sites[0]);
        const to = callee && itemOf(project, g, callee);
        if (to) out.push({ to, fromRanges: sites.map((s) => toRange(s.file.source, s.span)) });
      }
      return out;
    }
    case 'op': {
      // An op "calls" each of its implementations: the dispatch through the ops table.
      const from = rangeIn(project, g, target.table.file, target.op.name.span);
      return (g.implsOfOp.get(target.op) ?? []).flatMap((i) => optional(itemOf(project, g, { kind: 'fn', fn: i.fn }), (to) => ({ to, fromRanges: [from] })));
    }
    case 'hypercall':
      return [];
  }
}

function optional<T, R>(value: T | undefined, f: (v: T) => R): R[] {
  return value === undefined ? [] : [f(value)];
}

function calleeKey(s: CallSite): unknown {
  return s.callee.kind === 'fn' ? s.callee.fn : s.callee.kind === 'op' ? s.callee.op : `hypercall ${s.callee.name}`;
}

function calleeTarget(project: ProjectView, g: CallGraph, s: CallSite): Target | undefined {
  const c = s.callee;
  if (c.kind === 'fn') return { kind: 'fn', fn: c.fn };
  if (c.kind === 'op') {
    const table = g.tableOfOp.get(c.op);
    return table && { kind: 'op', op: c.op, table };
  }
  const decl = hypercallNamed(project, c.name);
  return decl && { kind: 'hypercall', decl };
}

function byCaller(project: ProjectView, g: CallGraph, sites: readonly CallSite[]): CallHierarchyIncomingCall[] {
  const out: CallHierarchyIncomingCall[] = [];
  for (const [caller, list] of groupSites(sites, (s) => s.caller)) {
    const from = itemOf(project, g, { kind: 'fn', fn: caller });
    if (from) out.push({ from, fromRanges: list.map((s) => toRange(s.file.source, s.span)) });
  }
  return out;
}

/**
 * A hypercall's callers, once for each kernel that makes it: grouped by the
 * systems that boot the kernel (in the callers' `detail`), then the callers
 * no system boots.
 */
function byKernel(project: ProjectView, g: CallGraph, sites: readonly CallSite[]): CallHierarchyIncomingCall[] {
  const callers = groupSites(sites, (s) => s.caller);
  const out: CallHierarchyIncomingCall[] = [];
  const booted = new Set<A.FnItem>();
  for (const k of bootedKernels(project)) {
    for (const [caller, list] of callers) {
      if (!k.files.has(caller.file)) continue;
      booted.add(caller);
      const from = itemOf(project, g, { kind: 'fn', fn: caller });
      if (from) out.push({ from: { ...from, detail: k.label }, fromRanges: list.map((s) => toRange(s.file.source, s.span)) });
    }
  }
  for (const [caller, list] of callers) {
    if (booted.has(caller)) continue;
    const from = itemOf(project, g, { kind: 'fn', fn: caller });
    if (from) out.push({ from: { ...from, detail: `${path.basename(caller.file)} · booted by no system` }, fromRanges: list.map((s) => toRange(s.file.source, s.span)) });
  }
  return out;
}

/** Each (system, kernel) pair of the analysis, in boot order, with the files of the kernel's closure. */
function bootedKernels(project: ProjectView): { label: string; files: Set<string> }[] {
  const out: { label: string; files: Set<string> }[] = [];
  for (const s of project.analysis().systems) {
    const domainsOf = new Map<string, string[]>();
    for (const d of s.config.domains) domainsOf.set(d.kernel, [...(domainsOf.get(d.kernel) ?? []), d.name]);
    for (const [kernel, domains] of domainsOf) {
      const files = new Set(project.analysis().snapshot.closure(kernel).map((f) => f.source.path));
      out.push({ label: `system ${s.config.name}: ${domains.join(', ')} (${path.basename(kernel)})`, files });
    }
  }
  return out;
}

/**
 * An analysed file's text: from the index, without asking the file host
 * (which compares the whole text of an open document with the parsed one).
 */
function sourceOf(project: ProjectView, g: ImplIndex, file: string): SourceFile | undefined {
  return (g.files.get(file) ?? project.file(file))?.source;
}

function rangeIn(project: ProjectView, g: ImplIndex, file: string, span: Span): Range {
  const source = sourceOf(project, g, file);
  return source ? toRange(source, span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function itemOf(project: ProjectView, g: ImplIndex, t: Target): CallHierarchyItem | undefined {
  switch (t.kind) {
    case 'fn': {
      const source = sourceOf(project, g, t.fn.file);
      if (!source) return undefined;
      const impl = t.fn.impl;
      const data: ItemData = impl ? { t: 'fn', name: t.fn.name.name, group: impl.group.name, platform: impl.platform.name } : { t: 'fn', name: t.fn.name.name };
      return {
        name: impl ? profileFnName(t.fn) : t.fn.name.name,
        kind: impl ? SymbolKind.Method : SymbolKind.Function,
        detail: impl ? implLabel(project, impl) : path.basename(t.fn.file),
        uri: pathToUri(t.fn.file),
        range: toRange(source, t.fn.span),
        selectionRange: toRange(source, t.fn.name.span),
        data,
      };
    }
    case 'op': {
      const source = sourceOf(project, g, t.table.file);
      if (!source) return undefined;
      const impls = g.implsOfOp.get(t.op) ?? [];
      return {
        name: `${t.table.name.name}.${t.op.name.name}`,
        kind: SymbolKind.Interface,
        detail: `pvop · ${impls.map((i) => i.impl.platform.name).join(', ') || 'no'} impl${impls.length === 1 ? '' : 's'}`,
        uri: pathToUri(t.table.file),
        range: toRange(source, t.op.span),
        selectionRange: toRange(source, t.op.name.span),
        data: { t: 'op', group: t.table.name.name, name: t.op.name.name } satisfies ItemData,
      };
    }
    case 'hypercall': {
      const row = abiRow(project, t.decl);
      const source = t.decl.table === 'xen' ? project.parsed(project.abiFile().uri)?.source : project.file(t.decl.file)?.source;
      if (!row || !source) return undefined;
      return {
        name: t.decl.name.name,
        kind: SymbolKind.Event,
        detail: `hypercall #${t.decl.number} · ${t.decl.cls === 'dom0' ? 'dom0-only' : 'stable'}`,
        uri: row.uri,
        range: row.range,
        selectionRange: toRange(source, (hypercallNamed(project, t.decl.name.name) ?? t.decl).name.span),
        data: { t: 'hypercall', name: t.decl.name.name } satisfies ItemData,
      };
    }
  }
}

/** The target an item names, looked up by name in the current analysis. */
function resolve(project: ProjectView, g: CallGraph, item: CallHierarchyItem): Target | undefined {
  const data: unknown = item.data;
  if (!isItemData(data)) return undefined;
  if (data.t === 'hypercall') {
    const decl = hypercallNamed(project, data.name);
    return decl ? { kind: 'hypercall', decl } : undefined;
  }
  const at = uriToPath(item.uri);
  const file = at === undefined ? undefined : g.files.get(at);
  if (!file) return undefined;
  if (data.t === 'op') {
    const table = file.ast.items.find((i): i is A.PvopsItem => i.kind === 'pvops' && i.name.name === data.group);
    const op = table?.ops.find((o) => o.name.name === data.name);
    return table && op ? { kind: 'op', op, table } : undefined;
  }
  const fn = functionsOf(file.ast).find((f) => f.name.name === data.name && f.impl?.group.name === data.group && f.impl?.platform.name === data.platform);
  return fn ? { kind: 'fn', fn } : undefined;
}

function isItemData(x: unknown): x is ItemData {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  if (typeof d.name !== 'string') return false;
  if (d.t === 'hypercall') return true;
  if (d.t === 'op') return typeof d.group === 'string';
  return d.t === 'fn' && (d.group === undefined || typeof d.group === 'string') && (d.platform === undefined || typeof d.platform === 'string');
}

/** A hypercall by name: the built-in table's, or an extension's in the analysed files (names are unique, PVK041). */
function hypercallNamed(project: ProjectView, name: string): A.HypercallDecl | undefined {
  const builtin = builtinAbi().byName.get(name);
  if (builtin) return builtin;
  for (const abi of extensionsIn(project.analysis())) {
    const h = abi.hypercalls.find((x) => x.name.name === name);
    if (h) return h;
  }
  return undefined;
}
