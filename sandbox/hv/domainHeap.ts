/**
 * A binary min-heap of domids ordered by (vtime, head, domid), with both
 * keys kept here in typed arrays (set with `key` before the domain is
 * pushed or updated): every comparison reads numbers only. `head` is the
 * last run of the domain's first queued vCPU (see RunQueue).
 */
export class DomainHeap {
  private readonly items: Int32Array;
  /** Domid → position in `items`, or -1. */
  private readonly position: Int32Array;
  private readonly vtime: Float64Array;
  private readonly head: Float64Array;
  size = 0;

  constructor(domids: number) {
    this.items = new Int32Array(domids);
    this.position = new Int32Array(domids).fill(-1);
    this.vtime = new Float64Array(domids);
    this.head = new Float64Array(domids);
  }

  /** The domid at position i (0: the least). */
  at(i: number): number {
    return this.items[i];
  }

  has(d: number): boolean {
    return this.position[d] >= 0;
  }

  key(d: number, vtime: number, head: number): void {
    this.vtime[d] = vtime;
    this.head[d] = head;
  }

  push(d: number): void {
    const i = this.size++;
    this.items[i] = d;
    this.position[d] = i;
    this.up(i);
  }

  remove(d: number): void {
    const i = this.position[d];
    if (i < 0) return;
    this.position[d] = -1;
    const last = this.items[--this.size];
    if (i === this.size) return;
    this.items[i] = last;
    this.position[last] = i;
    this.down(this.up(i));
  }

  /** Its keys changed: back in place. */
  update(d: number): void {
    const i = this.position[d];
    if (i >= 0) this.down(this.up(i));
  }

  private before(a: number, b: number): boolean {
    const va = this.vtime[a];
    const vb = this.vtime[b];
    if (va !== vb) return va < vb;
    const ha = this.head[a];
    const hb = this.head[b];
    return ha < hb || (ha === hb && a < b);
  }

  private up(i: number): number {
    const items = this.items;
    const d = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!this.before(d, p)) break;
      items[i] = p;
      this.position[p] = i;
      i = parent;
    }
    items[i] = d;
    this.position[d] = i;
    return i;
  }

  /**
   * Sifts the item at i down, as Floyd's heapsort does: the hole goes to a
   * leaf along the lesser children (one comparison a level), then the item
   * climbs back (a domain that ran usually belongs near the bottom). Any
   * valid heap will do: only the order of the keys is ever read.
   */
  private down(i: number): void {
    const items = this.items;
    const position = this.position;
    const n = this.size;
    const d = items[i];
    let k = i;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(items[r], items[l]) ? r : l;
      const m = items[c];
      items[k] = m;
      position[m] = k;
      k = c;
    }
    while (k > i) {
      const parent = (k - 1) >> 1;
      const p = items[parent];
      if (!this.before(d, p)) break;
      items[k] = p;
      position[p] = k;
      k = parent;
    }
    items[k] = d;
    position[d] = k;
  }
}
