import type { Profile, TimelineInstant, TimelineSlice } from './types.js';

/** Timeline entries beyond this many are dropped (the profile says it is truncated). */
export const TIMELINE_LIMIT = 200_000;

const SLICE_KINDS: readonly TimelineSlice['kind'][] = ['run', 'hypercall', 'trap', 'vmexit', 'upcall'];
const INSTANT_KINDS: readonly TimelineInstant['kind'][] = ['send', 'deliver'];

/** A slice kind as its column value. */
export const SLICE = { run: 0, hypercall: 1, trap: 2, vmexit: 3, upcall: 4 } as const;
export const INSTANT = { send: 0, deliver: 1 } as const;

/** Slice names as numbers (`run` is 0): see TimelineColumns.nameId. */
export const RUN_NAME = 0;

/**
 * The timeline while a run goes on, kept in columns (typed arrays that
 * grow fourfold when full, up to the limit) so that recording a slice or an instant makes no
 * object; the profile's lists are made once at the end. Slices and
 * instants each stop at TIMELINE_LIMIT (`truncated` says so).
 */
export class TimelineColumns {
  truncated = false;
  private slices = 0;
  private sDomain = new Int32Array(1024);
  private sVcpu = new Int32Array(1024);
  private sPcpu = new Int32Array(1024);
  private sKind = new Uint8Array(1024);
  private sName = new Int32Array(1024);
  private sStart = new Float64Array(1024);
  private sEnd = new Float64Array(1024);
  private instants = 0;
  private iKind = new Uint8Array(1024);
  private iDomain = new Int32Array(1024);
  private iVcpu = new Int32Array(1024);
  private iTime = new Float64Array(1024);
  private iPort = new Int32Array(1024);
  private iTo = new Int32Array(1024);
  private readonly names: string[] = ['run'];
  private readonly ids = new Map<string, number>([['run', RUN_NAME]]);

  /** The number standing for a slice name (look it up once, not per slice). */
  nameId(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  /**
   * Adds a slice, or extends the last one when this is a run that continues
   * it on the same vCPU and pcpu. Empty slices are not recorded.
   */
  slice(domain: number, vcpu: number, pcpu: number, kind: number, name: number, start: number, end: number): void {
    if (end <= start) return;
    const last = this.slices - 1;
    if (kind === SLICE.run && last >= 0 && this.sKind[last] === SLICE.run && this.sDomain[last] === domain && this.sVcpu[last] === vcpu && this.sEnd[last] === start && this.sPcpu[last] === pcpu) {
      this.sEnd[last] = end;
      return;
    }
    if (this.slices >= TIMELINE_LIMIT) {
      this.truncated = true;
      return;
    }
    if (this.slices === this.sKind.length) this.growSlices();
    const i = this.slices++;
    this.sDomain[i] = domain;
    this.sVcpu[i] = vcpu;
    this.sPcpu[i] = pcpu;
    this.sKind[i] = kind;
    this.sName[i] = name;
    this.sStart[i] = start;
    this.sEnd[i] = end;
  }

  /**
   * A host call's slices: the run from `runStart` up to the call's `start`
   * (as slice() records a run), then the call's own slice of `kind` and `name`.
   */
  hostSlices(domain: number, vcpu: number, pcpu: number, runStart: number, kind: number, name: number, start: number, end: number): void {
    this.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
    this.slice(domain, vcpu, pcpu, kind, name, start, end);
  }

  instant(kind: number, domain: number, vcpu: number, time: number, port: number, to: number): void {
    if (this.instants >= TIMELINE_LIMIT) {
      this.truncated = true;
      return;
    }
    if (this.instants === this.iKind.length) this.growInstants();
    const i = this.instants++;
    this.iKind[i] = kind;
    this.iDomain[i] = domain;
    this.iVcpu[i] = vcpu;
    this.iTime[i] = time;
    this.iPort[i] = port;
    this.iTo[i] = to;
  }

  /**
   * The profile's timeline. Its lists are made when first read (writing the
   * profile out reads them; a profile used in-process for its totals never
   * makes the objects).
   */
  profileTimeline(): Profile['timeline'] {
    let slices: TimelineSlice[] | undefined;
    let instants: TimelineInstant[] | undefined;
    const columns = this;
    return {
      get slices(): TimelineSlice[] {
        return (slices ??= columns.sliceList());
      },
      get instants(): TimelineInstant[] {
        return (instants ??= columns.instantList());
      },
      truncated: this.truncated,
    };
  }

  sliceList(): TimelineSlice[] {
    const out: TimelineSlice[] = new Array(this.slices);
    for (let i = 0; i < this.slices; i++) {
      out[i] = { domain: this.sDomain[i], vcpu: this.sVcpu[i], pcpu: this.sPcpu[i], kind: SLICE_KINDS[this.sKind[i]], name: this.names[this.sName[i]], start: this.sStart[i], end: this.sEnd[i] };
    }
    return out;
  }

  instantList(): TimelineInstant[] {
    const out: TimelineInstant[] = new Array(this.instants);
    for (let i = 0; i < this.instants; i++) {
      out[i] = { kind: INSTANT_KINDS[this.iKind[i]], domain: this.iDomain[i], vcpu: this.iVcpu[i], time: this.iTime[i], port: this.iPort[i], to: this.iTo[i] };
    }
    return out;
  }

  private growSlices(): void {
    const n = Math.min(this.sKind.length * 4, TIMELINE_LIMIT);
    this.sDomain = grown(this.sDomain, new Int32Array(n));
    this.sVcpu = grown(this.sVcpu, new Int32Array(n));
    this.sPcpu = grown(this.sPcpu, new Int32Array(n));
    this.sKind = grown(this.sKind, new Uint8Array(n));
    this.sName = grown(this.sName, new Int32Array(n));
    this.sStart = grown(this.sStart, new Float64Array(n));
    this.sEnd = grown(this.sEnd, new Float64Array(n));
  }

  private growInstants(): void {
    const n = Math.min(this.iKind.length * 4, TIMELINE_LIMIT);
    this.iKind = grown(this.iKind, new Uint8Array(n));
    this.iDomain = grown(this.iDomain, new Int32Array(n));
    this.iVcpu = grown(this.iVcpu, new Int32Array(n));
    this.iTime = grown(this.iTime, new Float64Array(n));
    this.iPort = grown(this.iPort, new Int32Array(n));
    this.iTo = grown(this.iTo, new Int32Array(n));
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
