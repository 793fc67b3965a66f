// checkSystem: what the editor asks before Run, Debug and Profile. Its first error is the
// first one `pvlab run` prints for the same system, and a system that compiles passes.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskHost } from '../../../sandbox/lang/fileHost.js';
import { Workspace } from '../../../sandbox/lang/program.js';
import { checkSystem } from '../../../sandbox/lang/systemCheck.js';
import { pvlab, ROOT } from './helpers.js';

const OLD_HOST = path.join(ROOT, 'test/fixtures/e2e/problems/old_host.pvk');

describe('checkSystem before booting', () => {
  it('names the first error pvlab run prints', () => {
    const ws = new Workspace(diskHost);
    const checked = checkSystem(ws, { file: OLD_HOST });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.message).toBe('system old_host does not compile');
    const first = checked.diagnostics[0];
    const at = ws.file(first.file)?.source.position(first.span.start);
    const cli = pvlab(['run', OLD_HOST]);
    expect(cli.status).toBe(2);
    expect(cli.stderr.split('\n')[0]).toBe(`test/fixtures/e2e/problems/guest.pvk:${at?.line}:${at?.column}: error ${first.code} ${first.message}`);
    expect(first.code).toBe('PVK005');
  });

  it('passes a system that compiles, and says which systems a file has for an unknown name', () => {
    const ws = new Workspace(diskHost);
    expect(checkSystem(ws, { file: path.join(ROOT, 'examples/tour/tour.pvk') }).ok).toBe(true);
    const wrong = checkSystem(ws, { file: path.join(ROOT, 'examples/paravirt/paravirt.pvk'), system: 'nope' });
    expect(wrong).toMatchObject({ ok: false, diagnostics: [], message: expect.stringContaining('(it has bare_metal, pv, pv_patched)') });
  });
});
