/**
 * Typing, as VS Code sends it to a server with incremental sync: one
 * `textDocument/didChange` per keystroke, each inserting one character, and
 * a burst of them framed for a single write (so the server reads the whole
 * burst at once, as it does when keystrokes arrive faster than it handles them).
 */

export interface Notification {
  method: string;
  params: unknown;
}

/** The didChange notifications that type `text` at `line`:`character`, versions `firstVersion`, `firstVersion + 1`, …. */
export function typing(uri: string, firstVersion: number, line: number, character: number, text: string): Notification[] {
  return [...text].map((ch, i) => {
    const at = { line, character: character + i };
    return { method: 'textDocument/didChange', params: { textDocument: { uri, version: firstVersion + i }, contentChanges: [{ range: { start: at, end: at }, text: ch }] } };
  });
}

/** JSON-RPC notifications with their Content-Length headers, as one buffer. */
export function frame(messages: readonly Notification[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: m.method, params: m.params }), 'utf8');
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    }),
  );
}
