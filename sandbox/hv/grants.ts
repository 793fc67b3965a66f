import { GRANT_SLOTS, GRANT_WINDOW, PAGE_SIZE } from '../machine/memory.js';
import { ERRNO } from '../lang/abi.js';
import type { Domain } from '../machine/state.js';


/** grant_table_op sub-ops. */
export const GNTTABOP = { map_grant_ref: 0, unmap: 1, copy: 5, grant_access: 100, end_access: 101 } as const;

export interface GrantHost {
  domain(id: number): Domain | undefined;
}

/** grant_table_op: refs lowest-free from 1, mapping slots lowest-free from 0. Returns result and bytes copied. */
export function grantTableOp(host: GrantHost, d: Domain, cmd: number, a: number, b: number, c: number, dd: number): { result: number; copied: number } {
  const done = (result: number, copied = 0) => ({ result, copied });
  switch (cmd) {
    case GNTTABOP.grant_access: {
      const grantee = host.domain(a);
      if (!grantee || grantee.state === 'destroyed') return done(ERRNO.ESRCH);
      if (b < 0 || b >= d.memory.pages || (c !== 0 && c !== 1)) return done(ERRNO.EINVAL);
      const free = d.grantRefs.take();
      if (free < 0) return done(ERRNO.EINVAL);
      const ref = free + 1;
      d.grants.set(ref, { grantee: a, frame: b, readonly: c === 1, mapped: 0 });
      return done(ref);
    }
    case GNTTABOP.end_access: {
      const g = d.grants.get(a);
      if (!g) return done(ERRNO.EINVAL);
      if (g.mapped > 0) return done(ERRNO.EBUSY);
      d.grants.delete(a);
      d.grantRefs.release(a - 1);
      return done(0);
    }
    case GNTTABOP.map_grant_ref: {
      const granter = host.domain(a);
      if (!granter || granter.state === 'destroyed') return done(ERRNO.ESRCH);
      const g = granter.grants.get(b);
      if (!g || g.grantee !== d.id) return done(ERRNO.EINVAL);
      const slot = d.memory.mappings.findIndex((m) => m === undefined);
      if (slot < 0) return done(ERRNO.EBUSY);
      d.memory.mappings[slot] = { memory: granter.memory, frame: g.frame, readonly: g.readonly, granter: a, ref: b, revoked: false };
      g.mapped++;
      return done(GRANT_WINDOW + slot * PAGE_SIZE);
    }
    case GNTTABOP.unmap: {
      const slot = ((a >>> 0) - GRANT_WINDOW) / PAGE_SIZE;
      if (!Number.isInteger(slot) || slot < 0 || slot >= GRANT_SLOTS) return done(ERRNO.EINVAL);
      const m = d.memory.mappings[slot];
      if (!m) return done(ERRNO.EINVAL);
      d.memory.mappings[slot] = undefined;
      const g = host.domain(m.granter)?.grants.get(m.ref);
      if (g && !m.revoked) g.mapped = Math.max(0, g.mapped - 1);
      return done(0);
    }
    case GNTTABOP.copy: {
      const target = host.domain(a);
      if (!target || target.state === 'destroyed') return done(ERRNO.ESRCH);
      const g = target.grants.get(b);
      if (!g || g.grantee !== d.id) return done(ERRNO.EINVAL);
      if (g.readonly) return done(ERRNO.EPERM);
      const count = dd >>> 0;
      if (count > PAGE_SIZE) return done(ERRNO.EINVAL);
      const bytes = d.memory.readBytes(c, count);
      if (!bytes) return done(ERRNO.EFAULT);
      if (g.frame * PAGE_SIZE + count > target.memory.limit) return done(ERRNO.EFAULT);
      target.memory.bytes.set(bytes, g.frame * PAGE_SIZE);
      return done(0, count);
    }
    default:
      return done(ERRNO.EINVAL);
  }
}

/** A destroyed domain's grants are revoked: every mapping of them elsewhere faults on use. */
export function revokeGrants(all: readonly Domain[], destroyed: Domain): void {
  for (const d of all) {
    for (const m of d.memory.mappings) if (m && m.granter === destroyed.id) m.revoked = true;
  }
  destroyed.grants.clear();
  destroyed.grantRefs.clear();
}
