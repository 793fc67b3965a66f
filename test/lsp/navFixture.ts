/**
 * The navigation fixture (test/fixtures/lsp/nav), copied to a temp dir and
 * served by a real server: `pvops mmu` in mmu.pvk with its impls in
 * mmu_native.pvk and mmu_xen.pvk, `pvops cpu` with both impls in cpu.pvk,
 * the guest calling both, lib.pvk shared with dom0, and system.pvk booting
 * the guest as pv (web) and hvm (db) in system host and native (solo) in
 * system metal.
 */
import * as path from 'node:path';
import type { Position } from 'vscode-languageserver';
import { copyFixture, LspClient, pos, read, removeDir, uri } from './helpers';

export class NavFixture {
  readonly client = new LspClient();
  readonly dir = copyFixture('nav');
  private readonly texts = new Map<string, string>();

  /** Starts the server on the copy and opens `open` (file names). */
  async start(open: readonly string[]): Promise<void> {
    await this.client.start(this.dir);
    for (const name of open) this.client.open(this.file(name), this.text(name));
    await this.client.diagnosticsFor(this.file(open[0]));
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  uri(name: string): string {
    return uri(this.file(name));
  }

  /** The file's text as the test last set it (initially as on disk). */
  text(name: string): string {
    let t = this.texts.get(name);
    if (t === undefined) {
      t = read(this.file(name));
      this.texts.set(name, t);
    }
    return t;
  }

  setText(name: string, text: string): void {
    this.texts.set(name, text);
  }

  /** Text-document position params at the `occurrence`-th `needle` in a file, `delta` characters in. */
  at(name: string, needle: string, delta = 0, occurrence = 0): { textDocument: { uri: string }; position: Position } {
    return { textDocument: { uri: this.uri(name) }, position: pos(this.text(name), needle, delta, occurrence) };
  }

  async stop(): Promise<void> {
    await this.client.stop();
    removeDir(this.dir);
  }
}
