import { DiagnosticSeverity, type Connection, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_CODES } from '../sandbox/lang/diagnostics.js';
import { toRange, toSeverity } from './convert.js';
import { pathToUri } from './paths.js';
import { MAX_ANALYSED_LENGTH, type Analysed } from './project.js';

/**
 * Publishes diagnostics for every analysed file, sending only what changed
 * since last time (for an open document: its diagnostics or its version). Called only with analyses of the newest texts (never a
 * superseded one); each open document's diagnostics carry the version they
 * were computed for.
 */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, string>();

  constructor(private readonly connection: Connection) {}

  publish({ view, versions, oversized }: Analysed): void {
    const analysis = view.analysis();
    const seen = new Set<string>();
    for (const file of analysis.files) {
      const uri = pathToUri(file);
      seen.add(uri);
      // The text that was checked: one line index per file, whatever the number of diagnostics.
      const source = analysis.snapshot.file(file)?.source;
      if (!source) continue;
      const length = oversized.get(file);
      const diagnostics: LspDiagnostic[] = length !== undefined ? [tooLarge(length)] : (analysis.diagnostics.get(file) ?? []).map((d) => ({
        range: toRange(source, d.span),
        severity: toSeverity(d.severity),
        code: d.code,
        source: 'pvlab',
        message: d.message,
        codeDescription: undefined,
        data: { title: DIAGNOSTIC_CODES[d.code].title },
      }));
      const version = versions.get(file);
      // An open document's diagnostics go out again for each new version it is analysed at.
      const key = `${version ?? ''}:${JSON.stringify(diagnostics)}`;
      if (this.published.get(uri) === key) continue;
      this.published.set(uri, key);
      void this.connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics });
    }
    for (const uri of [...this.published.keys()]) {
      if (seen.has(uri)) continue;
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }
}

const mebi = (n: number): string => `${(n / (1 << 20)).toFixed(1)} Mi`;

/** The one diagnostic of a file left out of the analysis for its size. */
function tooLarge(length: number): LspDiagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    source: 'pvlab',
    message: `pvlab: this file is not checked in the editor: it has ${mebi(length)} characters, and the language server analyses files of up to ${mebi(MAX_ANALYSED_LENGTH)} (no diagnostics, hovers or navigation here; other files see it as empty). Run \`pvlab check\` on it for its diagnostics.`,
  };
}
