import type { Domain, Vcpu } from '../machine/state.js';

/**
 * With several pcpus, the one whose clock is lowest runs next, for at most
 * this many cycles past the next-lowest clock: cross-pcpu effects are
 * visible within this skew.
 */
export const SYNC_QUANTUM = 1000;

/** The reference weight: a domain of this weight ages one unit per cycle. */
const BASE_WEIGHT = 256;

/** Length of a cap accounting period, in timeslices. */
export const CAP_PERIOD_SLICES = 10;

/** Charges a domain's weighted virtual time for cycles it consumed. */
export function age(d: Domain, cycles: number): void {
  d.vtime += (cycles * BASE_WEIGHT) / d.config.weight;
}

/** Whether a capped domain still has budget in the period containing `now`. */
export function capAllows(d: Domain, now: number, period: number): boolean {
  if (d.config.cap === null) return true;
  const index = Math.floor(now / period);
  if (index !== d.capPeriod) return true;
  return d.capUsed < (d.config.cap / 100) * period;
}

export function chargeCap(d: Domain, now: number, period: number, cycles: number): void {
  if (d.config.cap === null) return;
  const index = Math.floor(now / period);
  if (index !== d.capPeriod) {
    d.capPeriod = index;
    d.capUsed = 0;
  }
  d.capUsed += cycles;
}

/** When a capped domain may run again: the start of the next period. */
export function capResumesAt(now: number, period: number): number {
  return (Math.floor(now / period) + 1) * period;
}

/**
 * The order in which runnable vCPUs are picked: lowest weighted virtual time
 * of its domain first, then the vCPU that ran least recently, then domid and
 * vCPU id. A strict total order (the run queue is a heap in this order).
 */
export function runsBefore(v: Vcpu, w: Vcpu): boolean {
  const a = v.domain.vtime;
  const b = w.domain.vtime;
  return a < b || (a === b && (v.lastRan < w.lastRan || (v.lastRan === w.lastRan && (v.domain.id < w.domain.id || (v.domain.id === w.domain.id && v.id < w.id)))));
}

/** The order of armed timers: earliest deadline first, then boot order (`slot`). */
export function firesBefore(v: Vcpu, w: Vcpu, slot: (v: Vcpu) => number): boolean {
  return v.timerDeadline < w.timerDeadline || (v.timerDeadline === w.timerDeadline && slot(v) < slot(w));
}
