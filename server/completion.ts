import type { CompletionItem, Position, SignatureHelp } from 'vscode-languageserver';
import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver';
import { builtinAbi } from '../sandbox/lang/abi.js';
import type * as A from '../sandbox/lang/ast.js';
import { freeHypercallNumber } from '../sandbox/lang/abiBlocks.js';
import { HV_INTRINSICS } from '../sandbox/lang/hvIntrinsics.js';
import { INTRINSICS } from '../sandbox/lang/intrinsics.js';
import type { ItemTable } from '../sandbox/lang/items.js';
import type { Token } from '../sandbox/lang/lexer.js';
import { abiFunctionsOf } from '../sandbox/lang/walk.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import { toOffset } from './convert.js';
import { hypercallCost, hypercallSignature, intrinsicSignature } from './describe.js';
import type { ProjectView } from './view.js';

const SYSTEM_PROPERTIES: [string, string][] = [
  ['hypervisor', 'hypervisor ${1:4.2};'],
  ['pcpus', 'pcpus ${1:1};'],
  ['timeslice', 'timeslice ${1:10000};'],
  ['patch_pvops', 'patch_pvops;'],
  ['domain', 'domain ${1:name} { kernel "${2:kernel.pvk}"; memory ${3:16}; }'],
];
const DOMAIN_PROPERTIES: [string, string][] = [
  ['kernel', 'kernel "${1:kernel.pvk}";'],
  ['memory', 'memory ${1:16};'],
  ['vcpus', 'vcpus ${1:1};'],
  ['privileged', 'privileged;'],
  ['mode', 'mode ${1|pv,hvm,native|};'],
  ['weight', 'weight ${1:256};'],
  ['cap', 'cap ${1:50};'],
  ['paused', 'paused;'],
];
const STATEMENT_KEYWORDS = ['let', 'if', 'else', 'while', 'for', 'return', 'break', 'continue', 'as', 'true', 'false', 'hypercall'];
const ITEM_KEYWORDS = ['fn', 'const', 'var', 'import', 'pvops', 'impl', 'system', 'abi'];

/** The index of the last token that starts before `offset`. */
function tokenBefore(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function snippet(label: string, kind: CompletionItemKind, insert: string, detail?: string, doc?: string): CompletionItem {
  return { label, kind, insertText: insert, insertTextFormat: InsertTextFormat.Snippet, ...(detail ? { detail } : {}), ...(doc ? { documentation: doc } : {}) };
}

function argsSnippet(params: readonly { name: string }[]): string {
  return params.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ');
}

/** The built-in hypercalls and the extensions' the file sees. */
function hypercallItems(table: ItemTable): CompletionItem[] {
  return [...builtinAbi().abi.hypercalls, ...table.extensionHypercalls.values()].map((h) =>
    snippet(h.name.name, CompletionItemKind.Function, `${h.name.name}(${argsSnippet(h.params.map((p) => ({ name: p.name.name })))})`, `#${h.number} ${h.cls} since ${h.since} · ${hypercallCost(h)}`, `${hypercallSignature(h)}\n\n${h.doc}`),
  );
}

function enclosing<T extends { span: { start: number; end: number } }>(list: readonly T[], offset: number): T | undefined {
  return list.find((x) => x.span.start <= offset && offset <= x.span.end);
}

/** Locals and parameters visible at the offset: declared before it, in blocks that enclose it. */
function localsBefore(fn: A.FnItem, offset: number): { name: string; type: string }[] {
  const out = new Map<string, string>();
  for (const p of fn.params) out.set(p.name.name, p.type.name);
  const encloses = (s: A.Stmt): boolean => s.span.start <= offset && offset <= s.span.end;
  const walk = (stmts: readonly A.Stmt[]): void => {
    for (const s of stmts) {
      if (s.span.start > offset) return;
      if (s.kind === 'let' && s.span.end <= offset) out.set(s.name.name, s.varType ?? s.declared?.name ?? '');
      if (!encloses(s)) continue;
      if (s.kind === 'block') walk(s.stmts);
      if (s.kind === 'if') {
        // Down an else-if chain to the link around the offset, in a loop: its length is not nesting.
        let link: A.IfStmt = s;
        while (!encloses(link.then) && link.else?.kind === 'if' && encloses(link.else)) link = link.else;
        if (encloses(link.then)) walk(link.then.stmts);
        else if (link.else?.kind === 'block') walk(link.else.stmts);
      }
      if (s.kind === 'while') walk(s.body.stmts);
      if (s.kind === 'for' && encloses(s.body)) {
        out.set(s.name.name, 'u32');
        walk(s.body.stmts);
      }
    }
  };
  walk(fn.body.stmts);
  return [...out].map(([name, type]) => ({ name, type }));
}

export function completion(project: ProjectView, uri: string, position: Position): CompletionItem[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const offset = toOffset(parsed.source, position);
  const tokens = parsed.tokens;
  let i = tokenBefore(tokens, offset);
  // Completing inside an identifier: look at what precedes it.
  if (i >= 0 && tokens[i].kind === 'ident' && tokens[i].end >= offset) i--;
  const prev = i >= 0 ? tokens[i] : undefined;
  const table = project.items(parsed.source.path);

  if (prev?.kind === 'keyword' && prev.text === 'hypercall') {
    const abi = enclosing(parsed.ast.items.filter((x): x is A.AbiItem => x.kind === 'abi'), offset);
    // In an abi block, `hypercall` starts a declaration: nothing to complete from the tables.
    return abi ? [] : hypercallItems(table);
  }
  if (prev?.kind === 'punct' && prev.text === '.' && i > 0 && tokens[i - 1].kind === 'ident') {
    const group = table.values.get(tokens[i - 1].text);
    if (group?.kind !== 'pvops') return [];
    return group.ops.map((o) => snippet(o.name.name, CompletionItemKind.Method, `${o.name.name}(${argsSnippet(o.params.map((p) => ({ name: p.name.name })))})`, `pvop of ${group.name.name}`));
  }

  const items = parsed.ast.items;
  const system = enclosing(items.filter((x): x is A.SystemItem => x.kind === 'system'), offset);
  if (system) {
    const domain = enclosing(system.domains, offset);
    if (domain) return DOMAIN_PROPERTIES.map(([label, body]) => snippet(label, CompletionItemKind.Property, body, 'domain property'));
    const extensions = project.items(system.file).extensions.map((a) => a.name.name);
    const abiProperty: [string, string][] = extensions.length > 0 ? [['abi', `abi \${1|${extensions.join(',')}|};`]] : [];
    return [...SYSTEM_PROPERTIES, ...abiProperty].map(([label, body]) => snippet(label, CompletionItemKind.Property, body, 'system property'));
  }
  const abi = enclosing(items.filter((x): x is A.AbiItem => x.kind === 'abi'), offset);
  if (abi) return abiBlockItems(abi, table, offset);

  const fn = findFunction(parsed, offset);
  if (!fn) return ITEM_KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword }));
  const out: CompletionItem[] = [];
  for (const l of localsBefore(fn, offset)) out.push({ label: l.name, kind: CompletionItemKind.Variable, detail: l.type });
  for (const item of table.values.values()) {
    if (item.kind === 'fn') out.push(snippet(item.name.name, CompletionItemKind.Function, `${item.name.name}(${argsSnippet(item.params.map((p) => ({ name: p.name.name })))})`, `fn ${item.name.name}`));
    else if (item.kind === 'var') out.push({ label: item.name.name, kind: CompletionItemKind.Variable, detail: `global ${item.declared?.name ?? ''}` });
    else if (item.kind === 'const') out.push({ label: item.name.name, kind: CompletionItemKind.Constant, detail: `const = ${String(item.value ?? '')}` });
    else if (item.kind === 'pvops') out.push({ label: item.name.name, kind: CompletionItemKind.Interface, detail: 'pvops table' });
  }
  for (const name of Object.keys(INTRINSICS)) {
    const sig = INTRINSICS[name];
    out.push(snippet(name, CompletionItemKind.Function, name === 'print' ? 'print(${1})' : `${name}(${argsSnippet(sig.params)})`, `intrinsic ${intrinsicSignature(name)}`, sig.doc));
  }
  for (const k of STATEMENT_KEYWORDS) out.push({ label: k, kind: CompletionItemKind.Keyword });
  for (const m of ['mem8', 'mem16', 'mem32']) out.push(snippet(m, CompletionItemKind.Variable, `${m}[\${1:address}]`, 'guest memory'));
  return out;
}

/**
 * Inside an `abi` block: its items (with a free hypercall number) between
 * declarations; in a handler or helper, what hypervisor code may use (its
 * locals, the block's globals and helpers, consts, hypervisor intrinsics).
 */
function abiBlockItems(abi: A.AbiItem, table: ItemTable, offset: number): CompletionItem[] {
  const fn = abiFunctionsOf(abi).find((f) => f.body.span.start < offset && offset <= f.body.span.end);
  if (!fn) {
    const free = freeHypercallNumber(table);
    return [
      snippet('hypercall', CompletionItemKind.Snippet, `hypercall \${1:name}(\${2:cmd: u32}) -> i32 = ${free} \${3|stable,dom0|} since \${4:4.2} cost \${5:10} {\n\t\${0:return 0;}\n}`, `extension hypercall #${free} (a free number)`),
      snippet('var', CompletionItemKind.Snippet, 'var ${1:name}: ${2:u32} = ${3:0};', 'hypervisor global: one per machine'),
      snippet('fn', CompletionItemKind.Snippet, 'fn ${1:name}(${2}) -> ${3:u32} {\n\t$0\n}', 'hypervisor helper'),
    ];
  }
  const out: CompletionItem[] = [];
  for (const l of localsBefore(fn, offset)) out.push({ label: l.name, kind: CompletionItemKind.Variable, detail: l.type });
  for (const v of abi.vars) out.push({ label: v.name.name, kind: CompletionItemKind.Variable, detail: `hypervisor global ${v.declared?.name ?? ''}` });
  for (const f of abi.fns) out.push(snippet(f.name.name, CompletionItemKind.Function, `${f.name.name}(${argsSnippet(f.params.map((p) => ({ name: p.name.name })))})`, `helper of abi ${abi.name.name}`));
  for (const item of table.values.values()) if (item.kind === 'const') out.push({ label: item.name.name, kind: CompletionItemKind.Constant, detail: `const = ${String(item.value ?? '')}` });
  for (const [name, sig] of Object.entries(HV_INTRINSICS)) out.push(snippet(name, CompletionItemKind.Function, `${name}(${argsSnippet(sig.params)})`, `hypervisor intrinsic · ${sig.cost} cycles`, sig.doc));
  out.push(snippet('print', CompletionItemKind.Function, 'print(${1})', 'to the hypervisor console'));
  for (const k of STATEMENT_KEYWORDS) if (k !== 'hypercall') out.push({ label: k, kind: CompletionItemKind.Keyword });
  return out;
}

function findFunction(parsed: ParsedFile, offset: number): A.FnItem | undefined {
  for (const item of parsed.ast.items) {
    if (item.kind === 'fn' && item.span.start <= offset && offset <= item.span.end) return item;
    if (item.kind === 'impl') for (const f of item.fns) if (f.span.start <= offset && offset <= f.span.end) return f;
  }
  return undefined;
}

/** The call around the cursor: its parameter list and which argument the cursor is in. */
export function signatureHelp(project: ProjectView, uri: string, position: Position): SignatureHelp | null {
  const parsed = project.parsed(uri);
  if (!parsed) return null;
  const offset = toOffset(parsed.source, position);
  const tokens = parsed.tokens;
  let depth = 0;
  let commas = 0;
  for (let i = tokenBefore(tokens, offset); i >= 0; i--) {
    const t = tokens[i];
    if (t.kind !== 'punct') continue;
    if (t.text === ')') depth++;
    else if (t.text === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const callee = tokens[i - 1];
      if (!callee || callee.kind !== 'ident') return null;
      const sig = signatureOf(project, parsed, tokens, i - 1);
      if (!sig) return null;
      return { signatures: [{ label: sig.label, parameters: sig.params.map((p) => ({ label: p })), ...(sig.doc ? { documentation: sig.doc } : {}) }], activeSignature: 0, activeParameter: Math.min(commas, Math.max(0, sig.params.length - 1)) };
    } else if (t.text === ',' && depth === 0) commas++;
    else if (t.text === ';' || t.text === '{' || t.text === '}') return null;
  }
  return null;
}

function signatureOf(project: ProjectView, parsed: ParsedFile, tokens: readonly Token[], calleeIndex: number): { label: string; params: string[]; doc?: string } | undefined {
  const name = tokens[calleeIndex].text;
  const before = tokens[calleeIndex - 1];
  if (before?.kind === 'keyword' && before.text === 'hypercall') {
    const h = builtinAbi().byName.get(name) ?? project.items(parsed.source.path).extensionHypercalls.get(name);
    return h ? { label: hypercallSignature(h), params: h.params.map((p) => `${p.name.name}: ${p.type.name}`), doc: h.doc } : undefined;
  }
  const table = project.items(parsed.source.path);
  if (before?.kind === 'punct' && before.text === '.' && tokens[calleeIndex - 2]?.kind === 'ident') {
    const group = table.values.get(tokens[calleeIndex - 2].text);
    const op = group?.kind === 'pvops' ? group.ops.find((o) => o.name.name === name) : undefined;
    return op ? { label: `${tokens[calleeIndex - 2].text}.${name}(${op.params.map((p) => `${p.name.name}: ${p.type.name}`).join(', ')})`, params: op.params.map((p) => `${p.name.name}: ${p.type.name}`) } : undefined;
  }
  const fn = table.values.get(name);
  if (fn?.kind === 'fn') return { label: `fn ${name}(${fn.params.map((p) => `${p.name.name}: ${p.type.name}`).join(', ')})${fn.ret ? ` -> ${fn.ret.name}` : ''}`, params: fn.params.map((p) => `${p.name.name}: ${p.type.name}`) };
  const intr = INTRINSICS[name];
  if (intr && name !== 'print') return { label: intrinsicSignature(name), params: intr.params.map((p) => `${p.name}: ${p.type}`), doc: intr.doc };
  return undefined;
}
