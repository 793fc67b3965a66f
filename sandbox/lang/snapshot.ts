import type { Diagnostic } from './diagnostics.js';
import { buildItemTable, type ItemTable } from './items.js';
import type { FileSnapshot, ParsedFile, Workspace } from './program.js';

/**
 * The files one piece of work sees: an analysis, and what follows it (boot,
 * lowering, the debugger, a language feature). Each file is read from the
 * host once, each import closure and each name table is made once; later
 * stages take them from here instead of reading again.
 */
export class Snapshot {
  /** Path → parsed file, or undefined when unreadable, for every file read. */
  readonly files: FileSnapshot = new Map();
  private readonly closures = new Map<string, ParsedFile[]>();
  private readonly tables = new Map<string, ItemTable>();

  constructor(private readonly ws: Workspace) {}

  /** The parsed file, read on first use; undefined when it cannot be read. */
  file(path: string): ParsedFile | undefined {
    return this.ws.snapshotFile(path, this.files);
  }

  /** The file followed by everything it imports, transitively (see Workspace.closure). */
  closure(root: string): ParsedFile[] {
    let closure = this.closures.get(root);
    if (closure === undefined) {
      closure = this.ws.closure(root, this.files);
      this.closures.set(root, closure);
    }
    return closure;
  }

  /** The top-level names visible from a file: its own items and its imports'. */
  items(root: string): ItemTable {
    let table = this.tables.get(root);
    if (table === undefined) {
      table = buildItemTable(this.closure(root));
      this.tables.set(root, table);
    }
    return table;
  }

  /** PVK013 for each import of the file that could not be read. */
  importDiagnostics(parsed: ParsedFile): Diagnostic[] {
    return this.ws.importDiagnostics(parsed, this.files);
  }
}
