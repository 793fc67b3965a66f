import { digit, InstantColumns, instantWho } from './instants.js';
import type { Profile, TimelineInstant, TimelineSlice } from './types.js';

/** Timeline entries beyond this many are dropped (the profile says it is truncated). */
export const TIMELINE_LIMIT = 200_000;
/** repeatRoom() of a full table (a small integer, so that counters of it stay small integers). */
const REPEATS_UNLIMITED = 0x3fffffff;

const SLICE_KINDS: readonly TimelineSlice['kind'][] = ['run', 'hypercall', 'trap', 'vmexit', 'upcall'];

/** A slice kind as its column value. */
export const SLICE = { run: 0, hypercall: 1, trap: 2, vmexit: 3, upcall: 4 } as const;
export const INSTANT = { send: 0, deliver: 1 } as const;

/** Slice names as numbers (`run` is 0): see TimelineColumns.nameId. */
export const RUN_NAME = 0;

/**
 * The tables' rows. A slice is (who, start, end); a host call's run and its
 * own slice, when both are new rows, are one row (who, run start, start,
 * end), its kind marked as a pair (PAIR + the call's kind). An instant is
 * (who, time). `who` packs the small numbers of an entry into one exact
 * double: a slice's kind, domain, vCPU, pcpu and name id; an instant's kind,
 * domain, vCPU (-1 for the timer), port and destination domain. Domains,
 * vCPUs and pcpus are below 256 (SYSTEM_LIMITS), ports below 65,536, kinds
 * below 16, names below 2^25: every packed value stays below 2^53.
 */
const SLICE_ROW = 3;
const PAIR_ROW = 4;
const PAIR = 8;
/**
 * A host call's pair that repeats the last row's (same packed `who`, its run
 * starting where the last row ended, as calls in a loop do) is a row of two:
 * (-start, end). Rows of other kinds begin with a packed `who`, never
 * negative, and a call's start is above its run's start, so never 0.
 */
const REPEAT_ROW = 2;
/**
 * Calls that repeat the last pair or REPEAT_ROW's call exactly (the same
 * `who`, each run starting where the last call ended, as long as that run
 * and as long a call: a loop's calls) are a row of two, (RUNS, n): n such
 * calls. Every other row begins with a finite number.
 */
const RUNS_ROW = 2;
const RUNS = -Infinity;
/**
 * Calls that repeat the pattern of the last k host calls' pairs, 2 <= k <
 * HISTORY (two vCPUs yielding to each other: k = 2; eight vCPUs on four
 * pcpus: 8; 64 x 4 on four: 256): each is the call k before it (the same
 * `who`, as long a run and call), its run starting as long after the last
 * call's end as that call's run started after the end of the call before
 * it. A row of three,
 * (ALTS, k, n): n such calls, each after at least k + 1 host calls' pairs
 * recorded as pair rows or in such rows.
 */
const ALTS_ROW = 3;
const ALTS = Infinity;
/** Periods looked for at every call: 2 to MAX_PERIOD. */
const MAX_PERIOD = 8;
/**
 * The pairs a period is read from: a ring of MAX_PERIOD + 1 or more. Longer
 * periods, up to HISTORY - 1 (hundreds of vCPUs in turn: 64 x 4 vCPUs on 4
 * pcpus repeat every 256 calls), are looked for now and then (periodOf()).
 */
const HISTORY = 1024;

function sliceWho(kind: number, domain: number, vcpu: number, pcpu: number, name: number): number {
  return kind + 16 * (domain + 256 * (vcpu + 256 * (pcpu + 256 * name)));
}

/** Rows per block of a table (slices: of three numbers): tables grow by blocks, never copied. */
const BLOCK_ROWS = 4096;

/**
 * The timeline while a run goes on, kept in two tables of numbers (blocks
 * of Float64Array rows: here a row per slice, per host call's pair of
 * slices, per run of a loop's like calls or per pattern's calls; the
 * instants' in instants.ts) so that recording makes no object; the
 * profile's lists are made when first read (profileTimeline()). Slices and
 * instants each stop at TIMELINE_LIMIT (the profile's `truncated` says so;
 * this `truncated`, for the slices).
 */
export class TimelineColumns {
  truncated = false;
  private slices = 0;
  /** The slice table's blocks and the numbers used in each, and the last one (rows are added to it) and its numbers used. */
  private readonly sBlocks: Float64Array[] = [];
  private readonly sUsed: number[] = [];
  private s: Float64Array = new Float64Array(0);
  private sAt = 0;
  /** Where the last slice's end is in `s`, when it is a run that may be extended. */
  private lastEndAt = 0;
  /** The last slice recorded, as slice() looks at it: whether it is a run, and its vCPU, pcpu and end. */
  private lastIsRun = false;
  private lastDomain = -1;
  private lastVcpu = -1;
  private lastPcpu = -1;
  private lastEnd = 0;
  /** The last row's packed `who` when it is a host call's pair (else -1): a pair like it is a REPEAT_ROW. */
  private lastPairWho = -1;
  /** The last host call's run and own lengths (when lastPairWho is set): a call like it is counted in a RUNS_ROW. */
  private lastGap = 0;
  private lastLength = 0;
  /** Where the last row's count is in `s` when it is a RUNS_ROW (else -1), and the packed `who` of the calls it counts (else -1). */
  private runsAt = -1;
  private runsWho = -1;
  /**
   * The last host calls' pairs recorded in pair rows or ALTS_ROWs in a row
   * (`pairs` of them, at most HISTORY; the last at `hAt`): who, run start,
   * start and end. What a call must be to repeat the pattern of the last
   * `period` ones (see ALTS_ROW; `altWho` -1: none can), and where the count
   * of the ALTS_ROW being filled is (else -1).
   */
  private pairs = 0;
  private hAt = 0;
  private readonly hw = new Float64Array(HISTORY);
  private readonly hr = new Float64Array(HISTORY);
  private readonly hs = new Float64Array(HISTORY);
  private readonly he = new Float64Array(HISTORY);
  private period = 0;
  private altWho = -1;
  private altRunStart = 0;
  private altGap = 0;
  private altLength = 0;
  private altAt = -1;
  /**
   * Calls taken in turn that are not yet in the history (`lazy` of them,
   * each the call `period` before it, the first `turnFrom`'s): the history
   * takes them (settleTurns()) before anything else reads or adds to it.
   */
  private lazy = 0;
  private turnFrom = 0;
  /**
   * While calls are taken in turn (`lazy` > 0), the pattern's calls by
   * phase, as takesTurn() checks them: the `who` a caller passes (hostWho(),
   * also for a call alone), its run's start after the last call's end, its
   * run's and its own lengths, and its slices (1 alone, 2 a pair); the
   * phase expected next is `phase` (-1: no calls taken in turn). Worked out
   * of the history once, as the first call is taken (turnTaken()).
   */
  private phase = -1;
  private readonly pw = new Float64Array(HISTORY);
  private readonly pr = new Float64Array(HISTORY);
  private readonly pg = new Float64Array(HISTORY);
  private readonly pl = new Float64Array(HISTORY);
  private readonly pn = new Uint8Array(HISTORY);
  /** Calls since periodOf() last found a pattern. */
  private misses = 0;
  /** The instants (events sent and delivered): a table of their own. */
  private readonly instants = new InstantColumns(TIMELINE_LIMIT);
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
    if (kind === SLICE.run && this.lastIsRun && this.lastEnd === start && this.lastDomain === domain && this.lastVcpu === vcpu && this.lastPcpu === pcpu) {
      this.s[this.lastEndAt] = end;
      this.lastEnd = end;
      return;
    }
    if (this.slices >= TIMELINE_LIMIT) {
      this.truncated = true;
      return;
    }
    this.slices++;
    const who = sliceWho(kind, domain, vcpu, pcpu, name);
    this.lastPairWho = -1;
    this.runsAt = -1;
    this.runsWho = -1;
    if (kind === SLICE.run) this.noTurns();
    else {
      // A host call's own slice with no run before it (an upcall as its vCPU resumes) may go on with a pattern.
      const k = this.periodOf(who, start, start, end);
      if (k > 0) {
        this.countAlts(k);
        this.remember(who, start, start, end);
        this.lastIsRun = false;
        this.lastEnd = end;
        return;
      }
    }
    const s = this.sliceRow(SLICE_ROW);
    const at = this.sAt - SLICE_ROW;
    s[at] = who;
    s[at + 1] = start;
    s[at + 2] = end;
    this.lastEndAt = at + 2;
    if (kind !== SLICE.run) {
      this.altAt = -1;
      this.remember(who, start, start, end);
    }
    this.lastIsRun = kind === SLICE.run;
    this.lastDomain = domain;
    this.lastVcpu = vcpu;
    this.lastPcpu = pcpu;
    this.lastEnd = end;
  }

  /** The packed `who` of a host call's slices (see again()): look it up once per call site and pcpu. */
  hostWho(domain: number, vcpu: number, pcpu: number, kind: number, name: number): number {
    return sliceWho(PAIR + kind, domain, vcpu, pcpu, name);
  }

  /**
   * hostSlices() of a host call whose slices are packed as `who` (hostWho()),
   * where that is quick: when the last row counts calls like it (a loop's),
   * or it goes on with the pattern of the calls before it (ALTS_ROW),
   * counts it there; when the table is full, turns it away. Says whether it
   * did; false: nothing recorded (call hostSlices()).
   */
  again(who: number, runStart: number, start: number, end: number): boolean {
    return this.repeated(who, runStart, start, end) || this.takesTurn(who, runStart, start, end);
  }

  /**
   * The part of again() after repeated(): a call that goes on with the
   * pattern of the calls before it (see ALTS_ROW). The first of a pattern's
   * calls goes through inTurn(); the ones after it are checked against the
   * pattern's phases here (kept short, so that V8 inlines it).
   */
  takesTurn(who: number, runStart: number, start: number, end: number): boolean {
    const j = this.phase;
    if (j < 0) return this.altWho >= 0 && this.inTurn(who, runStart, start, end);
    const gap = this.pg[j];
    if (who !== this.pw[j] || runStart !== this.lastEnd + this.pr[j] || start !== runStart + gap || end !== start + this.pl[j]) return false;
    const slices = this.slices + this.pn[j];
    if (slices > TIMELINE_LIMIT) return false;
    this.slices = slices;
    this.s[this.altAt]++;
    // As inTurn() leaves them: the last call, a pair (or its own slice alone).
    if (gap === 0) this.lastPairWho = -1;
    else {
      this.lastPairWho = who;
      this.lastGap = gap;
      this.lastLength = end - start;
    }
    this.lastEnd = end;
    this.lazy++;
    this.phase = j + 1 === this.period ? 0 : j + 1;
    return true;
  }

  /**
   * The part of again() a loop's calls take, kept short for V8 to inline:
   * the table is full (its last row not a run the call's run could extend:
   * the call is turned away), or the call is like the last one and the last
   * row (a RUNS_ROW) counts it. A full table leaves no room for a pattern's
   * row (inTurn) either.
   */
  repeated(who: number, runStart: number, start: number, end: number): boolean {
    if (this.slices >= TIMELINE_LIMIT) {
      if (this.lastIsRun) return false;
      if (start > runStart || end > start) this.truncated = true;
      return true;
    }
    if (who !== this.runsWho || runStart !== this.lastEnd || start !== runStart + this.lastGap || end !== start + this.lastLength || this.slices + 2 > TIMELINE_LIMIT) return false;
    this.slices += 2;
    this.s[this.runsAt]++;
    this.lastEnd = end;
    return true;
  }

  /**
   * After repeated() took a call: how many more calls like it (the same
   * `who`, run and own lengths, each right after the last) the table takes
   * the same way. A recorder may hold those back and give them with
   * repeatedTimes() (a full table turns them all away: no limit).
   */
  repeatRoom(): number {
    return this.slices >= TIMELINE_LIMIT ? REPEATS_UNLIMITED : (TIMELINE_LIMIT - this.slices) >> 1;
  }

  /** `n` calls like the last one repeated() took, the last ending at `end`: what n more repeated() calls would have recorded. */
  repeatedTimes(n: number, end: number): void {
    // A full table turned them away (repeated() set `truncated` for the first already).
    if (this.slices >= TIMELINE_LIMIT) return;
    this.slices += 2 * n;
    this.s[this.runsAt] += n;
    this.lastEnd = end;
  }

  /** again() of a call that may go on with the pattern of the calls before it (see ALTS_ROW). */
  private inTurn(who: number, runStart: number, start: number, end: number): boolean {
    if (runStart !== this.altRunStart || start !== runStart + this.altGap || end !== start + this.altLength) return false;
    // A call with no run before it is its own slice alone (packed without PAIR).
    const alone = start === runStart;
    const w = alone ? who - PAIR : who;
    if (w !== this.altWho || this.slices + (alone ? 1 : 2) > TIMELINE_LIMIT) return false;
    this.slices += alone ? 1 : 2;
    this.countAlts(this.period);
    if (alone) this.lastPairWho = -1;
    else {
      this.lastPairWho = w;
      this.lastGap = start - runStart;
      this.lastLength = end - start;
    }
    this.lastIsRun = false;
    this.lastEnd = end;
    this.turnTaken();
    return true;
  }

  /**
   * inTurn() took the first call of a pattern: the calls after it are
   * expected to be the pattern's next ones (each as remember() would work it
   * out of the history), checked by takesTurn() against the pattern's
   * phases, and the history takes them later (settleTurns()).
   */
  private turnTaken(): void {
    const k = this.period;
    this.lazy = 1;
    // The call just taken is the one `k` before it in the history: the pattern's first, its phase 0 (see remember()).
    const from = (this.turnFrom = (this.hAt - k + 1) & (HISTORY - 1));
    for (let j = 0; j < k; j++) {
      const p = (from + j) & (HISTORY - 1);
      const gap = this.hs[p] - this.hr[p];
      // A call alone is in the history without PAIR (see inTurn()); its caller passes hostWho().
      this.pw[j] = gap === 0 ? this.hw[p] + PAIR : this.hw[p];
      this.pr[j] = this.hr[p] - this.he[(p - 1) & (HISTORY - 1)];
      this.pg[j] = gap;
      this.pl[j] = this.he[p] - this.hs[p];
      this.pn[j] = gap === 0 ? 1 : 2;
    }
    this.phase = 1;
  }

  /**
   * The calls inTurn() took into the history, as remember() would have
   * added them one by one: each is the call `period` before it shifted by
   * the pattern's span (call i, from 1, is the pattern's call (i - 1) mod
   * period, shifted once per time round). Only the last HISTORY are written.
   */
  private settleTurns(): void {
    const n = this.lazy;
    this.lazy = 0;
    this.phase = -1;
    const k = this.period;
    const h0 = this.hAt;
    const from = this.turnFrom;
    const span = this.he[h0] - this.he[(from - 1) & (HISTORY - 1)];
    const hw = this.hw;
    const hr = this.hr;
    const hs = this.hs;
    const he = this.he;
    if (n <= HISTORY) {
      // One by one: each reads a call already in the history (written before it is overwritten).
      for (let i = 1; i <= n; i++) {
        const h = (h0 + i) & (HISTORY - 1);
        const p = (h - k) & (HISTORY - 1);
        hw[h] = hw[p];
        hr[h] = hr[p] + span;
        hs[h] = hs[p] + span;
        he[h] = he[p] + span;
      }
    } else {
      // Only the last HISTORY: the pattern's calls may be overwritten as they are written, so copied first.
      const base = turnScratch;
      for (let j = 0; j < k; j++) {
        const p = (from + j) & (HISTORY - 1);
        base[4 * j] = hw[p];
        base[4 * j + 1] = hr[p];
        base[4 * j + 2] = hs[p];
        base[4 * j + 3] = he[p];
      }
      for (let i = n - HISTORY + 1; i <= n; i++) {
        const j = (i - 1) % k;
        const shift = span * ((i - 1 - j) / k + 1);
        const h = (h0 + i) & (HISTORY - 1);
        hw[h] = base[4 * j];
        hr[h] = base[4 * j + 1] + shift;
        hs[h] = base[4 * j + 2] + shift;
        he[h] = base[4 * j + 3] + shift;
      }
    }
    this.hAt = (h0 + n) & (HISTORY - 1);
    this.pairs = Math.min(HISTORY, this.pairs + n);
  }

  /**
   * A host call's slices: the run from `runStart` up to the call's `start`
   * (as slice() records a run), then the call's own slice of `kind` and `name`.
   */
  hostSlices(domain: number, vcpu: number, pcpu: number, runStart: number, kind: number, name: number, start: number, end: number): void {
    // again(), its two halves called here (one call less on an upcall's path).
    const who = sliceWho(PAIR + kind, domain, vcpu, pcpu, name);
    if (!this.repeated(who, runStart, start, end) && !this.takesTurn(who, runStart, start, end)) this.newHostSlices(domain, vcpu, pcpu, runStart, kind, name, start, end);
  }

  /** hostSlices() of a call again() did not take (the table has room, or its last row is a run the call's run may extend). */
  newHostSlices(domain: number, vcpu: number, pcpu: number, runStart: number, kind: number, name: number, start: number, end: number): void {
    const extends_ = this.lastIsRun && this.lastEnd === runStart && this.lastDomain === domain && this.lastVcpu === vcpu && this.lastPcpu === pcpu;
    if (start > runStart && end > start && !extends_ && this.slices + 2 <= TIMELINE_LIMIT) {
      // Both would be new rows: one row for the two.
      this.slices += 2;
      const who = sliceWho(PAIR + kind, domain, vcpu, pcpu, name);
      if (who === this.lastPairWho && runStart === this.lastEnd) {
        this.noTurns();
        this.lastEnd = end;
        if (start === runStart + this.lastGap && end === start + this.lastLength) {
          // The first repeat of the last call: a RUNS_ROW counts it and the ones like it that follow.
          const s = this.sliceRow(RUNS_ROW);
          const at = this.sAt - RUNS_ROW;
          s[at] = RUNS;
          s[at + 1] = 1;
          this.runsAt = at + 1;
          this.runsWho = who;
          return;
        }
        const s = this.sliceRow(REPEAT_ROW);
        const at = this.sAt - REPEAT_ROW;
        s[at] = -start;
        s[at + 1] = end;
        this.lastGap = start - runStart;
        this.lastLength = end - start;
        this.runsAt = -1;
        this.runsWho = -1;
        return;
      }
      this.runsAt = -1;
      this.runsWho = -1;
      const k = this.periodOf(who, runStart, start, end);
      if (k > 0) this.countAlts(k);
      else {
        const s = this.sliceRow(PAIR_ROW);
        const at = this.sAt - PAIR_ROW;
        s[at] = who;
        s[at + 1] = runStart;
        s[at + 2] = start;
        s[at + 3] = end;
        this.altAt = -1;
      }
      this.pairRecorded(who, runStart, start, end);
      this.lastDomain = domain;
      this.lastVcpu = vcpu;
      this.lastPcpu = pcpu;
      return;
    }
    this.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
    this.slice(domain, vcpu, pcpu, kind, name, start, end);
  }

  /** A host call's pair was recorded in a pair row or an ALTS_ROW: the last pair as the decoder will know it, and remember(). */
  private pairRecorded(who: number, runStart: number, start: number, end: number): void {
    this.lastPairWho = who;
    this.lastGap = start - runStart;
    this.lastLength = end - start;
    this.lastIsRun = false;
    this.lastEnd = end;
    this.remember(who, runStart, start, end);
  }

  /**
   * A host call's pair, or its own slice alone (`runStart` = `start`), was
   * recorded in a row of its own or an ALTS_ROW: the history, and the call
   * that would go on with the period last seen.
   */
  private remember(who: number, runStart: number, start: number, end: number): void {
    if (this.lazy !== 0) this.settleTurns();
    const h = (this.hAt = (this.hAt + 1) & (HISTORY - 1));
    this.hw[h] = who;
    this.hr[h] = runStart;
    this.hs[h] = start;
    this.he[h] = end;
    if (this.pairs < HISTORY) this.pairs++;
    const k = this.period;
    if (k === 0 || this.pairs <= k) return;
    // The decoder works the next call out of the history exactly so (sliceList()).
    const p = (h - k + 1) & (HISTORY - 1);
    this.altWho = this.hw[p];
    this.altRunStart = end + (this.hr[p] - this.he[(p - 1) & (HISTORY - 1)]);
    this.altGap = this.hs[p] - this.hr[p];
    this.altLength = this.he[p] - this.hs[p];
  }

  /**
   * The least period k (2 to MAX_PERIOD) whose pattern this host call's pair
   * repeats, or 0. After 64 calls in a row that repeated none (hundreds of
   * vCPUs in turn), only every 16th call looks, then for any period the
   * history holds (up to HISTORY - 1): a pattern is then found a few calls
   * late, and the rest pay nothing.
   */
  private periodOf(who: number, runStart: number, start: number, end: number): number {
    const misses = this.misses++;
    if (misses >= 64 && (misses & 15) !== 0) return 0;
    if (this.lazy !== 0) this.settleTurns();
    const h = this.hAt;
    const last = misses >= 64 ? this.pairs - 1 : Math.min(MAX_PERIOD, this.pairs - 1);
    for (let k = 2; k <= last; k++) {
      const p = (h - k + 1) & (HISTORY - 1);
      if (this.hw[p] !== who) continue;
      const from = this.he[h] + (this.hr[p] - this.he[(p - 1) & (HISTORY - 1)]);
      if (runStart === from && start === runStart + (this.hs[p] - this.hr[p]) && end === start + (this.he[p] - this.hs[p])) {
        this.misses = 0;
        return k;
      }
    }
    return 0;
  }

  /** One more call of period k: in the ALTS_ROW being filled when it is of that period, else in a new one. */
  private countAlts(k: number): void {
    if (this.altAt >= 0 && k === this.period) {
      this.s[this.altAt]++;
      return;
    }
    const s = this.sliceRow(ALTS_ROW);
    const at = this.sAt - ALTS_ROW;
    s[at] = ALTS;
    s[at + 1] = k;
    s[at + 2] = 1;
    this.altAt = at + 2;
    this.period = k;
  }

  /** A row other than a pair row or an ALTS_ROW: no call repeats the ones before it. */
  private noTurns(): void {
    this.lazy = 0;
    this.phase = -1;
    this.pairs = 0;
    this.altWho = -1;
    this.altAt = -1;
  }

  /** Room for a row of `size` numbers at the end of the slice table (`sAt` moves past it): the block it is in. */
  private sliceRow(size: number): Float64Array {
    if (this.sAt + size > this.s.length) {
      if (this.sBlocks.length > 0) this.sUsed[this.sBlocks.length - 1] = this.sAt;
      this.s = block(this.sBlocks, SLICE_ROW);
      this.sAt = 0;
    }
    this.sAt += size;
    return this.s;
  }

  /** An instant: an event sent (by a vCPU, or the timer: domain and vCPU -1) or delivered. */
  instant(kind: number, domain: number, vcpu: number, time: number, port: number, to: number): void {
    this.instants.add(instantWho(kind, domain, vcpu, port, to), time);
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
    const instantColumns = this.instants;
    return {
      get slices(): TimelineSlice[] {
        return (slices ??= columns.sliceList());
      },
      get instants(): TimelineInstant[] {
        return (instants ??= instantColumns.list());
      },
      truncated: this.truncated || instantColumns.truncated,
    };
  }

  private sliceList(): TimelineSlice[] {
    const out: TimelineSlice[] = [];
    const who = { rest: 0 };
    // The last pair row's packed `who` and end, for the REPEAT_ROWs after it; the last call's lengths, for RUNS_ROWs.
    let pairWho = -1;
    let lastEnd = 0;
    let gap = 0;
    let length = 0;
    // The last pairs of pair rows and ALTS_ROWs (as the tables keep them: see pairRecorded()).
    const hw = new Float64Array(HISTORY);
    const hr = new Float64Array(HISTORY);
    const hs = new Float64Array(HISTORY);
    const he = new Float64Array(HISTORY);
    let h = 0;
    const remember = (w: number, r: number, s: number, e: number): void => {
      h = (h + 1) & (HISTORY - 1);
      hw[h] = w;
      hr[h] = r;
      hs[h] = s;
      he[h] = e;
    };
    this.sBlocks.forEach((t, k) => {
      const used = k === this.sBlocks.length - 1 ? this.sAt : this.sUsed[k];
      for (let at = 0; at < used; ) {
        if (t[at] === ALTS) {
          const period = t[at + 1];
          for (let n = t[at + 2]; n > 0; n--) {
            const p = (h - period + 1) & (HISTORY - 1);
            const runStart = he[h] + (hr[p] - he[(p - 1) & (HISTORY - 1)]);
            const start = runStart + (hs[p] - hr[p]);
            const end = start + (he[p] - hs[p]);
            const w = hw[p];
            who.rest = w;
            const code = digit(who, 16);
            const domain = digit(who, 256);
            const vcpu = digit(who, 256);
            const pcpu = digit(who, 256);
            if (code >= PAIR) {
              out.push({ domain, vcpu, pcpu, kind: 'run', name: this.names[RUN_NAME], start: runStart, end: start });
              out.push({ domain, vcpu, pcpu, kind: SLICE_KINDS[code - PAIR], name: this.names[who.rest], start, end });
              pairWho = w;
              gap = start - runStart;
              length = end - start;
            } else {
              out.push({ domain, vcpu, pcpu, kind: SLICE_KINDS[code], name: this.names[who.rest], start, end });
              pairWho = -1;
            }
            lastEnd = end;
            remember(w, runStart, start, end);
          }
          at += ALTS_ROW;
          continue;
        }
        if (t[at] === RUNS) {
          who.rest = pairWho;
          const code = digit(who, 16);
          const domain = digit(who, 256);
          const vcpu = digit(who, 256);
          const pcpu = digit(who, 256);
          const name = this.names[who.rest];
          for (let n = t[at + 1]; n > 0; n--) {
            const start = lastEnd + gap;
            const end = start + length;
            out.push({ domain, vcpu, pcpu, kind: 'run', name: this.names[RUN_NAME], start: lastEnd, end: start });
            out.push({ domain, vcpu, pcpu, kind: SLICE_KINDS[code - PAIR], name, start, end });
            lastEnd = end;
          }
          at += RUNS_ROW;
          continue;
        }
        let runStart = t[at + 1];
        let start = t[at + 2];
        let end = t[at + 3];
        let row = PAIR_ROW;
        if (t[at] < 0) {
          runStart = lastEnd;
          start = -t[at];
          end = t[at + 1];
          row = REPEAT_ROW;
          who.rest = pairWho;
        } else who.rest = t[at];
        if (who.rest % 16 >= PAIR) pairWho = who.rest;
        const code = digit(who, 16);
        const domain = digit(who, 256);
        const vcpu = digit(who, 256);
        const pcpu = digit(who, 256);
        const name = this.names[who.rest];
        if (code >= PAIR) {
          out.push({ domain, vcpu, pcpu, kind: 'run', name: this.names[RUN_NAME], start: runStart, end: start });
          out.push({ domain, vcpu, pcpu, kind: SLICE_KINDS[code - PAIR], name, start, end });
          lastEnd = end;
          gap = start - runStart;
          length = end - start;
          if (row === PAIR_ROW) remember(pairWho, runStart, start, end);
          at += row;
        } else {
          out.push({ domain, vcpu, pcpu, kind: SLICE_KINDS[code], name, start: t[at + 1], end: t[at + 2] });
          lastEnd = t[at + 2];
          pairWho = -1;
          if (code !== SLICE.run) remember(t[at], t[at + 1], t[at + 1], t[at + 2]);
          at += SLICE_ROW;
        }
      }
    });
    return out;
  }
}

/** settleTurns()'s copy of a pattern's calls (who, run start, start, end each): one for every timeline, used and left at once. */
const turnScratch = new Float64Array(4 * HISTORY);

/** A new block of a table (`row` numbers a row), added to its blocks. */
function block(blocks: Float64Array[], row: number): Float64Array {
  const b = new Float64Array(BLOCK_ROWS * row);
  blocks.push(b);
  return b;
}

