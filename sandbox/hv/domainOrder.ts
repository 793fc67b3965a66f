/**
 * Domids in ascending (vtime, head, domid) order, with both keys kept here
 * in typed arrays (set with `key` before the domain is pushed or updated):
 * every comparison reads numbers only. `head` is the last run of the
 * domain's first queued vCPU (see RunQueue).
 *
 * A sorted ring rather than a heap: a domain that ran usually goes from
 * the front to the back (its vtime grew past the others'), which here is
 * one comparison and no move, where a heap sifts through every level. Any
 * other change is a binary search and a shift of the domains between the
 * two places, on the shorter side: at most SYSTEM_LIMITS.domains (64).
 */
export class DomainOrder {
  /** The order, from logical position 0 at `start` on, wrapping around. */
  private readonly ring: Int32Array;
  private readonly mask: number;
  private start = 0;
  /** Domid → its slot in `ring`, or -1. */
  private readonly slot: Int32Array;
  private readonly vtime: Float64Array;
  private readonly head: Float64Array;
  size = 0;

  constructor(domids: number) {
    let capacity = 1;
    while (capacity < domids) capacity *= 2;
    this.ring = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.slot = new Int32Array(domids).fill(-1);
    this.vtime = new Float64Array(domids);
    this.head = new Float64Array(domids);
  }

  /** The domid at position i (0: the least). */
  at(i: number): number {
    return this.ring[(this.start + i) & this.mask];
  }

  has(d: number): boolean {
    return this.slot[d] >= 0;
  }

  key(d: number, vtime: number, head: number): void {
    this.vtime[d] = vtime;
    this.head[d] = head;
  }

  push(d: number): void {
    const n = this.size;
    // Past the last one (a domain that ran, round-robin): appended.
    if (n === 0 || this.before(this.at(n - 1), d)) {
      this.put(n, d);
      this.size = n + 1;
      return;
    }
    // The first position whose domain comes after d (the last one does).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before(d, this.at(mid))) hi = mid;
      else lo = mid + 1;
    }
    if (lo < n - lo) {
      // The ones before it move down one, into the slot before the start.
      this.start = (this.start - 1) & this.mask;
      for (let k = 0; k < lo; k++) this.put(k, this.at(k + 1));
    } else for (let k = n; k > lo; k--) this.put(k, this.at(k - 1));
    this.put(lo, d);
    this.size = n + 1;
  }

  remove(d: number): void {
    const s = this.slot[d];
    if (s < 0) return;
    this.slot[d] = -1;
    const i = (s - this.start) & this.mask;
    const n = this.size - 1;
    if (i < n - i) {
      // The ones before it move up one; the start moves past the first slot.
      for (let k = i; k > 0; k--) this.put(k, this.at(k - 1));
      this.start = (this.start + 1) & this.mask;
    } else for (let k = i; k < n; k++) this.put(k, this.at(k + 1));
    this.size = n;
  }

  /** Its keys changed: back in place. */
  update(d: number): void {
    if (this.slot[d] < 0) return;
    this.remove(d);
    this.push(d);
  }

  /** Domain d at position i. */
  private put(i: number, d: number): void {
    const s = (this.start + i) & this.mask;
    this.ring[s] = d;
    this.slot[d] = s;
  }

  private before(a: number, b: number): boolean {
    const va = this.vtime[a];
    const vb = this.vtime[b];
    if (va !== vb) return va < vb;
    const ha = this.head[a];
    const hb = this.head[b];
    return ha < hb || (ha === hb && a < b);
  }
}
