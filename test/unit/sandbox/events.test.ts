/**
 * Event delivery (spec §4 statement boundaries, §5 event channels): a pending,
 * unmasked port is delivered to `on_event(port)` on vCPU 0, pending is cleared
 * on delivery, lowest port first, no nested delivery, masking by `cli()` in
 * native/hvm and by the shared-info mask byte in pv, and the pv upcall-pending
 * byte. pvlab delivers at "check points" (loop tests, a function's first
 * statement boundary, right after a hypercall): tests that need a delivery
 * point use a loop, except those about the point right after a hypercall.
 */
import { describe, expect, it } from 'vitest';
import { forEachEngine, lines, runDomains, runKernel } from './helpers.js';

forEachEngine(() => {
  /**
   * Self-connected ports of the only domain, dom0: ports 1..3 are unbound for
   * dom0, ports 4..6 are bound to them, so a send on 3+k makes port k pending.
   */
  const SELF_PORTS = `
fn setup() {
    hypercall event_channel_op(6, 0, 0);    // 1
    hypercall event_channel_op(6, 0, 0);    // 2
    hypercall event_channel_op(6, 0, 0);    // 3
    hypercall event_channel_op(0, 0, 1);    // 4 ↔ 1
    hypercall event_channel_op(0, 0, 2);    // 5 ↔ 2
    hypercall event_channel_op(0, 0, 3);    // 6 ↔ 3
}
fn raise(k: u32) {
    hypercall event_channel_op(4, k + 3, 0);
}`;

  describe('delivery', () => {
    it('goes to on_event on vCPU 0 with the port, never on another vCPU', () => {
      const { dom } = runKernel(
        `
var got: u32 = 0;
fn on_event(port: u32) {
    got = port;
    print("event ", port, " on vcpu ", vcpu_id());
}
fn main() -> u32 {
    if (vcpu_id() == 1) {
        let a = hypercall event_channel_op(6, 0, 0);
        let b = hypercall event_channel_op(0, 0, a as u32);
        hypercall event_channel_op(4, b as u32, 0);
        while (got == 0) { }
        print("vcpu 1 saw ", got);
        return 0;
    }
    while (got == 0) { hypercall sched_op(0, 0); }
    while (hypercall vcpu_op(2, 1) == 1) { hypercall sched_op(0, 0); }
    return 0;
}`,
        { vcpus: 2 },
      );
      expect(lines(dom)).toEqual(['event 1 on vcpu 0', 'vcpu 1 saw 1']);
      expect(dom.events).toBe(1);
      expect(dom.state).toBe('exited');
    });

    it('clears pending: one send, one delivery, however many check points follow', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
var n: u32 = 0;
fn on_event(port: u32) { n += 1; }
fn main() -> u32 {
    setup();
    raise(2);
    for i in 0..10 { }
    while (n > 5) { }
    return n;
}`);
      expect(dom.exitCode).toBe(1);
      expect(dom.events).toBe(1);
    });

    it('sends to a port twice before delivery: still one delivery (pending is a flag)', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
var n: u32 = 0;
fn on_event(port: u32) { n += 1; }
fn main() -> u32 {
    setup();
    mem8[vcpu_info()] = 1;
    raise(1);
    raise(1);
    mem8[vcpu_info()] = 0;
    for i in 0..10 { }
    return n;
}`);
      expect(dom.exitCode).toBe(1);
      expect(dom.events).toBe(1);
    });

    it('delivers the lowest pending port first', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
fn on_event(port: u32) { print("event ", port); }
fn main() -> u32 {
    setup();
    mem8[vcpu_info()] = 1;
    raise(3);
    raise(1);
    raise(2);
    mem8[vcpu_info()] = 0;
    for i in 0..5 { }
    return 0;
}`);
      expect(lines(dom)).toEqual(['event 1', 'event 2', 'event 3']);
      expect(dom.events).toBe(3);
    });

    it('does not nest: an event raised inside on_event waits until it returns', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
var done: u32 = 0;
fn on_event(port: u32) {
    print("enter ", port);
    if (port == 1) {
        raise(2);
        for i in 0..5 { }
        while (done > 100) { }
    }
    print("leave ", port);
    done += 1;
}
fn main() -> u32 {
    setup();
    raise(1);
    while (done < 2) { }
    return 0;
}`);
      expect(lines(dom)).toEqual(['enter 1', 'leave 1', 'enter 2', 'leave 2']);
      expect(dom.events).toBe(2);
    });

    it('an event sent by another domain is delivered on vCPU 0 of the receiver', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `
var got: u32 = 0;
fn on_event(port: u32) { got = port; }
fn main() -> u32 {
    let p = hypercall event_channel_op(6, 0, 0);     // 1
    let q = hypercall event_channel_op(6, 1, 0);     // 2: for the guest
    while (got == 0) { hypercall sched_op(1, 0); }
    print("got ", got);
    return 0;
}`,
        },
        {
          name: 'guest',
          kernel: `fn main() -> u32 {
    let p = hypercall event_channel_op(0, 0, 2);
    print("bound ", p);
    print("send ", hypercall event_channel_op(4, p as u32, 0));
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[1])).toEqual(['bound 1', 'send 0']);
      expect(lines(r.domains[0])).toEqual(['got 2']);
      expect(r.domains[0].events).toBe(1);
      expect(r.end).toBe('exited');
    });
  });

  describe('check points', () => {
    it("a function's first statement boundary delivers", () => {
      const { dom } = runKernel(`
fn on_event(port: u32) { print("event ", port); }
fn f() {
    print("in f");
}
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    f();
    return 0;
}`);
      expect(lines(dom)).toEqual(['event 1', 'in f']);
    });

    it('a loop test delivers', () => {
      const { dom } = runKernel(`
fn on_event(port: u32) { print("event ", port); }
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    for i in 0..1 { print("in loop"); }
    return 0;
}`);
      expect(lines(dom)).toEqual(['event 1', 'in loop']);
    });
  });

  describe('the check point right after a hypercall', () => {
    // The spec delivers at the next statement boundary; pvlab's check points
    // include the point right after a hypercall. Either way the upcall runs
    // before the statement that follows the hypercall.
    it('an event a hypercall made pending is delivered before the next statement', () => {
      const { dom } = runKernel(`
fn on_event(port: u32) { print("event ", port); }
fn main() -> u32 {
    let a = hypercall event_channel_op(6, 0, 0);
    let b = hypercall event_channel_op(0, 0, a as u32);
    hypercall event_channel_op(4, b as u32, 0);
    print("after send");
    return 0;
}`);
      expect(lines(dom)).toEqual(['event 1', 'after send']);
      expect(dom.events).toBe(1);
    });

    it('a vCPU woken from sched_op block gets the event before the next statement', () => {
      const r = runDomains([
        {
          name: 'dom0',
          props: 'privileged;',
          kernel: `
fn on_event(port: u32) { print("event ", port); }
fn main() -> u32 {
    let p = hypercall event_channel_op(6, 1, 0);
    hypercall sched_op(1, 0);
    print("after block");
    return 0;
}`,
        },
        {
          name: 'guest',
          kernel: `fn main() -> u32 {
    let p = hypercall event_channel_op(0, 0, 1);
    hypercall event_channel_op(4, p as u32, 0);
    return 0;
}`,
        },
      ]);
      expect(lines(r.domains[0])).toEqual(['event 1', 'after block']);
    });
  });

  describe('masking', () => {
    it('hvm: cli() masks delivery (no VM exit), sti() unmasks and a later check point delivers', () => {
      const { dom } = runKernel(
        `
${SELF_PORTS}
var got: u32 = 0;
fn on_event(port: u32) { got = port; print("event ", port); }
fn main() -> u32 {
    setup();
    cli();
    raise(1);
    for i in 0..5 { }
    print("masked ", got);
    sti();
    for i in 0..2 { }
    print("unmasked ", got);
    return 0;
}`,
        { mode: 'hvm' },
      );
      expect(lines(dom)).toEqual(['masked 0', 'event 1', 'unmasked 1']);
      expect(dom.vmexits).toEqual({});
      expect(dom.traps).toEqual({});
    });

    it('hvm: events stay masked across a hypercall and a function entry while cli is in force', () => {
      const { dom } = runKernel(
        `
${SELF_PORTS}
var got: u32 = 0;
fn on_event(port: u32) { got = port; }
fn f() -> u32 { return got; }
fn main() -> u32 {
    cli();
    setup();
    raise(1);
    let x = f();
    let v = hypercall xen_version(0);
    while (got > 0) { }
    sti();
    while (got == 0) { }
    return x * 10 + got;
}`,
        { mode: 'hvm' },
      );
      expect(dom.exitCode).toBe(1); // x = 0, got = 1
      expect(dom.events).toBe(1);
    });

    it('pv: the shared-info mask byte masks (mem8[vcpu_info()] = 1), clearing it unmasks', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
var got: u32 = 0;
fn on_event(port: u32) { got = port; print("event ", port); }
fn main() -> u32 {
    setup();
    mem8[vcpu_info()] = 1;
    raise(2);
    for i in 0..5 { }
    print("masked ", got);
    mem8[vcpu_info()] = 0;
    for i in 0..2 { }
    print("unmasked ", got);
    return 0;
}`);
      expect(lines(dom)).toEqual(['masked 0', 'event 2', 'unmasked 2']);
      expect(dom.traps).toEqual({});
    });

    it('pv: cli() traps and sets the mask byte, sti() clears it', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
var got: u32 = 0;
fn on_event(port: u32) { got = port; }
fn main() -> u32 {
    setup();
    cli();
    print("mask ", mem8[vcpu_info()]);
    raise(3);
    for i in 0..5 { }
    print("masked ", got);
    sti();
    print("mask ", mem8[vcpu_info()]);
    for i in 0..2 { }
    print("unmasked ", got);
    return 0;
}`);
      expect(lines(dom)).toEqual(['mask 1', 'masked 0', 'mask 0', 'unmasked 3']);
      expect(dom.traps).toEqual({ cli: 1, sti: 1 });
    });

    it("pv: another vCPU's mask byte does not mask vCPU 0", () => {
      const { dom } = runKernel(
        `
${SELF_PORTS}
var got: u32 = 0;
fn on_event(port: u32) { got = port; }
fn main() -> u32 {
    if (vcpu_id() == 1) { return 0; }
    setup();
    mem8[64] = 1;          // vCPU 1's slot
    raise(1);
    for i in 0..2 { }
    return got;
}`,
        { vcpus: 2 },
      );
      expect(dom.exitCode).toBe(1);
    });

    it('pv: the upcall-pending byte is 1 while a port is pending, 0 after delivery', () => {
      const { dom } = runKernel(`
${SELF_PORTS}
fn on_event(port: u32) { print("in on_event pending ", mem8[vcpu_info() + 1]); }
fn main() -> u32 {
    setup();
    mem8[vcpu_info()] = 1;
    print("before ", mem8[vcpu_info() + 1]);
    raise(1);
    print("after send ", mem8[vcpu_info() + 1]);
    mem8[vcpu_info()] = 0;
    for i in 0..2 { }
    print("after delivery ", mem8[vcpu_info() + 1]);
    return 0;
}`);
      expect(lines(dom)).toEqual(['before 0', 'after send 1', 'in on_event pending 0', 'after delivery 0']);
    });

    it('interrupts and delivery start enabled (flag set, mask bytes 0)', () => {
      const { dom } = runKernel(`fn main() -> u32 { return mem8[vcpu_info()] * 10 + mem8[vcpu_info() + 1]; }`);
      expect(dom.exitCode).toBe(0);
    });
  });
});
