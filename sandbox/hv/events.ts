import { ERRNO } from './errno.js';
import { EVTCHN_PORTS, type Domain } from './state.js';

export const VIRQ_TIMER = 0;

/** Event-channel sub-ops of event_channel_op. */
export const EVTCHNOP = { bind_interdomain: 0, bind_virq: 1, close: 3, send: 4, alloc_unbound: 6 } as const;

/** What event channels need from the hypervisor: finding domains and waking them. */
export interface EventHost {
  domain(id: number): Domain | undefined;
  /** Port `port` of `d` became pending: wake its vCPUs blocked on events. */
  notify(d: Domain, port: number): void;
}

function freePort(d: Domain): number {
  for (let p = 1; p < EVTCHN_PORTS; p++) if (d.ports[p].state === 'free') return p;
  return -1;
}

function validPort(port: number): boolean {
  return port >= 1 && port < EVTCHN_PORTS;
}

/** Marks a port pending and tells the hypervisor (delivery, wake-ups). */
export function setPending(host: EventHost, d: Domain, port: number): void {
  d.ports[port].pending = true;
  d.pendingHint = true;
  host.notify(d, port);
}

/** event_channel_op: ports 1..63, allocated lowest-free first. */
export function eventChannelOp(host: EventHost, d: Domain, cmd: number, a: number, b: number): number {
  switch (cmd) {
    case EVTCHNOP.alloc_unbound: {
      const remote = host.domain(a);
      if (!remote || remote.state === 'destroyed') return ERRNO.ESRCH;
      const port = freePort(d);
      if (port < 0) return ERRNO.EINVAL;
      Object.assign(d.ports[port], { state: 'unbound', remoteDomain: a, remotePort: 0, virq: -1, pending: false });
      return port;
    }
    case EVTCHNOP.bind_interdomain: {
      const remote = host.domain(a);
      if (!remote || remote.state === 'destroyed') return ERRNO.ESRCH;
      if (!validPort(b)) return ERRNO.EINVAL;
      const rp = remote.ports[b];
      if (rp.state !== 'unbound' || rp.remoteDomain !== d.id) return ERRNO.EINVAL;
      const port = freePort(d);
      if (port < 0) return ERRNO.EINVAL;
      Object.assign(d.ports[port], { state: 'interdomain', remoteDomain: a, remotePort: b, virq: -1, pending: false });
      Object.assign(rp, { state: 'interdomain', remoteDomain: d.id, remotePort: port });
      return port;
    }
    case EVTCHNOP.bind_virq: {
      if (a !== VIRQ_TIMER) return ERRNO.EINVAL;
      if (d.ports.some((p) => p.state === 'virq' && p.virq === a)) return ERRNO.EINVAL;
      const port = freePort(d);
      if (port < 0) return ERRNO.EINVAL;
      Object.assign(d.ports[port], { state: 'virq', remoteDomain: -1, remotePort: 0, virq: a, pending: false });
      return port;
    }
    case EVTCHNOP.send: {
      if (!validPort(a)) return ERRNO.EINVAL;
      const p = d.ports[a];
      if (p.state === 'virq' || p.state === 'unbound') return 0;
      if (p.state !== 'interdomain') return ERRNO.EINVAL;
      const peer = host.domain(p.remoteDomain);
      if (peer && peer.alive) setPending(host, peer, p.remotePort);
      return 0;
    }
    case EVTCHNOP.close: {
      if (!validPort(a)) return ERRNO.EINVAL;
      const p = d.ports[a];
      if (p.state === 'free') return ERRNO.EINVAL;
      if (p.state === 'interdomain') {
        const peer = host.domain(p.remoteDomain);
        const back = peer?.ports[p.remotePort];
        if (back && back.state === 'interdomain' && back.remoteDomain === d.id) Object.assign(back, { state: 'unbound', remotePort: 0 });
      }
      Object.assign(p, { state: 'free', remoteDomain: -1, remotePort: 0, virq: -1, pending: false });
      return 0;
    }
    default:
      return ERRNO.EINVAL;
  }
}

/** The timer fired: VIRQ_TIMER becomes pending where the domain bound it. */
export function raiseTimer(host: EventHost, d: Domain): void {
  const port = d.ports.findIndex((p) => p.state === 'virq' && p.virq === VIRQ_TIMER);
  if (port > 0) setPending(host, d, port);
}

/** The lowest pending port (1..63), or -1: the lowest set bit of the domain's pending bitmap. */
export function lowestPending(d: Domain): number {
  const bits = d.pendingBits;
  for (let w = 0; w < bits.length; w++) {
    // Port 0 is never an event port.
    const x = w === 0 ? bits[0] & ~1 : bits[w];
    if (x !== 0) return w * 32 + 31 - Math.clz32(x & -x);
  }
  return -1;
}
