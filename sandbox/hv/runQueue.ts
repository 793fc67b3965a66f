import { DomainOrder } from './domainOrder.js';
import { IndexedHeap } from './heap.js';
import { runsBefore } from './scheduler.js';
import type { Domain, Vcpu } from '../machine/state.js';

/** Within a domain: the vCPU that ran least recently first, then vCPU id. */
const ranBefore = (v: Vcpu, w: Vcpu): boolean => v.lastRan < w.lastRan || (v.lastRan === w.lastRan && v.id < w.id);

/**
 * The runnable vCPUs of running domains, in the order the scheduler picks
 * them (`runsBefore`: domain vtime, last run, domid, vCPU id), in two
 * levels: each domain's queued vCPUs in a heap by last run, and the domains
 * that have any in order of (vtime, their first vCPU's last run, domid)
 * (DomainOrder). A vCPU's run changes one key at each level (its last run,
 * its domain's vtime), so keeping the order costs O(log k) for the vCPUs
 * and, for the domains, nothing when the domain goes from the front to the
 * back (round-robin), else a binary search and a shift of at most 64.
 * `first` walks the vCPUs in pick order without changing anything.
 */
export class RunQueue {
  /** By domid: the domain's queued vCPUs. */
  private readonly vcpus: IndexedHeap<Vcpu>[] = [];
  /** The domids of domains with queued vCPUs. */
  private readonly domains: DomainOrder;
  /** first(): the frontier, as (position in `domains`, position in that domain's heap) pairs, itself a heap. */
  private readonly frontierDomain: Int32Array;
  private readonly frontierVcpu: Int32Array;
  size = 0;

  constructor(all: readonly Domain[]) {
    let slots = 0;
    let domids = 0;
    for (const d of all) {
      this.vcpus[d.id] = new IndexedHeap<Vcpu>(d.vcpus.length, (v) => v.id, ranBefore);
      slots += d.vcpus.length;
      domids = Math.max(domids, d.id + 1);
    }
    // Ordered as runsBefore orders the domains' first vCPUs (domids differ, so vCPU ids never decide).
    this.domains = new DomainOrder(domids);
    this.frontierDomain = new Int32Array(slots + 1);
    this.frontierVcpu = new Int32Array(slots + 1);
  }

  /** The domain's queue changed at its front, or its vtime changed: its place among the domains. */
  private replace(d: Domain, heap: IndexedHeap<Vcpu>): void {
    if (heap.size === 0) {
      this.domains.remove(d.id);
      return;
    }
    this.domains.key(d.id, d.vtime, (heap.peek() as Vcpu).lastRan);
    if (this.domains.has(d.id)) this.domains.update(d.id);
    else this.domains.push(d.id);
  }

  has(v: Vcpu): boolean {
    return this.vcpus[v.domain.id].has(v);
  }

  add(v: Vcpu): void {
    const d = v.domain;
    const heap = this.vcpus[d.id];
    if (heap.has(v)) return;
    heap.push(v);
    this.size++;
    this.replace(d, heap);
  }

  remove(v: Vcpu): void {
    const d = v.domain;
    const heap = this.vcpus[d.id];
    if (!heap.has(v)) return;
    heap.remove(v);
    this.size--;
    this.replace(d, heap);
  }

  /** v's last run and its domain's vtime changed (v queued or not): put both back in order. */
  ran(v: Vcpu): void {
    const d = v.domain;
    const heap = this.vcpus[d.id];
    heap.update(v);
    this.replace(d, heap);
  }

  /** Every queued vCPU, in no particular order. */
  forEach(visit: (v: Vcpu) => void): void {
    for (let i = 0; i < this.domains.size; i++) {
      const heap = this.vcpus[this.domains.at(i)];
      for (let j = 0; j < heap.size; j++) visit(heap.at(j));
    }
  }

  /**
   * The first queued vCPU in pick order that `accept` takes: a best-first
   * walk of the two levels (a vCPU's successors are its children in its
   * domain's heap and, for a domain's first vCPU, the first vCPU of the
   * next domain), O(k log k) for k vCPUs passed over.
   */
  first(accept: (v: Vcpu) => boolean): Vcpu | undefined {
    if (this.domains.size === 0) return undefined;
    const fd = this.frontierDomain;
    const fv = this.frontierVcpu;
    fd[0] = 0;
    fv[0] = 0;
    let n = 1;
    while (n > 0) {
      const di = fd[0];
      const vi = fv[0];
      n--;
      fd[0] = fd[n];
      fv[0] = fv[n];
      this.siftDown(n);
      const heap = this.vcpus[this.domains.at(di)];
      const v = heap.at(vi);
      if (accept(v)) return v;
      for (let c = 2 * vi + 1; c <= 2 * vi + 2 && c < heap.size; c++) n = this.enter(n, di, c);
      if (vi === 0 && di + 1 < this.domains.size) n = this.enter(n, di + 1, 0);
    }
    return undefined;
  }

  private at(k: number): Vcpu {
    return this.vcpus[this.domains.at(this.frontierDomain[k])].at(this.frontierVcpu[k]);
  }

  /** Adds (di, vi) to the frontier of n entries; returns the new size. */
  private enter(n: number, di: number, vi: number): number {
    const fd = this.frontierDomain;
    const fv = this.frontierVcpu;
    const v = this.vcpus[this.domains.at(di)].at(vi);
    let k = n;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!runsBefore(v, this.at(parent))) break;
      fd[k] = fd[parent];
      fv[k] = fv[parent];
      k = parent;
    }
    fd[k] = di;
    fv[k] = vi;
    return n + 1;
  }

  private siftDown(n: number): void {
    if (n === 0) return;
    const fd = this.frontierDomain;
    const fv = this.frontierVcpu;
    const di = fd[0];
    const vi = fv[0];
    const v = this.at(0);
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && runsBefore(this.at(r), this.at(l)) ? r : l;
      if (!runsBefore(this.at(c), v)) break;
      fd[k] = fd[c];
      fv[k] = fv[c];
      k = c;
    }
    fd[k] = di;
    fv[k] = vi;
  }
}
