import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_CODES } from '../sandbox/lang/diagnostics.js';
import { toRange, toSeverity } from './convert.js';
import { pathToUri } from './paths.js';
import type { Project } from './project.js';

/** Publishes diagnostics for every analysed file, sending only what changed since last time. */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, string>();
  private scheduled = false;

  constructor(
    private readonly connection: Connection,
    private readonly project: Project,
  ) {}

  /**
   * Checks once after the messages that have already arrived are handled:
   * a burst of edits read together (multi-cursor, paste, undo of many) is
   * checked once, and a single keystroke's diagnostics wait for nothing.
   */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.publishNow();
    });
  }

  publishNow(): void {
    const analysis = this.project.analysis();
    const seen = new Set<string>();
    for (const file of analysis.files) {
      const uri = pathToUri(file);
      seen.add(uri);
      const source = this.project.file(file)?.source;
      if (!source) continue;
      const diagnostics: LspDiagnostic[] = (analysis.diagnostics.get(file) ?? []).map((d) => ({
        range: toRange(source, d.span),
        severity: toSeverity(d.severity),
        code: d.code,
        source: 'pvlab',
        message: d.message,
        codeDescription: undefined,
        data: { title: DIAGNOSTIC_CODES[d.code].title },
      }));
      const key = JSON.stringify(diagnostics);
      if (this.published.get(uri) === key) continue;
      this.published.set(uri, key);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
    for (const uri of [...this.published.keys()]) {
      if (seen.has(uri)) continue;
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }
}
