/** Most characters a domain's console keeps (1 Mi); what a domain writes past it is dropped. */
export const CONSOLE_LIMIT = 1 << 20;

/** Appended once, when a domain first writes past CONSOLE_LIMIT (then the text never changes again). */
export const CONSOLE_TRUNCATED = `\n[pvlab: console truncated: a domain's console keeps at most ${CONSOLE_LIMIT} characters]\n`;

/** Bytes turned into characters per String.fromCharCode call (an argument list has a host limit). */
const DECODE_CHUNK = 4096;

/**
 * A domain's console (print, port 0x3f8, console_io): text appended in
 * order, bounded by CONSOLE_LIMIT so that a guest cannot grow host memory
 * or a host string past what the host can hold. The text only ever grows at
 * the end, so a reader may stream it by length.
 */
export class DomainConsole {
  private parts: string[] = [];
  private length = 0;
  /** Characters written past the limit and dropped. */
  dropped = 0;

  write(text: string): void {
    if (this.dropped === 0 && this.length + text.length <= CONSOLE_LIMIT) {
      this.parts.push(text);
      this.length += text.length;
      return;
    }
    this.overflow(text);
  }

  /** Writes bytes as characters 0–255, decoding only what fits. */
  writeBytes(bytes: Uint8Array): void {
    const room = this.dropped === 0 ? CONSOLE_LIMIT - this.length : 0;
    const kept = Math.min(bytes.length, room);
    for (let i = 0; i < kept; i += DECODE_CHUNK) {
      const chunk = bytes.subarray(i, Math.min(kept, i + DECODE_CHUNK));
      // apply takes any array-like; a Uint8Array of at most DECODE_CHUNK bytes is a safe argument list.
      this.write(String.fromCharCode.apply(null, chunk as unknown as number[]));
    }
    if (bytes.length > kept) this.drop(bytes.length - kept);
  }

  private overflow(text: string): void {
    const room = this.dropped === 0 ? CONSOLE_LIMIT - this.length : 0;
    if (room > 0) {
      // Do not split a surrogate pair at the cut.
      const cut = isHighSurrogate(text.charCodeAt(room - 1)) ? room - 1 : room;
      this.parts.push(text.slice(0, cut));
      this.length += cut;
      this.drop(text.length - cut);
    } else this.drop(text.length);
  }

  private drop(count: number): void {
    if (count <= 0) return;
    if (this.dropped === 0) this.parts.push(CONSOLE_TRUNCATED);
    this.dropped += count;
  }

  /** Everything written (up to the limit), then the truncation note if anything was dropped. */
  get text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0] ?? '';
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
