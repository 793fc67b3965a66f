/**
 * The numbers 0..size-1, each free or in use, handing out the lowest free one
 * first: a bitmap with a word index below which nothing is free, so that
 * taking and releasing cost at most size/32 word tests, never a scan of
 * everything in use.
 */
export class LowestFree {
  private readonly words: Uint32Array;
  /** No free number lies in a word below this one. */
  private low = 0;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** The lowest free number, now in use; -1 when every one is. */
  take(): number {
    for (let w = this.low; w < this.words.length; w++) {
      const bits = this.words[w];
      if (bits === 0xffffffff) continue;
      const bit = 31 - Math.clz32(~bits & (bits + 1));
      const n = w * 32 + bit;
      if (n >= this.size) break;
      this.words[w] = bits | (1 << bit);
      this.low = w;
      return n;
    }
    this.low = this.words.length;
    return -1;
  }

  release(n: number): void {
    const w = n >>> 5;
    this.words[w] &= ~(1 << (n & 31));
    if (w < this.low) this.low = w;
  }

  /** Every number free again. */
  clear(): void {
    this.words.fill(0);
    this.low = 0;
  }
}
