// Running the real built CLI (dist/cli.js) in the tests of test/cli.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'vitest';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `pvlab ARGS…` from the repository root. */
export function pvlab(...args: string[]): Run {
  return pvlabIn(ROOT, ...args);
}

/** `pvlab ARGS…` run in directory `cwd` (for commands that read or write the current directory). */
export function pvlabIn(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** No stack trace and no uncaught node error anywhere in the output. */
export function expectNoCrash(r: Run): void {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(all).not.toMatch(/^\s+at /m);
  expect(all).not.toMatch(/\b(Type|Range|Reference|Syntax)?Error: /);
  expect(all).not.toContain('internal error');
}
