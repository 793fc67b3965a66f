import { describe, expect, test } from 'vitest';
import { lineOf, withSession, type Session } from './helpers.js';

/**
 * Done when, item 7: readMemory of a granted page. grants.pvk: dom0 writes
 * "hello from dom0!" at 0x2000 (page 2), grants that page writable to the
 * paused domU (ref 1) and unpauses it; the domU maps it (grant_table_op
 * map_grant_ref → 0x40000000, slot 0) and reads its first word.
 */
const G = 'grants_guest.pvk';
const AFTER_MAP = lineOf(G, 'let first = mem32[addr as u32];');
const GRANT_BASE = 0x40000000;
const bp = { breakpoints: { [G]: [{ line: AFTER_MAP }] } };

/** The memory reference the Domain scope gives a thread's domain (its `pages` variable). */
async function memoryReference(s: Session, threadId: number): Promise<string> {
  const frames = await s.stack(threadId);
  const vars = await s.variables((await s.scopes(frames[0].id)).Domain);
  const pages = vars.find((v) => v.name === 'pages');
  expect(pages?.memoryReference).toBeTruthy();
  return pages?.memoryReference as string;
}

async function read(s: Session, memoryReference: string, offset: number, count: number): Promise<{ bytes: Buffer; address: string; unreadableBytes?: number }> {
  const r = await s.dap.request<{ address: string; data?: string; unreadableBytes?: number }>('readMemory', { memoryReference, offset, count });
  return { bytes: Buffer.from(r.body.data ?? '', 'base64'), address: r.body.address, unreadableBytes: r.body.unreadableBytes };
}

describe('readMemory / writeMemory', () => {
  test("reading the mapping domain's reference at 0x40000000 returns the granter's bytes", async () => {
    await withSession('grants.pvk', bp, async (s) => {
      const stop = await s.stopped();
      const guest = await s.threadId('guest · vcpu0');
      const dom0 = await s.threadId('dom0 · vcpu0');
      expect(stop.threadId).toBe(guest);
      expect((await s.scope(guest, 'Locals')).addr).toBe(String(GRANT_BASE));
      const guestRef = await memoryReference(s, guest);
      const dom0Ref = await memoryReference(s, dom0);
      expect(guestRef).not.toBe(dom0Ref);

      const granted = await read(s, dom0Ref, 0x2000, 16);
      expect(granted.bytes.toString('latin1')).toBe('hello from dom0!');
      const mapped = await read(s, guestRef, GRANT_BASE, 16);
      expect(Number(mapped.address)).toBe(GRANT_BASE);
      expect(mapped.bytes.equals(granted.bytes)).toBe(true);
      // The whole page is the granter's page 2.
      const page = await read(s, guestRef, GRANT_BASE, 4096);
      expect(page.bytes.equals((await read(s, dom0Ref, 0x2000, 4096)).bytes)).toBe(true);
      // The guest's own page 2 is its own (zero), and nothing past the one mapped slot is readable.
      expect((await read(s, guestRef, 0x2000, 16)).bytes.equals(Buffer.alloc(16))).toBe(true);
      const past = await read(s, guestRef, GRANT_BASE + 4096, 16);
      expect(past.bytes.length).toBe(0);
      expect(past.unreadableBytes).toBe(16);
      // The debugger's own evaluation agrees.
      expect((await s.evaluate('mem32[0x40000000]')).body.result).toBe(`${0x6c6c6568} (0x6c6c6568)`);
    });
  });

  test('writeMemory through the mapping changes the granter\'s frame, readMemory shows it, and the guest reads it', async () => {
    await withSession('grants.pvk', bp, async (s) => {
      await s.stopped();
      const guestRef = await memoryReference(s, await s.threadId('guest · vcpu0'));
      const dom0Ref = await memoryReference(s, await s.threadId('dom0 · vcpu0'));
      const w = await s.dap.request<{ bytesWritten?: number }>('writeMemory', { memoryReference: guestRef, offset: GRANT_BASE, data: Buffer.from('HELO').toString('base64') });
      expect(w.body?.bytesWritten ?? 4).toBe(4);
      expect((await read(s, guestRef, GRANT_BASE, 16)).bytes.toString('latin1')).toBe('HELOo from dom0!');
      expect((await read(s, dom0Ref, 0x2000, 16)).bytes.toString('latin1')).toBe('HELOo from dom0!');
      // A write to the guest's own memory stays there.
      await s.dap.request('writeMemory', { memoryReference: guestRef, offset: 0x3000, data: Buffer.from([1, 2, 3, 4]).toString('base64') });
      expect([...(await read(s, guestRef, 0x3000, 4)).bytes]).toEqual([1, 2, 3, 4]);
      expect([...(await read(s, dom0Ref, 0x3000, 4)).bytes]).toEqual([0, 0, 0, 0]);
      // The guest's next statement reads the written word; dom0 sees it too.
      await s.continue();
      expect(await s.stopOrEnd()).toBeUndefined();
      const word = Buffer.from('HELO').readUInt32LE(0);
      expect(s.dap.output()).toContain(`[guest] guest: mapped at ${GRANT_BASE}, first word ${word}`);
      expect(s.dap.output()).toContain(`[dom0] dom0: granted ref 1, page now starts with ${word}`);
    });
  });

  test('an unknown memory reference is an error response', async () => {
    await withSession('grants.pvk', bp, async (s) => {
      await s.stopped();
      const r = await s.dap.request('readMemory', { memoryReference: 'dom:9', offset: 0, count: 4 }, true);
      expect(r.success).toBe(false);
    });
  });
});
