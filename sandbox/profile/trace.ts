import { cyclesToMicroseconds, TIME_UNIT_NOTE } from './timeUnit.js';
import type { Profile } from './types.js';

/** One Chrome trace event (the JSON Perfetto and chrome://tracing load). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  /** Microseconds; one virtual cycle is one microsecond (timeUnit.ts). */
  ts?: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, string | number>;
}

export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number>;
}

const us = cyclesToMicroseconds;

/**
 * The run's timeline as Chrome trace-event JSON: one process per domain
 * (pid = domid + 1), one thread per vCPU (tid = vCPU id + 1); `X` slices for
 * run periods, hypercalls, traps, VM exits and upcalls (they never overlap on
 * a thread: a run period is cut where a named slice begins), instants for
 * event sends (on the sender; the timer's on the receiver) and deliveries.
 */
export function toTrace(p: Profile): Trace {
  const events: TraceEvent[] = [];
  for (const d of p.summary.domains) {
    events.push({ name: 'process_name', ph: 'M', pid: d.id + 1, tid: 0, args: { name: `${d.name} (domid ${d.id}, ${d.mode})` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: d.id + 1, tid: 0, args: { sort_index: d.id } });
    const vcpus = p.nodes.filter((n) => n.kind === 'vcpu' && n.domain === d.id);
    for (const v of vcpus) events.push({ name: 'thread_name', ph: 'M', pid: d.id + 1, tid: v.vcpu + 1, args: { name: `vCPU ${v.vcpu}` } });
  }
  for (const s of p.timeline.slices) {
    const name = s.kind === 'run' ? 'run' : s.kind === 'upcall' ? 'upcall on_event' : `${s.kind} ${s.name}`;
    events.push({ name, cat: s.kind, ph: 'X', pid: s.domain + 1, tid: s.vcpu + 1, ts: us(s.start), dur: us(s.end - s.start), args: { pcpu: s.pcpu, cycles: s.end - s.start } });
  }
  const domainName = (id: number): string => p.summary.domains[id]?.name ?? `domain ${id}`;
  for (const i of p.timeline.instants) {
    if (i.kind === 'deliver') {
      events.push({ name: `deliver port ${i.port}`, cat: 'event', ph: 'i', s: 't', pid: i.domain + 1, tid: i.vcpu + 1, ts: us(i.time), args: { port: i.port } });
    } else if (i.domain >= 0) {
      events.push({ name: `send → ${domainName(i.to)} port ${i.port}`, cat: 'event', ph: 'i', s: 't', pid: i.domain + 1, tid: i.vcpu + 1, ts: us(i.time), args: { port: i.port, to: i.to } });
    } else {
      events.push({ name: `timer → port ${i.port}`, cat: 'event', ph: 'i', s: 't', pid: i.to + 1, tid: 1, ts: us(i.time), args: { port: i.port } });
    }
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { timeUnit: TIME_UNIT_NOTE, system: p.system, hypervisor: p.hypervisor ?? 'none', cycles: p.elapsed, truncated: p.timeline.truncated ? 'yes' : 'no' },
  };
}
