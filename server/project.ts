import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { builtinAbi, BUILTIN_ABI_FILE } from '../sandbox/lang/abi.js';
import type { PvopsItem } from '../sandbox/lang/ast.js';
import { analyze, type Analysis } from '../sandbox/lang/analysis.js';
import { diskHost, findPvkFiles } from '../sandbox/lang/fileHost.js';
import type { AbiLockInput } from '../sandbox/lang/lockDiagnostics.js';
import type { ItemTable } from '../sandbox/lang/items.js';
import { occurrences, type Occurrence } from '../sandbox/lang/occurrences.js';
import { Workspace, type FileHost, type ParsedFile } from '../sandbox/lang/program.js';
import { pathToUri, SHIPPED_ABI_PATH, uriToPath } from './paths.js';

/**
 * The server's view of the workspace: open documents over a cached disk, the
 * `.pvk` files of the workspace folders, and the analysis of all of them
 * (system context comes from every system in the folder).
 */
export class Project {
  private readonly open = new Map<string, TextDocument>();
  private readonly disk = new Map<string, string | undefined>();
  private readonly host: FileHost = {
    readFile: (file) => {
      const doc = this.open.get(file);
      if (doc) return doc.getText();
      if (file === SHIPPED_ABI_PATH) return builtinAbi().text;
      if (!this.disk.has(file)) this.disk.set(file, diskHost.readFile(file));
      return this.disk.get(file);
    },
  };
  readonly ws = new Workspace(this.host);
  private folderFiles: string[] = [];
  private current: Analysis | undefined;
  private readonly occurrenceCache = new Map<string, { parsed: ParsedFile; list: Occurrence[]; version: number }>();
  private version = 0;

  constructor(private folders: string[] = []) {
    this.rescan();
  }

  setFolders(folders: string[]): void {
    this.folders = folders;
    this.rescan();
  }

  /** Re-lists the `.pvk` files of the folders (files created or deleted). */
  rescan(): void {
    this.folderFiles = this.folders.flatMap((f) => findPvkFiles(f));
    this.disk.clear();
    this.invalidate();
  }

  /** A file changed on disk. */
  fileChanged(file: string): void {
    this.disk.delete(file);
    this.ws.forget(file);
    this.invalidate();
  }

  opened(doc: TextDocument): void {
    const file = uriToPath(doc.uri);
    if (file) this.open.set(file, doc);
    this.invalidate();
  }

  closed(uri: string): void {
    const file = uriToPath(uri);
    if (file) {
      this.open.delete(file);
      this.ws.forget(file);
    }
    this.invalidate();
  }

  changed(doc: TextDocument): void {
    this.opened(doc);
  }

  private invalidate(): void {
    this.current = undefined;
    this.version++;
  }

  /** Every file the analysis covers: the folder's, and open ones outside it. */
  roots(): string[] {
    const roots = [...this.folderFiles];
    const seen = new Set(roots);
    for (const f of this.open.keys()) if (!seen.has(f) && f !== SHIPPED_ABI_PATH) roots.push(f);
    return roots;
  }

  analysis(): Analysis {
    if (!this.current) this.current = analyze(this.ws, this.roots(), { abiLock: this.abiLock() });
    return this.current;
  }

  /** The first workspace folder's `abi.lock` (read through the disk cache, refreshed by file events). */
  private abiLock(): AbiLockInput | undefined {
    const folder = this.folders[0];
    if (!folder) return undefined;
    const file = path.join(folder, 'abi.lock');
    return { file, text: this.host.readFile(file) };
  }

  /** The parsed file for a URI (analysed, so its AST carries the checker's annotations). */
  parsed(uri: string): ParsedFile | undefined {
    const file = uriToPath(uri);
    if (!file) return undefined;
    if (file === SHIPPED_ABI_PATH) return this.ws.file(file);
    return this.file(file);
  }

  /** A file as the current analysis read it (reading it into the analysis' snapshot if it was not part of it). */
  file(path: string): ParsedFile | undefined {
    return this.analysis().snapshot.file(path);
  }

  /** The names visible from a file (its closure's name table, made once per analysis). */
  items(path: string): ItemTable {
    return this.analysis().snapshot.items(path);
  }

  /** Identifier occurrences of a file, resolved. */
  occurrencesOf(parsed: ParsedFile): Occurrence[] {
    const key = parsed.source.path;
    const cached = this.occurrenceCache.get(key);
    if (cached && cached.parsed === parsed && cached.version === this.version) return cached.list;
    const table = this.items(key);
    const pvops = (name: string): PvopsItem | undefined => {
      const item = table.values.get(name);
      return item?.kind === 'pvops' ? item : undefined;
    };
    const list = occurrences(parsed.ast, pvops);
    this.occurrenceCache.set(key, { parsed, list, version: this.version });
    return list;
  }

  /** All analysed files (for references, rename, workspace symbols). */
  files(): ParsedFile[] {
    const analysis = this.analysis();
    return analysis.files.map((f) => analysis.snapshot.file(f)).filter((f): f is ParsedFile => f !== undefined);
  }

  /** The shipped ABI table as a parsed file, addressed by its real path. */
  abiFile(): { uri: string; decls: ReturnType<typeof builtinAbi> } {
    return { uri: pathToUri(BUILTIN_ABI_FILE), decls: builtinAbi() };
  }
}
