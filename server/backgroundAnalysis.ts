/**
 * Runs the workspace analysis behind the message loop, coalescing edits:
 *
 * - it starts only when every message that has arrived is handled (a burst
 *   of keystrokes read together is analysed once, at its newest version);
 * - it runs in slices of a few milliseconds (steps of about one file each),
 *   and between slices it lets every waiting message be handled first, so
 *   requests interleave with a long analysis;
 * - a change drops the analysis under way: superseded texts are never
 *   finished, and their diagnostics never published.
 *
 * Wall-clock time here only decides when to yield; it never changes a result.
 */

/**
 * Longest stretch of analysis steps run before the message loop gets its
 * turn: a message that arrives meanwhile (the next keystroke) waits for the
 * slice to end. A turn of the loop costs microseconds.
 */
const SLICE_MS = 2;
/**
 * How long the messages must have paused before an analysis starts, when
 * they came in a burst. A step (one file's parse and check) cannot be
 * interrupted: a request sent right after a burst of edits (a hover, a
 * completion) is then handled before it, not after. Small beside any
 * analysis worth coalescing. A message read on its own (a keystroke at
 * typing speed) starts the analysis at once: what follows it (completion,
 * code actions) needs that analysis anyway.
 */
const QUIET_MS = 5;
/** Messages read less than this apart are a burst: read together, sent faster than the server reads. */
const BURST_GAP_MS = 1;
/**
 * How long the messages must have paused, after a job's output went out,
 * before its remaining steps (extra work that only warms caches for a later
 * request) run: the client's next keystroke usually follows within this, and
 * then neither waits for that work nor shares the machine with it.
 */
const IDLE_MS = 30;

export interface AnalysisJob {
  /**
   * The work in steps. A step that yields `true` ends the slice (its output
   * must go out first); the steps after it are extra work, run once the
   * messages have paused for IDLE_MS.
   */
  steps: Generator<boolean | void, void, void>;
}

export class BackgroundAnalysis<J extends AnalysisJob> {
  /** A message was handled since the last look: messages go first. */
  private busy = false;
  /** When the last message was handled (performance.now()). */
  private lastMessage = 0;
  /** When the last message was read, and how long after the one before it. */
  private lastArrival = -Infinity;
  private arrivalGap = Infinity;
  /** The pump's next run: on the next turn of the loop, or a timer (which a sooner run replaces). */
  private scheduled: 'immediate' | ReturnType<typeof setTimeout> | undefined;
  /** An analysis of the newest texts is wanted and not yet started. */
  private wanted = false;
  private job: J | undefined;
  /** The job under way has put out its result: its remaining steps wait for the messages to pause (IDLE_MS). */
  private idleWork = false;
  /** No analysis starts while held (until the client is ready to show its progress). */
  private held = false;

  constructor(
    /** Starts an analysis of the texts as they are now. */
    private readonly start: () => J,
    /** The job threw: a bug; reported, and not retried until the next change. */
    private readonly failed: (job: J, error: unknown) => void,
  ) {}

  /** Call for every message read (before any merging): a burst makes the analysis wait for a pause. */
  arrived(): void {
    const now = performance.now();
    this.arrivalGap = now - this.lastArrival;
    this.lastArrival = now;
  }

  /** Call for every message handled: the analysis waits until none is left. */
  touched(): void {
    this.busy = true;
    this.lastMessage = performance.now();
  }

  /** The texts changed: drop the analysis under way and analyse the newest texts when the messages are handled. */
  restart(): void {
    this.job = undefined;
    this.idleWork = false;
    this.wanted = true;
    this.schedule();
  }

  /** Starts no analysis until `release`. */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.schedule();
  }

  /** True while an analysis is wanted or under way. */
  get pending(): boolean {
    return this.wanted || this.job !== undefined;
  }

  private schedule(delayMs = 0): void {
    if (this.scheduled === 'immediate') return;
    if (this.scheduled !== undefined) {
      // A timer is pending (a wait for the messages to pause): a run wanted now replaces it.
      if (delayMs > 0) return;
      clearTimeout(this.scheduled);
    }
    if (delayMs > 0) {
      this.scheduled = setTimeout(this.pump, delayMs);
    } else {
      this.scheduled = 'immediate';
      setImmediate(this.pump);
    }
  }

  private readonly pump = (): void => {
    this.scheduled = undefined;
    if ((!this.wanted || this.held) && !this.job) return;
    if (this.busy) {
      // Messages were handled since the last look: there may be more; look again after them.
      this.busy = false;
      this.schedule();
      return;
    }
    if (this.idleWork) {
      const quietFor = performance.now() - this.lastMessage;
      if (quietFor < IDLE_MS) {
        this.schedule(IDLE_MS - quietFor);
        return;
      }
    }
    if (!this.job) {
      const quietFor = performance.now() - this.lastMessage;
      if (quietFor < QUIET_MS && this.arrivalGap < BURST_GAP_MS) {
        this.schedule(QUIET_MS - quietFor);
        return;
      }
      this.wanted = false;
      this.job = this.start();
    }
    const job = this.job;
    const t0 = performance.now();
    try {
      for (;;) {
        const step = job.steps.next();
        if (step.done) {
          this.job = undefined;
          this.idleWork = false;
          return;
        }
        if (step.value === true) {
          // The output goes out now: the pause the rest waits for counts from here.
          this.idleWork = true;
          this.lastMessage = performance.now();
          break;
        }
        if (performance.now() - t0 >= SLICE_MS) break;
      }
    } catch (e) {
      this.job = undefined;
      this.idleWork = false;
      this.failed(job, e);
      return;
    }
    this.schedule();
  };
}
