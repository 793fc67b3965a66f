/**
 * A binary min-heap of items that each have a fixed slot number below
 * `capacity` (so that any item can be found, moved or removed in O(log n)
 * without a map), ordered by `before`, which must be a strict total order
 * on the items held. When an item's key changes, `update` puts it back in
 * place. Nothing is allocated after construction.
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];
  /** Slot → position in `items`, or -1. */
  private readonly position: Int32Array;
  /** first(): the frontier of positions still to visit, itself a heap. */
  private readonly frontier: Int32Array;

  constructor(
    capacity: number,
    private readonly slot: (item: T) => number,
    private readonly before: (a: T, b: T) => boolean,
  ) {
    this.position = new Int32Array(capacity).fill(-1);
    this.frontier = new Int32Array(capacity);
  }

  get size(): number {
    return this.items.length;
  }

  /** The item at position i (0 is the least); for scans in no particular order. */
  at(i: number): T {
    return this.items[i];
  }

  has(item: T): boolean {
    return this.position[this.slot(item)] >= 0;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const i = this.items.length;
    this.items.push(item);
    this.position[this.slot(item)] = i;
    this.up(i);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const s = this.slot(item);
    const i = this.position[s];
    if (i < 0) return;
    this.position[s] = -1;
    const last = this.items.pop() as T;
    if (i === this.items.length) return;
    this.items[i] = last;
    this.position[this.slot(last)] = i;
    this.down(this.up(i));
  }

  /** The item's key changed (either way): move it to its place. */
  update(item: T): void {
    const i = this.position[this.slot(item)];
    if (i >= 0) this.down(this.up(i));
  }

  /**
   * The least item that `accept` takes, visiting items least first and
   * stopping at the first taken (the heap is not changed): O(k log k) for k
   * items passed over.
   */
  first(accept: (item: T) => boolean): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const f = this.frontier;
    f[0] = 0;
    let n = 1;
    while (n > 0) {
      const i = f[0];
      // Take the least frontier position out (the frontier is a heap of positions).
      f[0] = f[--n];
      this.siftFrontier(n);
      const item = items[i];
      if (accept(item)) return item;
      const l = 2 * i + 1;
      if (l < items.length) {
        f[n] = l;
        this.raiseFrontier(n++);
        if (l + 1 < items.length) {
          f[n] = l + 1;
          this.raiseFrontier(n++);
        }
      }
    }
    return undefined;
  }

  private up(i: number): number {
    const items = this.items;
    const item = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!this.before(item, p)) break;
      items[i] = p;
      this.position[this.slot(p)] = i;
      i = parent;
    }
    items[i] = item;
    this.position[this.slot(item)] = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(items[r], items[l]) ? r : l;
      if (!this.before(items[c], item)) break;
      items[i] = items[c];
      this.position[this.slot(items[i])] = i;
      i = c;
    }
    items[i] = item;
    this.position[this.slot(item)] = i;
  }

  private raiseFrontier(k: number): void {
    const f = this.frontier;
    const items = this.items;
    const v = f[k];
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.before(items[v], items[f[parent]])) break;
      f[k] = f[parent];
      k = parent;
    }
    f[k] = v;
  }

  private siftFrontier(n: number): void {
    const f = this.frontier;
    const items = this.items;
    if (n === 0) return;
    const v = f[0];
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(items[f[r]], items[f[l]]) ? r : l;
      if (!this.before(items[f[c]], items[v])) break;
      f[k] = f[c];
      k = c;
    }
    f[k] = v;
  }
}
