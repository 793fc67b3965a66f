import { StreamMessageReader, type DataCallback, type Disposable, type Message } from 'vscode-languageserver/node';

interface DidChange {
  jsonrpc: string;
  method: 'textDocument/didChange';
  params: { textDocument: { uri: string; version: number }; contentChanges: unknown[] };
}

function isDidChange(m: Message): m is Message & DidChange {
  const { method, params } = m as { method?: unknown; params?: { textDocument?: { uri?: unknown }; contentChanges?: unknown } };
  return method === 'textDocument/didChange' && typeof params?.textDocument?.uri === 'string' && Array.isArray(params.contentChanges);
}

/**
 * Reads LSP messages from a stream and merges each run of `didChange`
 * notifications for one document that arrive together into one (their
 * changes in order, the last version): the changes apply exactly as they
 * would one by one, but a burst of 200 keystrokes read at once costs the
 * message loop one dispatch instead of 200, and a request sent after the
 * burst is reached that much sooner. Every other message passes unchanged
 * and in order.
 */
export class CoalescingReader extends StreamMessageReader {
  constructor(
    readable: NodeJS.ReadableStream,
    /** Called for every message read, before any merging (the background analysis tells bursts by it). */
    private readonly onRead: () => void = () => undefined,
  ) {
    super(readable);
  }

  override listen(callback: DataCallback): Disposable {
    let pending: DidChange | undefined;
    const flush = (): void => {
      if (!pending) return;
      const message = pending;
      pending = undefined;
      callback(message as unknown as Message);
    };
    return super.listen((message: Message) => {
      this.onRead();
      if (isDidChange(message)) {
        if (pending && pending.params.textDocument.uri === message.params.textDocument.uri) {
          for (const change of message.params.contentChanges) pending.params.contentChanges.push(change);
          pending.params.textDocument.version = message.params.textDocument.version;
          return;
        }
        flush();
        pending = message;
        // The messages of one read are delivered before the next turn of the loop: flush after them.
        setImmediate(flush);
        return;
      }
      flush();
      callback(message);
    });
  }
}
