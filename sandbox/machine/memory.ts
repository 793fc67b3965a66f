import { GuestFault } from './fault.js';
import type { Loc } from './ir.js';

export const PAGE_SIZE = 4096;
/** Most pages a domain can have (64 MiB, below the grant window): its configured memory and its balloon. */
export const MAX_GUEST_PAGES = 16384;
/** Granted frames mapped by another domain appear from here on, one 4 KiB slot each. */
export const GRANT_WINDOW = 0x4000_0000;
export const GRANT_SLOTS = 64;

/** A granted frame as mapped into another domain's window. */
export interface Mapping {
  /** The granting domain's memory. */
  memory: GuestMemory;
  frame: number;
  readonly: boolean;
  /** The granting domain id and grant ref, for unmap and end_access bookkeeping. */
  granter: number;
  ref: number;
  /** Set when the granting domain was destroyed: any use faults. */
  revoked: boolean;
}

/** Whether this host stores words little-endian, as guest memory is. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The location of an access the hypervisor makes on a guest's behalf. Its
 * faults never reach the guest: they become an errno (every caller catches them).
 */
const HYPERVISOR_ACCESS: Loc = { file: 0, line: 0, column: 0 };

const hex = (a: number): string => `0x${(a >>> 0).toString(16)}`;

/**
 * One domain's guest memory: `pages` × 4 KiB of zero-filled, little-endian
 * memory at 0.., plus the grant mapping window. Every access is bounds- and
 * alignment-checked; a bad access throws a GuestFault.
 */
export class GuestMemory {
  bytes: Uint8Array;
  view: DataView;
  /**
   * The accessible bytes (exactly `limit` of them) as 32-bit words in the
   * host's byte order: generated code on little-endian hosts reads provably
   * aligned words here, where an index out of range reads `undefined`.
   */
  words: Int32Array;
  /** The accessible bytes as a view of exactly `limit` bytes (reads out of range give `undefined`). */
  accessible: Uint8Array;
  /** Accessible size in bytes (pages × 4096); may shrink or grow by ballooning. */
  limit: number;
  /** Changes whenever `bytes`, `view` or `limit` do (generated code caches them). */
  epoch = 0;
  readonly mappings: (Mapping | undefined)[] = new Array(GRANT_SLOTS).fill(undefined);

  constructor(pages: number) {
    this.bytes = new Uint8Array(pages * PAGE_SIZE);
    this.view = new DataView(this.bytes.buffer);
    this.limit = pages * PAGE_SIZE;
    this.words = new Int32Array(this.bytes.buffer, 0, this.limit / 4);
    this.accessible = new Uint8Array(this.bytes.buffer, 0, this.limit);
  }

  get pages(): number {
    return this.limit / PAGE_SIZE;
  }

  /**
   * Grows or shrinks the accessible pages; new pages read as zero. The
   * buffer grows by doubling (up to MAX_GUEST_PAGES), so that a guest
   * ballooning up one page at a time does not make the host copy its whole
   * memory on every call. Bytes past `limit` are always zero.
   */
  resize(pages: number): void {
    const size = pages * PAGE_SIZE;
    if (size > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(size, Math.min(2 * this.bytes.length, MAX_GUEST_PAGES * PAGE_SIZE)));
      bigger.set(this.bytes.subarray(0, this.limit));
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    } else if (size < this.limit) {
      this.bytes.fill(0, size, this.limit);
    }
    this.limit = size;
    this.words = new Int32Array(this.bytes.buffer, 0, size / 4);
    this.accessible = new Uint8Array(this.bytes.buffer, 0, size);
    this.epoch++;
  }

  private mapped(addr: number, width: number, write: boolean, loc: Loc): { mem: GuestMemory; offset: number } {
    const a = addr >>> 0;
    const slot = Math.floor((a - GRANT_WINDOW) / PAGE_SIZE);
    const m = a >= GRANT_WINDOW && slot < GRANT_SLOTS ? this.mappings[slot] : undefined;
    if (!m || m.revoked) {
      const why = m?.revoked ? ' (the granting domain was destroyed)' : '';
      throw new GuestFault('out-of-range', `${width * 8}-bit ${write ? 'store to' : 'load from'} ${hex(a)} is outside the domain's ${this.pages} pages and mapped grants${why}`, loc.file, loc.line);
    }
    if (write && m.readonly) {
      throw new GuestFault('read-only', `store to ${hex(a)}: grant ref ${m.ref} of domain ${m.granter} is mapped read-only`, loc.file, loc.line);
    }
    const offset = m.frame * PAGE_SIZE + (a - GRANT_WINDOW - slot * PAGE_SIZE);
    if (offset + width > m.memory.limit) {
      throw new GuestFault('out-of-range', `${hex(a)}: the granted frame is no longer part of domain ${m.granter}'s memory`, loc.file, loc.line);
    }
    return { mem: m.memory, offset };
  }

  private check(addr: number, width: number, loc: Loc): void {
    if (width > 1 && (addr & (width - 1)) !== 0) {
      throw new GuestFault('misaligned', `${width * 8}-bit access at ${hex(addr)} is not ${width}-byte aligned`, loc.file, loc.line);
    }
  }

  load(width: 8 | 16 | 32, addr: number, loc: Loc): number {
    this.check(addr, width / 8, loc);
    const a = addr >>> 0;
    if (a + width / 8 <= this.limit) return readAt(this.view, width, a);
    const { mem, offset } = this.mapped(a, width / 8, false, loc);
    return readAt(mem.view, width, offset);
  }

  store(width: 8 | 16 | 32, addr: number, value: number, loc: Loc): void {
    this.check(addr, width / 8, loc);
    const a = addr >>> 0;
    if (a + width / 8 <= this.limit) return writeAt(this.view, width, a, value);
    const { mem, offset } = this.mapped(a, width / 8, true, loc);
    writeAt(mem.view, width, offset, value);
  }

  /** Whether the hypervisor could store `count` bytes at `addr` (inside memory or a writable mapping). */
  canWrite(addr: number, count: number): boolean {
    try {
      for (let i = 0; i < count; i += 4) {
        const a = (addr + i) | 0;
        this.store(32, a, this.load(32, a, HYPERVISOR_ACCESS), HYPERVISOR_ACCESS);
      }
      return true;
    } catch (e) {
      if (e instanceof GuestFault) return false;
      throw e;
    }
  }

  /** Stores a 32-bit word for the hypervisor (a result written back); false when the guest could not store there. */
  writeWord(addr: number, value: number): boolean {
    try {
      this.store(32, addr, value, HYPERVISOR_ACCESS);
      return true;
    } catch (e) {
      if (e instanceof GuestFault) return false;
      throw e;
    }
  }

  /** Reads `count` bytes for the hypervisor (console_io, grant copy); undefined when any byte is unreachable. */
  readBytes(addr: number, count: number): Uint8Array | undefined {
    const start = addr >>> 0;
    // All inside the domain's own pages (the common case, and the only way to reach megabytes): one copy.
    if (start + count <= this.limit) return this.bytes.slice(start, start + count);
    const out = new Uint8Array(count);
    try {
      for (let i = 0; i < count; i++) out[i] = this.load(8, (addr + i) | 0, HYPERVISOR_ACCESS);
    } catch (e) {
      if (e instanceof GuestFault) return undefined;
      throw e;
    }
    return out;
  }
}

function readAt(view: DataView, width: 8 | 16 | 32, a: number): number {
  return width === 32 ? view.getInt32(a, true) : width === 16 ? view.getUint16(a, true) : view.getUint8(a);
}

function writeAt(view: DataView, width: 8 | 16 | 32, a: number, value: number): void {
  if (width === 32) view.setInt32(a, value, true);
  else if (width === 16) view.setUint16(a, value & 0xffff, true);
  else view.setUint8(a, value & 0xff);
}
