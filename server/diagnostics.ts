import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_CODES } from '../sandbox/lang/diagnostics.js';
import { toRange, toSeverity } from './convert.js';
import { pathToUri } from './paths.js';
import type { Project } from './project.js';

/** Publishes diagnostics for every analysed file, sending only what changed since last time. */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly project: Project,
    private readonly delayMs = 5,
  ) {}

  /** Debounced: edits arriving within the delay are checked once. */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publishNow();
    }, this.delayMs);
  }

  publishNow(): void {
    const analysis = this.project.analysis();
    const seen = new Set<string>();
    for (const file of analysis.files) {
      const uri = pathToUri(file);
      seen.add(uri);
      const source = this.project.ws.file(file)?.source;
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
