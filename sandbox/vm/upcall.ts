import { COSTS } from '../machine/costs.js';
import type { Vcpu } from '../machine/state.js';
import type { EngineHost } from './engine.js';
import { MAX_CALL_DEPTH } from './engine.js';
import { GuestFault } from '../machine/fault.js';

/**
 * Starts delivering `port` to on_event: clears it, counts it, marks the vCPU
 * in an upcall and charges the upcall cost. Shared by both engines.
 */
export function beginUpcall(host: EngineHost, vcpu: Vcpu, port: number, depth: number): void {
  const dom = vcpu.domain;
  const fn = dom.program.functions[dom.program.onEvent];
  if (depth >= MAX_CALL_DEPTH) {
    throw new GuestFault('stack-overflow', `call depth above ${MAX_CALL_DEPTH} frames delivering an event to on_event`, fn.file, fn.line);
  }
  dom.ports[port].pending = false;
  dom.events++;
  vcpu.inUpcall = true;
  host.charge(vcpu, COSTS.upcall);
  host.eventsChanged(vcpu);
}
