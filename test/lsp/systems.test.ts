/**
 * `pvlab/systems` (server/protocol.ts): the systems Run, Debug and Profile
 * System offer, as the server knows them — from the analysis, so an unsaved
 * edit counts and a `system` word in a comment does not.
 * Fixture: test/fixtures/lsp/context (system.pvk declares host and old_host).
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_SYSTEM, SYSTEMS, type CheckSystemResult, type SystemsResult } from '../../server/protocol';
import { copyFixture, LspClient, read, removeDir, settle, uri } from './helpers';

let dir: string;
let client: LspClient;
const file = (name: string): string => path.join(dir, name);
const systems = (params: { uri?: string }): Promise<SystemsResult> => client.request<SystemsResult>(SYSTEMS, params);

beforeAll(async () => {
  dir = copyFixture('context');
  client = new LspClient();
  await client.start(dir);
});

afterAll(async () => {
  await client?.stop();
  removeDir(dir);
});

describe('pvlab/systems', () => {
  it('lists the systems of the workspace folder, in file order', async () => {
    expect(await systems({})).toEqual([
      { uri: uri(file('system.pvk')), name: 'host' },
      { uri: uri(file('system.pvk')), name: 'old_host' },
    ]);
  });

  it('lists the systems of one file, and none for a kernel', async () => {
    expect((await systems({ uri: uri(file('system.pvk')) })).map((s) => s.name)).toEqual(['host', 'old_host']);
    expect(await systems({ uri: uri(file('kernel.pvk')) })).toEqual([]);
  });

  it('follows unsaved edits, and a commented-out system is no system', async () => {
    const sys = file('system.pvk');
    const edited = `${read(sys)}\n// system not_a_system { }\nsystem lab {\n    hypervisor 4.2;\n    domain dom0 { kernel "kernel.pvk"; memory 16; privileged; }\n}\n`;
    client.open(sys, edited);
    await settle(client);
    expect((await systems({ uri: uri(sys) })).map((s) => s.name)).toEqual(['host', 'old_host', 'lab']);
  });

  it('answers an empty list for a URI it cannot read as a file', async () => {
    expect(await systems({ uri: 'untitled:Untitled-1' })).toEqual([]);
  });
});

describe('pvlab/checkSystem (asked before Run, Debug and Profile)', () => {
  const check = (params: { uri: string; system?: string }): Promise<CheckSystemResult> => client.request<CheckSystemResult>(CHECK_SYSTEM, params);

  it('passes a system that compiles', async () => {
    expect(await check({ uri: uri(file('system.pvk')), system: 'host' })).toEqual({ ok: true, message: '', errors: 0 });
  });

  it('names the first error, in the kernel the system boots, with its place', async () => {
    const kernel = file('kernel.pvk');
    client.open(kernel, `${read(kernel)}\nfn broken() -> u32 { let x: u32 = -1; return x; }\n`);
    await settle(client);
    const checked = await check({ uri: uri(file('system.pvk')), system: 'host' });
    expect(checked.ok).toBe(false);
    expect(checked.message).toBe('system host does not compile');
    expect(checked.errors).toBe(1);
    expect(checked.first?.uri).toBe(uri(kernel));
    expect(checked.first?.code).toBe('PVK005');
    const lines = read(kernel).split('\n').length;
    expect(checked.first?.range.start.line).toBe(lines);
    client.open(kernel, read(kernel));
    await settle(client);
  });

  it('says which systems a file has for an unknown name, and that a kernel has none', async () => {
    const unknown = await check({ uri: uri(file('system.pvk')), system: 'nope' });
    expect(unknown.ok).toBe(false);
    expect(unknown.message).toMatch(/no system 'nope' in .*system\.pvk \(it has host, old_host, lab\)/);
    expect((await check({ uri: uri(file('kernel.pvk')) })).message).toMatch(/^no system in /);
  });
});
