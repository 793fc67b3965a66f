/**
 * The time unit of pvlab's profiles in the standard formats (`.cpuprofile`,
 * Chrome trace events): one virtual cycle is written as one microsecond.
 *
 * Typical runs last thousands to millions of cycles, so viewers that show
 * milliseconds with two decimals (VS Code's profile table, its Self Time
 * lenses, Perfetto's ruler) print meaningful numbers: 7 cycles read 0.01 ms,
 * a 12,000-cycle run 12 ms. One place says so for the files, the profile
 * view and the docs.
 */
export const MICROSECONDS_PER_CYCLE = 1;

/** Cycles as the microseconds the standard formats hold. */
export const cyclesToMicroseconds = (cycles: number): number => cycles * MICROSECONDS_PER_CYCLE;

/** What the files' metadata and the profile view say about the unit. */
export const TIME_UNIT_NOTE = '1 virtual cycle = 1 µs (read "ms" in the viewers as thousands of cycles)';
