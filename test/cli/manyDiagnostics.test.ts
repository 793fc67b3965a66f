// `pvlab check` with very many diagnostics: every one printed at its place, and the positions
// come from one line index per file (the file is read once, not once per diagnostic).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDiagnostics } from '../../sandbox/cli/diagnosticOutput.js';
import { analyze } from '../../sandbox/lang/analysis.js';
import { diskHost } from '../../sandbox/lang/fileHost.js';
import { Workspace, type FileHost } from '../../sandbox/lang/program.js';
import { expectNoCrash, pvlab } from './cliRun.js';

const FUNCTIONS = 4000;
/** Line i+1 holds function i with its syntax error after `1 + ` (column 16 or more). */
const manyErrors = (): string => Array.from({ length: FUNCTIONS }, (_, i) => `fn f${i}() { 1 + ; }`).join('\n') + '\n';

let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-many-'));
  file = path.join(dir, 'many.pvk');
  fs.writeFileSync(file, manyErrors());
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('pvlab check with thousands of diagnostics', () => {
  it('prints every syntax error at its own line and column', () => {
    const r = pvlab('check', file);
    expect(r.status).toBe(1);
    expectNoCrash(r);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(FUNCTIONS);
    lines.forEach((l, i) => {
      const column = `fn f${i}() { 1 + `.length + 1;
      expect(l).toBe(`${file}:${i + 1}:${column}: error PVK001 expected an expression, found ';'`);
    });
    expect(r.stderr.trim()).toBe(`checked 1 file: ${FUNCTIONS} errors, 0 warnings`);
  });

  it('--json gives the same positions', () => {
    const r = pvlab('check', file, '--json');
    const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { line: number; column: number; endLine: number; endColumn: number }[] };
    expect(diagnostics).toHaveLength(FUNCTIONS);
    diagnostics.forEach((d, i) => expect([d.line, d.endLine, d.endColumn - d.column]).toEqual([i + 1, i + 1, 1]));
  });

  it('reads each file once to place all its diagnostics', () => {
    const reads = new Map<string, number>();
    const counting: FileHost = {
      readFile(f) {
        reads.set(f, (reads.get(f) ?? 0) + 1);
        return diskHost.readFile(f);
      },
    };
    const ws = new Workspace(counting);
    const analysis = analyze(ws, [file]);
    const before = reads.get(file) ?? 0;
    const out = allDiagnostics(analysis);
    expect(out).toHaveLength(FUNCTIONS);
    // Placing 4000 diagnostics may look the file up once (or not at all), never once per diagnostic.
    expect((reads.get(file) ?? 0) - before).toBeLessThanOrEqual(1);
  });
});
