/**
 * A short, stable fingerprint of a source text (32-bit FNV-1a over UTF-16
 * code units, 8 hex digits): a profile records it per file so that the
 * editor can tell whether the code it shows is the code that was profiled.
 */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
