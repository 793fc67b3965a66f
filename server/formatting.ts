import type { TextEdit } from 'vscode-languageserver';
import { formatPvk } from '../sandbox/lang/format.js';
import type { ProjectView } from './view.js';

/** The whole document, formatted; no edit when nothing changes or the text does not parse. */
export function formatDocument(project: ProjectView, uri: string, tabSize: number): TextEdit[] {
  const parsed = project.parsed(uri);
  if (!parsed) return [];
  const text = parsed.source.text;
  const crlf = text.includes('\r\n');
  const plain = formatPvk(text, { indent: tabSize });
  // The formatter writes \n; a file written with CRLF keeps CRLF.
  const formatted = crlf ? plain.replace(/\r?\n/g, '\r\n') : plain;
  if (formatted === text) return [];
  const end = parsed.source.position(text.length);
  return [{ range: { start: { line: 0, character: 0 }, end: { line: end.line - 1, character: end.column - 1 } }, newText: formatted }];
}
