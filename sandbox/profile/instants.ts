import type { TimelineInstant } from './types.js';

const INSTANT_KINDS: readonly TimelineInstant['kind'][] = ['send', 'deliver'];

/**
 * An instant's small numbers packed into one exact double: its kind, domain,
 * vCPU (-1 for the timer), destination domain and port. Domains and vCPUs
 * are below 256, ports below 65,536, kinds below 8: the value stays below
 * 2^53, and is never negative.
 */
export function instantWho(kind: number, domain: number, vcpu: number, port: number, to: number): number {
  return kind + 8 * (domain + 1 + 256 * (vcpu + 1 + 256 * (to + 256 * port)));
}

/** The next digit of a packed value in base `radix`, and what is left of it. */
export function digit(packed: { rest: number }, radix: number): number {
  const d = packed.rest % radix;
  packed.rest = (packed.rest - d) / radix;
  return d;
}

/** Rows per block of the table: it grows by blocks, never copied. */
const BLOCK_ROWS = 4096;
/**
 * A row is two numbers. An instant of its own: (who, time). Instants that
 * repeat the pattern of the ones before them (an event ring: send, deliver,
 * send back, deliver, ...): (-k, n), n instants each like the one k before
 * it (the same `who`) and as long after the instant before it as that one
 * was after its own. `who` is never negative, so the first number tells them apart.
 */
const ROW = 2;
/** Periods looked for: 1 to MAX_PERIOD instants. */
const MAX_PERIOD = 8;
/** The last instants of their own, to look for a period in: a ring of more than MAX_PERIOD + 1. */
const RING = 16;

/**
 * The instants of a run's timeline (events sent and delivered), kept as
 * rows of numbers in blocks of Float64Array so that recording makes no
 * object, and with an event ring's repeating instants counted in one row:
 * recording one is a few compares, and the table stays small. The list the
 * profile shows is made when it is read (list()).
 */
export class InstantColumns {
  /** Whether an instant was dropped: past `limit`, instants are (the profile says its timeline is truncated). */
  truncated = false;
  /** Instants recorded (the list's length). */
  private count = 0;
  private readonly blocks: Float64Array[] = [];
  private t: Float64Array = new Float64Array(0);
  /** Rows used in the last block. */
  private at = BLOCK_ROWS;
  /** The last instant's time (0 before the first). */
  private last = 0;
  /** The instants of their own since the last pattern ended (`raw` of them, at most RING; the last at `rAt`): who and time. */
  private readonly rw = new Float64Array(RING);
  private readonly rt = new Float64Array(RING);
  private raw = 0;
  private rAt = 0;
  /**
   * The pattern being counted (`phase` -1: none): the phase the next
   * instant is expected at, its `period`, each phase's `who` and time after
   * the instant before it, and the row counting the pattern's instants (its
   * block and where its count is).
   */
  private phase = -1;
  private period = 0;
  private readonly pw = new Float64Array(MAX_PERIOD);
  private readonly pd = new Float64Array(MAX_PERIOD);
  private countIn: Float64Array = this.t;
  private countAt = 0;

  constructor(private readonly limit: number) {}

  /** An instant packed as `who` (instantWho()) at `time`. Kept short, so that V8 inlines it where the hypervisor sends an event. */
  add(who: number, time: number): void {
    const j = this.phase;
    if (j >= 0 && who === this.pw[j] && time - this.last === this.pd[j] && this.count < this.limit) {
      this.count++;
      this.countIn[this.countAt]++;
      this.last = time;
      this.phase = j + 1 === this.period ? 0 : j + 1;
      return;
    }
    this.addAlone(who, time);
  }

  /** add() of an instant that does not go on with the pattern counted (if any): it may start one, else it is a row of its own. */
  private addAlone(who: number, time: number): void {
    if (this.count >= this.limit) {
      this.truncated = true;
      return;
    }
    this.count++;
    this.phase = -1;
    const step = time - this.last;
    // The least period k whose pattern this instant repeats: like the one k before, as long after the one before it.
    for (let k = 1; k <= MAX_PERIOD && k < this.raw; k++) {
      const a = (this.rAt - k + 1) & (RING - 1);
      const b = (a - 1) & (RING - 1);
      if (this.rw[a] === who && this.rt[a] - this.rt[b] === step) {
        this.startPattern(k);
        this.last = time;
        return;
      }
    }
    this.row(who, time);
    this.rAt = (this.rAt + 1) & (RING - 1);
    this.rw[this.rAt] = who;
    this.rt[this.rAt] = time;
    if (this.raw < RING) this.raw++;
    this.last = time;
  }

  /**
   * The instant just counted repeats the one `k` before it: a pattern row
   * counts it and the ones that follow the pattern. Phase j is the
   * instant k - j before the next one's (in the ring, of their own all).
   */
  private startPattern(k: number): void {
    for (let j = 0; j < k; j++) {
      const a = (this.rAt - k + 1 + j) & (RING - 1);
      this.pw[j] = this.rw[a];
      this.pd[j] = this.rt[a] - this.rt[(a - 1) & (RING - 1)];
    }
    this.row(-k, 1);
    this.countIn = this.t;
    this.countAt = (this.at - 1) * ROW + 1;
    this.period = k;
    this.phase = k === 1 ? 0 : 1;
    // The ring starts again after the pattern: only instants of their own go in it.
    this.raw = 0;
  }

  /** A row (a, b) at the end of the table. */
  private row(a: number, b: number): void {
    if (this.at === BLOCK_ROWS) {
      this.t = new Float64Array(BLOCK_ROWS * ROW);
      this.blocks.push(this.t);
      this.at = 0;
    }
    const i = this.at++ * ROW;
    this.t[i] = a;
    this.t[i + 1] = b;
  }

  /** The instants as the profile lists them, in order. */
  list(): TimelineInstant[] {
    const out: TimelineInstant[] = [];
    const who = { rest: 0 };
    this.blocks.forEach((t, k) => {
      const used = k === this.blocks.length - 1 ? this.at : BLOCK_ROWS;
      for (let r = 0; r < used; r++) {
        const a = t[r * ROW];
        const b = t[r * ROW + 1];
        if (a < 0) {
          // n instants, each like the one k before it and as long after the instant before it.
          for (let n = b; n > 0; n--) {
            const like = out[out.length + a];
            const time = out[out.length - 1].time + (like.time - out[out.length + a - 1].time);
            out.push({ kind: like.kind, domain: like.domain, vcpu: like.vcpu, time, port: like.port, to: like.to });
          }
          continue;
        }
        who.rest = a;
        const kind = INSTANT_KINDS[digit(who, 8)];
        const domain = digit(who, 256) - 1;
        const vcpu = digit(who, 256) - 1;
        const to = digit(who, 256);
        out.push({ kind, domain, vcpu, time: b, port: who.rest, to });
      }
    });
    return out;
  }
}
