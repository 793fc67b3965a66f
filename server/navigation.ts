import type { DocumentSymbol, Location, Position, Range, SymbolInformation, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { SymbolKind } from 'vscode-languageserver';
import { KEYWORDS } from '../sandbox/lang/lexer.js';
import { declNameSpan, denotes, occurrenceAt, type Decl, type Occurrence } from '../sandbox/lang/occurrences.js';
import type { ParsedFile } from '../sandbox/lang/program.js';
import type { Span } from '../sandbox/lang/source.js';
import { isIntrinsic } from '../sandbox/lang/intrinsics.js';
import { isHvIntrinsic } from '../sandbox/lang/hvIntrinsics.js';
import { BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';
import { toOffset, toRange } from './convert.js';
import { pathToUri } from './paths.js';
import type { ProjectView } from './view.js';

/** The identifier occurrence under the cursor, resolved. */
export function occurrenceUnder(project: ProjectView, uri: string, position: Position): { parsed: ParsedFile; occ: Occurrence } | undefined {
  const parsed = project.parsed(uri);
  if (!parsed) return undefined;
  const occ = occurrenceAt(project.occurrencesOf(parsed), toOffset(parsed.source, position));
  return occ ? { parsed, occ } : undefined;
}

/** The file a declaration lives in (hypercalls: the shipped ABI table). */
function declFile(d: Decl): string {
  if (!('kind' in d)) return d.file;
  if (d.kind === 'domain') return d.system.file;
  if (d.kind === 'let' || d.kind === 'param' || d.kind === 'for' || d.kind === 'pvop-sig') return '';
  return d.file;
}

/** A span of a file as an LSP location (undefined when the file cannot be read). */
export function locationIn(project: ProjectView, file: string, span: Span): Location | undefined {
  const source = project.file(file)?.source;
  return source ? { uri: pathToUri(file), range: toRange(source, span) } : undefined;
}

function locationOf(project: ProjectView, d: Decl, home: ParsedFile): Location | undefined {
  return locationIn(project, declFile(d) || home.source.path, declNameSpan(d));
}

/** Where the declaration of a local, parameter or op lives: find it among the analysed files. */
function fileDeclaring(project: ProjectView, d: Decl, hint: ParsedFile): ParsedFile {
  if (declFile(d)) return hint;
  for (const f of [hint, ...project.files()]) if (project.occurrencesOf(f).some((o) => o.role === 'definition' && o.decl === d)) return f;
  return hint;
}

export function definition(project: ProjectView, uri: string, position: Position): Location | null {
  const found = occurrenceUnder(project, uri, position);
  const d = found?.occ.implOf ?? found?.occ.decl;
  if (!found || !d) return null;
  const home = fileDeclaring(project, d, found.parsed);
  if (!('kind' in d) && d.file === BUILTIN_ABI_FILE) {
    const abi = project.parsed(project.abiFile().uri);
    return abi ? { uri: project.abiFile().uri, range: toRange(abi.source, declNameSpan(d)) } : null;
  }
  // An extension hypercall leads to its declaration with the handler, in the file of its abi block.
  return locationOf(project, d, home) ?? null;
}

/** Every occurrence of the declaration under the cursor, across the analysed files. */
export function references(project: ProjectView, uri: string, position: Position, includeDeclaration: boolean): Location[] {
  const found = occurrenceUnder(project, uri, position);
  const d = found?.occ.implOf ?? found?.occ.decl;
  if (!found || !d) return [];
  const out: Location[] = [];
  if (!('kind' in d) && d.file === BUILTIN_ABI_FILE && includeDeclaration) {
    const abi = project.parsed(project.abiFile().uri);
    if (abi) out.push({ uri: project.abiFile().uri, range: toRange(abi.source, declNameSpan(d)) });
  }
  for (const f of project.files()) {
    for (const o of project.occurrencesOf(f)) {
      if (!denotes(o, d)) continue;
      if (!includeDeclaration && o.role === 'definition' && o.decl === d) continue;
      out.push({ uri: pathToUri(f.source.path), range: toRange(f.source, o.span) });
    }
  }
  return out;
}

/** Everything declared in user files; of hypercalls, only extensions (the built-in table is the hypervisor's). */
function renamable(occ: Occurrence): boolean {
  const d = occ.implOf ?? occ.decl;
  return d !== undefined && ('kind' in d || d.table !== 'xen');
}

export function prepareRename(project: ProjectView, uri: string, position: Position): { range: Range; placeholder: string } | null {
  const found = occurrenceUnder(project, uri, position);
  if (!found || !renamable(found.occ)) return null;
  return { range: toRange(found.parsed.source, found.occ.span), placeholder: found.occ.name };
}

export class RenameError extends Error {}

export function rename(project: ProjectView, uri: string, position: Position, newName: string): WorkspaceEdit | null {
  const found = occurrenceUnder(project, uri, position);
  if (!found || !renamable(found.occ)) return null;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new RenameError(`'${newName}' is not a pvk identifier`);
  if ((KEYWORDS as readonly string[]).includes(newName)) throw new RenameError(`'${newName}' is a reserved keyword`);
  if (isIntrinsic(newName) || isHvIntrinsic(newName)) throw new RenameError(`'${newName}' is an intrinsic`);
  const d = (found.occ.implOf ?? found.occ.decl) as Decl;
  const changes: Record<string, TextEdit[]> = {};
  for (const f of project.files()) {
    for (const o of project.occurrencesOf(f)) {
      if (!denotes(o, d)) continue;
      const key = pathToUri(f.source.path);
      (changes[key] ??= []).push({ range: toRange(f.source, o.span), newText: newName });
    }
  }
  return { changes };
}

export function documentSymbols(project: ProjectView, uri: string): DocumentSymbol[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const s = parsed.source;
  const sym = (name: string, kind: SymbolKind, span: { start: number; end: number }, sel: { start: number; end: number }, children: DocumentSymbol[] = [], detail?: string): DocumentSymbol => ({
    name: name || '?',
    kind,
    range: toRange(s, span),
    selectionRange: toRange(s, sel),
    children,
    ...(detail ? { detail } : {}),
  });
  const out: DocumentSymbol[] = [];
  for (const item of parsed.ast.items) {
    switch (item.kind) {
      case 'fn':
        out.push(sym(item.name.name, SymbolKind.Function, item.span, item.name.span, [], item.ret ? `-> ${item.ret.name}` : undefined));
        break;
      case 'var':
        out.push(sym(item.name.name, SymbolKind.Variable, item.span, item.name.span, [], item.declared?.name));
        break;
      case 'const':
        out.push(sym(item.name.name, SymbolKind.Constant, item.span, item.name.span));
        break;
      case 'pvops':
        out.push(sym(item.name.name, SymbolKind.Interface, item.span, item.name.span, item.ops.map((o) => sym(o.name.name, SymbolKind.Method, o.span, o.name.span))));
        break;
      case 'impl':
        out.push(sym(`impl ${item.group.name} for ${item.platform.name}`, SymbolKind.Class, item.span, item.group.span, item.fns.map((f) => sym(f.name.name, SymbolKind.Method, f.span, f.name.span))));
        break;
      case 'system':
        out.push(sym(item.name.name, SymbolKind.Module, item.span, item.name.span, item.domains.map((d) => sym(d.name.name, SymbolKind.Object, d.span, d.name.span)), 'system'));
        break;
      case 'abi':
        out.push(
          sym(item.name.name, SymbolKind.Namespace, item.span, item.name.span, [
            ...item.vars.map((v) => sym(v.name.name, SymbolKind.Variable, v.span, v.name.span, [], v.declared?.name)),
            ...item.fns.map((f) => sym(f.name.name, SymbolKind.Function, f.span, f.name.span, [], f.ret ? `-> ${f.ret.name}` : undefined)),
            ...item.hypercalls.map((h) => sym(h.name.name, SymbolKind.Function, h.span, h.name.span, [], `#${h.number}`)),
          ]),
        );
        break;
      default:
        break;
    }
  }
  return out;
}

export function workspaceSymbols(project: ProjectView, query: string): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const f of project.files()) {
    const uri = pathToUri(f.source.path);
    const flat = (list: DocumentSymbol[], container?: string): void => {
      for (const d of list) {
        if (d.name.toLowerCase().includes(q)) out.push({ name: d.name, kind: d.kind, location: { uri, range: d.range }, ...(container ? { containerName: container } : {}) });
        if (d.children) flat(d.children, d.name);
      }
    };
    flat(documentSymbols(project, uri));
  }
  return out.slice(0, 500);
}
