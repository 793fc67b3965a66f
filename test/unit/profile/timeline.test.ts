/**
 * The profiler's timeline tables (sandbox/profile/timeline.ts) keep slices
 * and instants packed in blocks of numbers; the lists they give back must
 * be exactly what the documented rules make of the same calls: empty
 * slices dropped, a run that continues the last slice on the same vCPU and
 * pcpu extends it (also once the table is full), and each table cut at
 * TIMELINE_LIMIT entries, however the tables pack a loop's calls or calls
 * that repeat a pattern.
 */
import { describe, expect, it } from 'vitest';
import { INSTANT, RUN_NAME, SLICE, TIMELINE_LIMIT, TimelineColumns } from '../../../sandbox/profile/timeline.js';
import type { TimelineInstant, TimelineSlice } from '../../../sandbox/profile/types.js';

const KINDS: TimelineSlice['kind'][] = ['run', 'hypercall', 'trap', 'vmexit', 'upcall'];

/** The rules, one object per entry. */
class Reference {
  slices: TimelineSlice[] = [];
  instants: TimelineInstant[] = [];
  truncated = false;
  constructor(private readonly names: string[]) {}

  slice(domain: number, vcpu: number, pcpu: number, kind: number, name: number, start: number, end: number): void {
    if (end <= start) return;
    const last = this.slices[this.slices.length - 1];
    if (kind === SLICE.run && last && last.kind === 'run' && last.end === start && last.domain === domain && last.vcpu === vcpu && last.pcpu === pcpu) {
      last.end = end;
      return;
    }
    if (this.slices.length >= TIMELINE_LIMIT) {
      this.truncated = true;
      return;
    }
    this.slices.push({ domain, vcpu, pcpu, kind: KINDS[kind], name: this.names[name], start, end });
  }

  instant(kind: number, domain: number, vcpu: number, time: number, port: number, to: number): void {
    if (this.instants.length >= TIMELINE_LIMIT) {
      this.truncated = true;
      return;
    }
    this.instants.push({ kind: kind === INSTANT.send ? 'send' : 'deliver', domain, vcpu, time, port, to });
  }
}

/** A plain run, recorded in the tables and the reference alike. */
function runBoth(columns: TimelineColumns, reference: Reference, domain: number, vcpu: number, pcpu: number, start: number, end: number): void {
  columns.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, start, end);
  reference.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, start, end);
}

/** The tables give back exactly the slices (and the cut) the reference made. */
/**
 * A host call's run and own slice in both: through hostSlices() alone (`direct`), or as the recorder
 * records a hypercall (again() first, hostSlices() when it took nothing).
 */
function callBoth(columns: TimelineColumns, reference: Reference, direct: boolean, domain: number, vcpu: number, pcpu: number, kind: number, name: number, runStart: number, start: number, end: number): void {
  if (direct || !columns.again(columns.hostWho(domain, vcpu, pcpu, kind, name), runStart, start, end)) columns.hostSlices(domain, vcpu, pcpu, runStart, kind, name, start, end);
  reference.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
  reference.slice(domain, vcpu, pcpu, kind, name, start, end);
}

/**
 * Host calls recorded as the recorder records a loop's hypercalls
 * (profile/recorder.ts heldBack()): once repeated() took a call, the calls
 * just like it that follow (right after, the same run and own lengths) are
 * held back while the table has room for them (repeatRoom()), and given
 * with repeatedTimes() before anything else is recorded.
 */
class HoldingBack {
  private who = -1;
  private gap = 0;
  private length = 0;
  private lastEnd = 0;
  private held = 0;
  private room = 0;
  constructor(
    private readonly columns: TimelineColumns,
    private readonly reference: Reference,
  ) {}

  call(domain: number, vcpu: number, pcpu: number, kind: number, name: number, runStart: number, start: number, end: number): void {
    const columns = this.columns;
    const who = columns.hostWho(domain, vcpu, pcpu, kind, name);
    this.reference.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
    this.reference.slice(domain, vcpu, pcpu, kind, name, start, end);
    if (who === this.who && runStart === this.lastEnd && start - runStart === this.gap && end - start === this.length && this.room > 0) {
      this.held++;
      this.room--;
      this.lastEnd = end;
      return;
    }
    this.give();
    if (columns.repeated(who, runStart, start, end)) {
      this.who = who;
      this.gap = start - runStart;
      this.length = end - start;
      this.lastEnd = end;
      this.room = columns.repeatRoom();
    } else if (!columns.takesTurn(who, runStart, start, end)) columns.hostSlices(domain, vcpu, pcpu, runStart, kind, name, start, end);
  }

  run(domain: number, vcpu: number, pcpu: number, start: number, end: number): void {
    this.give();
    runBoth(this.columns, this.reference, domain, vcpu, pcpu, start, end);
  }

  /** Gives the calls held back (before anything else is recorded, and at the end). */
  give(): void {
    if (this.held > 0) this.columns.repeatedTimes(this.held, this.lastEnd);
    this.held = 0;
    this.who = -1;
  }
}

function expectSameSlices(columns: TimelineColumns, reference: Reference): void {
  const timeline = columns.profileTimeline();
  expect(timeline.truncated).toBe(reference.truncated);
  expect(timeline.slices.length).toBe(reference.slices.length);
  expect(timeline.slices).toEqual(reference.slices);
}

/** A deterministic stream of numbers in [0, n). */
function lcg(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

describe('profile timeline tables', () => {
  it("give back exactly the slices the rules make, host calls' pairs among them, past the limit too", () => {
    for (const seed of [1]) {
      const columns = new TimelineColumns();
      const names = ['run', 'xen_version', 'sched_op', 'on_event'];
      const ids = names.map((n) => columns.nameId(n));
      expect(ids[0]).toBe(RUN_NAME);
      const reference = new Reference(names);
      const r = lcg(seed);
      let clock = 1e12 - 5e6 * seed;
      // Enough calls to pass TIMELINE_LIMIT slices, with empty, continuing and switching runs.
      for (let i = 0; i < 170_000; i++) {
        const domain = r(4) === 0 ? r(64) : 0;
        const vcpu = r(8) === 0 ? r(64) : 0;
        const pcpu = r(16) === 0 ? r(64) : 1;
        const runStart = clock - (r(5) === 0 ? 0 : r(3));
        clock += r(4);
        const start = clock;
        clock += r(6) === 0 ? 0 : 1 + r(2000);
        const kind = 1 + r(4);
        const name = ids[1 + r(3)];
        if (r(3) === 0) {
          columns.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
          reference.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
        } else {
          columns.hostSlices(domain, vcpu, pcpu, runStart, kind, name, start, clock);
          reference.slice(domain, vcpu, pcpu, SLICE.run, RUN_NAME, runStart, start);
          reference.slice(domain, vcpu, pcpu, kind, name, start, clock);
        }
      }
      const timeline = columns.profileTimeline();
      expect(timeline.slices.length).toBe(TIMELINE_LIMIT);
      expect(timeline.truncated).toBe(true);
      expect(timeline.slices).toEqual(reference.slices);
    }
  });

  it("give back a loop's repeated host calls one by one, across blocks and up to the limit", () => {
    // Seed 3 records each call with hostSlices(); seed 11 as the recorder records a hypercall, again() first;
    // seed 17 as it records a loop's hypercalls, holding back the calls like the one repeated() took.
    for (const seed of [3, 11, 17]) {
      const columns = new TimelineColumns();
      const names = ['run', 'xen_version', 'sched_op'];
      const ids = names.map((n) => columns.nameId(n));
      const reference = new Reference(names);
      const holding = seed === 17 ? new HoldingBack(columns, reference) : null;
      const r = lcg(seed);
      let clock = 5e11 + seed;
      // Loops of calls from one site (the same run and call lengths), mostly short so that rows fill
      // many blocks, some long; now and then a call of another length, another vCPU or a plain run.
      while (reference.slices.length < TIMELINE_LIMIT + 100) {
        const domain = r(3);
        const vcpu = r(2);
        const pcpu = r(2);
        const kind = 1 + r(2);
        const name = ids[1 + r(2)];
        const gap = r(8) === 0 ? 0 : 1 + r(50);
        const length = r(10) === 0 ? 0 : 1 + r(300);
        const calls = r(200) === 0 ? 1 + r(5_000) : r(5);
        for (let i = 0; i < calls; i++) {
          const runStart = clock;
          const odd = r(50) === 0 ? r(3) : 0;
          const start = runStart + gap + odd;
          const end = start + length + (r(60) === 0 ? 1 : 0);
          clock = end;
          if (holding !== null) holding.call(domain, vcpu, pcpu, kind, name, runStart, start, end);
          else callBoth(columns, reference, seed === 3, domain, vcpu, pcpu, kind, name, runStart, start, end);
        }
        if (r(4) === 0) {
          const end = clock + r(100);
          if (holding !== null) holding.run(domain, vcpu, pcpu, clock, end);
          else runBoth(columns, reference, domain, vcpu, pcpu, clock, end);
          clock = end;
        }
        if (reference.truncated) break;
      }
      // A few more loops past the cut: the full table turns them away, held back or not.
      for (let i = 0; i < 1_000; i++) {
        const start = clock + 7;
        if (holding !== null) holding.call(0, 0, 0, SLICE.hypercall, ids[1], clock, start, start + 300);
        else callBoth(columns, reference, seed === 3, 0, 0, 0, SLICE.hypercall, ids[1], clock, start, start + 300);
        clock = start + 300;
      }
      holding?.give();
      expectSameSlices(columns, reference);
    }
  });

  it('give back calls that repeat a pattern (vCPUs yielding in turn) one by one, across blocks and up to the limit', () => {
    // Seed 5 records each call with hostSlices(); seeds 13 and 21 as the recorder records a hypercall, again() first.
    for (const seed of [5, 13, 21]) {
      const columns = new TimelineColumns();
      const names = ['run', 'sched_op', 'event_channel_op'];
      const ids = names.map((n) => columns.nameId(n));
      const reference = new Reference(names);
      const r = lcg(seed);
      let clock = 7e11 + seed;
      const call = (domain: number, vcpu: number, pcpu: number, kind: number, name: number, runStart: number, start: number, end: number) =>
        callBoth(columns, reference, seed === 5, domain, vcpu, pcpu, kind, name, runStart, start, end);
      // 2 to 10 vCPUs taking turns (a switch between them), long and short, some calls with no run
      // before them (an upcall as a vCPU resumes); now and then a call of another length, a longer
      // switch, another vCPU, a call repeated on the same vCPU, or a plain run.
      while (reference.slices.length < TIMELINE_LIMIT + 100) {
        const period = 2 + r(9);
        const turns = Array.from({ length: period }, () => ({ who: [r(3), r(3), r(4)] as const, kind: 1 + r(2), name: ids[1 + r(2)], switchGap: r(6) === 0 ? 0 : 500 + r(3), gap: r(4) === 0 ? 0 : 1 + r(40), length: 1 + r(300) }));
        const rounds = r(60) === 0 ? 1 + r(3_000) : r(6);
        for (let i = 0; i < period * rounds; i++) {
          const t = turns[i % period];
          const [domain, vcpu, pcpu] = t.who;
          const runStart = clock + t.switchGap + (r(400) === 0 ? 1 : 0);
          const start = runStart + t.gap + (r(450) === 0 ? r(3) : 0);
          const end = start + t.length + (r(350) === 0 ? 1 : 0);
          call(domain, vcpu, pcpu, t.kind, t.name, runStart, start, end);
          clock = end;
          if (r(700) === 0) {
            call(r(4), 2, 1, t.kind, t.name, clock + 500, clock + 510, clock + 600);
            clock += 600;
          }
          if (r(800) === 0) {
            call(domain, vcpu, pcpu, t.kind, t.name, clock, clock + t.gap, clock + t.gap + t.length);
            clock += t.gap + t.length;
          }
        }
        if (r(5) === 0) {
          const end = clock + 1 + r(100);
          runBoth(columns, reference, 0, 1, 2, clock, end);
          clock = end;
        }
        if (reference.truncated) break;
      }
      expectSameSlices(columns, reference);
    }
  });

  it('give back calls that repeat a long pattern (hundreds of vCPUs in turn, up to more than the history holds) one by one', () => {
    // 64 x 4 vCPUs on 4 pcpus yield in a pattern of 256 calls; here 9 to 1,100 vCPUs in turn, each
    // pattern broken now and then (a longer switch, a call of another length), so that a pattern is
    // found again only a while later. Seed 8 records each call with hostSlices(), seed 34 as the recorder does.
    for (const seed of [8, 34]) {
      const columns = new TimelineColumns();
      const names = ['run', 'sched_op'];
      const ids = names.map((n) => columns.nameId(n));
      const reference = new Reference(names);
      const r = lcg(seed);
      let clock = 3e10 + seed;
      for (const period of [9, 17, 256, 300, 1023, 1024, 1100, 511]) {
        const turns = Array.from({ length: period }, (_, i) => ({ domain: i % 251, vcpu: (i * 7) % 253, pcpu: i % 4, gap: 1 + r(3), length: 300 + r(2) }));
        for (let i = 0; i < period * 5 && !reference.truncated; i++) {
          const t = turns[i % period];
          const runStart = clock + 500 + (r(900) === 0 ? 1 : 0);
          const start = runStart + t.gap;
          const end = start + t.length + (r(1_000) === 0 ? 2 : 0);
          callBoth(columns, reference, seed === 8, t.domain, t.vcpu, t.pcpu, SLICE.hypercall, ids[1], runStart, start, end);
          clock = end;
        }
      }
      expect(reference.slices.length).toBeGreaterThan(40_000);
      expectSameSlices(columns, reference);
    }
  });

  it("cut a loop's repeated calls at the limit: the calls that fit, and the run of the first that does not", () => {
    for (const before of [0, 1, 3]) {
      const columns = new TimelineColumns();
      const call = columns.nameId('xen_version');
      const reference = new Reference(['run', 'xen_version']);
      for (let i = 0; i < before; i++) {
        columns.slice(1, 0, 0, SLICE.trap, call, i * 10, i * 10 + 5);
        reference.slice(1, 0, 0, SLICE.trap, call, i * 10, i * 10 + 5);
      }
      let clock = 1000;
      for (let i = 0; i < TIMELINE_LIMIT / 2 + 7; i++) {
        if (!columns.again(columns.hostWho(0, 1, 2, SLICE.hypercall, call), clock, clock + 12, clock + 312)) columns.hostSlices(0, 1, 2, clock, SLICE.hypercall, call, clock + 12, clock + 312);
        reference.slice(0, 1, 2, SLICE.run, RUN_NAME, clock, clock + 12);
        reference.slice(0, 1, 2, SLICE.hypercall, call, clock + 12, clock + 312);
        clock += 312;
      }
      const timeline = columns.profileTimeline();
      expect(timeline.truncated).toBe(true);
      expect(timeline.slices).toHaveLength(TIMELINE_LIMIT);
      expect(timeline.slices).toEqual(reference.slices);
    }
  });

  it('with room for one more slice, keeps a host call\'s run, drops its own slice, and still extends that run', () => {
    const columns = new TimelineColumns();
    const call = columns.nameId('xen_version');
    for (let i = 0; i < TIMELINE_LIMIT - 1; i++) columns.slice(0, 0, 0, SLICE.hypercall, call, i * 10, i * 10 + 5);
    const t = TIMELINE_LIMIT * 10;
    columns.hostSlices(1, 2, 3, t, SLICE.hypercall, call, t + 4, t + 9);
    columns.slice(1, 2, 3, SLICE.run, RUN_NAME, t + 4, t + 7);
    const { slices, truncated } = columns.profileTimeline();
    expect(truncated).toBe(true);
    expect(slices).toHaveLength(TIMELINE_LIMIT);
    expect(slices[TIMELINE_LIMIT - 2]).toEqual({ domain: 0, vcpu: 0, pcpu: 0, kind: 'hypercall', name: 'xen_version', start: t - 20, end: t - 15 });
    expect(slices[TIMELINE_LIMIT - 1]).toEqual({ domain: 1, vcpu: 2, pcpu: 3, kind: 'run', name: 'run', start: t, end: t + 7 });
  });

  it("when full, still extends the last run by a host call's run (as the recorder records a hypercall)", () => {
    const columns = new TimelineColumns();
    const call = columns.nameId('xen_version');
    for (let i = 0; i < TIMELINE_LIMIT - 1; i++) columns.slice(0, 0, 0, SLICE.hypercall, call, i * 10, i * 10 + 5);
    const t = TIMELINE_LIMIT * 10;
    columns.slice(1, 2, 3, SLICE.run, RUN_NAME, t, t + 4);
    const who = columns.hostWho(1, 2, 3, SLICE.hypercall, call);
    if (!columns.again(who, t + 4, t + 6, t + 9)) columns.hostSlices(1, 2, 3, t + 4, SLICE.hypercall, call, t + 6, t + 9);
    const { slices, truncated } = columns.profileTimeline();
    expect(truncated).toBe(true);
    expect(slices).toHaveLength(TIMELINE_LIMIT);
    expect(slices[TIMELINE_LIMIT - 1]).toEqual({ domain: 1, vcpu: 2, pcpu: 3, kind: 'run', name: 'run', start: t, end: t + 6 });
  });

  it('keeps instants with the timer as sender (domain and vCPU -1) and cuts them at the limit', () => {
    const columns = new TimelineColumns();
    const reference = new Reference(['run']);
    const r = lcg(7);
    for (let i = 0; i < TIMELINE_LIMIT + 10; i++) {
      const timer = r(5) === 0;
      const args = [r(2), timer ? -1 : r(64), timer ? -1 : r(64), 1e11 + i * 3, r(65_536), r(64)] as const;
      columns.instant(...args);
      reference.instant(...args);
    }
    const timeline = columns.profileTimeline();
    expect(timeline.truncated).toBe(true);
    expect(timeline.instants).toEqual(reference.instants);
    expect(timeline.slices).toEqual([]);
  });

  it('gives back instants that repeat a pattern (an event ring), broken now and then, exactly and cut at the limit', () => {
    // Rings of 1 to 10 instants (sends and deliveries between a few domains, each round as long as the last),
    // for a random number of rounds, then a few instants of no pattern, a changed step, or a ring one longer.
    for (const seed of [5, 23]) {
      const columns = new TimelineColumns();
      const reference = new Reference(['run']);
      const r = lcg(seed);
      let time = 1e9 * seed;
      const both = (kind: number, domain: number, vcpu: number, port: number, to: number): void => {
        columns.instant(kind, domain, vcpu, time, port, to);
        reference.instant(kind, domain, vcpu, time, port, to);
      };
      while (!reference.truncated) {
        const period = 1 + r(10);
        const ring = Array.from({ length: period }, () => [r(2), r(4) - 1, r(3), 1 + r(3), r(4)] as const);
        const steps = ring.map(() => 1 + r(3) * 100);
        const rounds = r(4) === 0 ? 1 + r(3) : 1 + r(3000);
        for (let n = 0; n < rounds; n++) {
          ring.forEach((instant, j) => {
            // Now and then one instant of a round comes a step late: the pattern breaks there.
            time += steps[j] + (r(500) === 0 ? 1 : 0);
            both(...instant);
          });
        }
        for (let n = r(3); n > 0; n--) {
          time += r(50);
          both(r(2), r(4) - 1, r(3), 1 + r(3), r(4));
        }
      }
      const timeline = columns.profileTimeline();
      expect(timeline.truncated).toBe(true);
      expect(timeline.instants).toHaveLength(TIMELINE_LIMIT);
      expect(timeline.instants).toEqual(reference.instants);
    }
  });
});
