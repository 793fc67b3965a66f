// What the extension tells the user about each exit of `pvlab run` (extension/cliExit.ts), fed
// with the real CLI's status and stderr where the CLI can be made to produce them.

import { describe, expect, it } from 'vitest';
import { describeRunExit, profileFailureText, runOutcome, runStatusLine } from '../../extension/cliExit.js';
import { pvlab } from './cliRun.js';

/** The exact stderr of sandbox/cli.ts for an exception that escaped a command (exit status 3). */
const INTERNAL_STDERR = 'pvlab: internal error: Maximum call stack size exceeded (please report this with the input that caused it)\n';

describe('pvlab run exit statuses as the extension shows them', () => {
  it('0: a clean run is said to be clean', () => {
    const r = pvlab('run', 'examples/tour/tour.pvk');
    expect(r.status).toBe(0);
    expect(runOutcome({ code: r.status })).toBe('clean');
    expect(runStatusLine({ code: r.status }, r.stderr)).toBe('[exit status 0: every domain exited cleanly]');
  });

  it('1: a crashed domain is a problem of the guest, not a compile error', () => {
    const r = pvlab('run', 'test/fixtures/dap/faults.pvk');
    expect(r.status).toBe(1);
    const text = describeRunExit({ code: r.status }, r.stderr);
    expect(text).toContain('crashed');
    expect(text).not.toMatch(/compile|internal/);
  });

  it('2: a system with errors says it does not compile, with the number of errors', () => {
    const r = pvlab('run', 'test/fixtures/e2e/problems/old_host.pvk');
    expect(r.status).toBe(2);
    expect(runOutcome({ code: r.status })).toBe('refused');
    expect(describeRunExit({ code: r.status }, r.stderr)).toBe('system old_host does not compile (1 error in the output)');
  });

  it('2: bad usage gives the CLI’s own reason, not a compile error', () => {
    const r = pvlab('run', 'examples/tour/tour.pvk', '--system', 'nope');
    expect(r.status).toBe(2);
    const text = profileFailureText('nope', { code: r.status }, r.stderr);
    expect(text).toMatch(/^pvlab: could not profile nope: no system 'nope' in .*tour\.pvk \(it has tour\)$/);
    expect(text).not.toContain('compile');
  });

  it('3: an internal error is reported as a bug in pvlab, never as “the system does not compile”', () => {
    expect(runOutcome({ code: 3 })).toBe('internal');
    const line = runStatusLine({ code: 3 }, INTERNAL_STDERR);
    expect(line).toBe('[exit status 3: internal error in pvlab (a bug in pvlab, not in your system): Maximum call stack size exceeded; please report it with the system file]');
    expect(line).not.toContain('compile');
    expect(profileFailureText('tour', { code: 3 }, INTERNAL_STDERR)).toBe(
      'pvlab: could not profile tour: internal error in pvlab (a bug in pvlab, not in your system): Maximum call stack size exceeded; please report it with the system file',
    );
    // Without stderr (the process wrote nothing) the status alone still says what happened.
    expect(describeRunExit({ code: 3 })).toBe('internal error in pvlab (a bug in pvlab, not in your system); please report it with the system file');
  });

  it('a signal or an unknown status is said as such', () => {
    expect(runOutcome({ code: null, signal: 'SIGKILL' })).toBe('killed');
    expect(runStatusLine({ code: null, signal: 'SIGKILL' })).toBe('[SIGKILL: the sandbox process was stopped by SIGKILL]');
    expect(runOutcome({ code: 7 })).toBe('unknown');
    expect(describeRunExit({ code: 7 }, INTERNAL_STDERR)).toBe('unexpected exit status 7');
    expect(describeRunExit({ code: null })).toBe('the sandbox process ended without an exit status');
  });

  it('every status maps to a different message', () => {
    const texts = [0, 1, 2, 3, 4].map((code) => describeRunExit({ code }));
    expect(new Set(texts).size).toBe(texts.length);
  });
});
