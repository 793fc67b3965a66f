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

/** Longest stretch of analysis steps run before the message loop gets its turn. */
const SLICE_MS = 8;
/**
 * How long the messages must have paused before an analysis starts. A step
 * (one file's parse and check) cannot be interrupted: a request sent right
 * after a burst of edits (a hover, a completion) is then handled before it,
 * not after. Small beside any analysis worth coalescing.
 */
const QUIET_MS = 5;

export interface AnalysisJob {
  /** The work in steps; a step that yields `true` ends the slice (something must go out first). */
  steps: Generator<boolean | void, void, void>;
}

export class BackgroundAnalysis<J extends AnalysisJob> {
  /** A message was handled since the last look: messages go first. */
  private busy = false;
  /** When the last message was handled (performance.now()). */
  private lastMessage = 0;
  private scheduled = false;
  /** An analysis of the newest texts is wanted and not yet started. */
  private wanted = false;
  private job: J | undefined;
  /** No analysis starts while held (until the client is ready to show its progress). */
  private held = false;

  constructor(
    /** Starts an analysis of the texts as they are now. */
    private readonly start: () => J,
    /** The job threw: a bug; reported, and not retried until the next change. */
    private readonly failed: (job: J, error: unknown) => void,
  ) {}

  /** Call for every message handled: the analysis waits until none is left. */
  touched(): void {
    this.busy = true;
    this.lastMessage = performance.now();
  }

  /** The texts changed: drop the analysis under way and analyse the newest texts when the messages are handled. */
  restart(): void {
    this.job = undefined;
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
    if (this.scheduled) return;
    this.scheduled = true;
    if (delayMs > 0) setTimeout(this.pump, delayMs);
    else setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if ((!this.wanted || this.held) && !this.job) return;
    if (this.busy) {
      // Messages were handled since the last look: there may be more; look again after them.
      this.busy = false;
      this.schedule();
      return;
    }
    if (!this.job) {
      const quietFor = performance.now() - this.lastMessage;
      if (quietFor < QUIET_MS) {
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
          return;
        }
        if (step.value === true || performance.now() - t0 >= SLICE_MS) break;
      }
    } catch (e) {
      this.job = undefined;
      this.failed(job, e);
      return;
    }
    this.schedule();
  };
}
