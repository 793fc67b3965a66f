import { describe, expect, it } from 'vitest';
import { Workspace } from '../../../sandbox/lang/program.js';
import { bootSystem } from '../../../sandbox/run/boot.js';
import { runReport } from '../../../sandbox/run/report.js';
import { FastEngine } from '../../../sandbox/vm/fastEngine.js';
import { profileSystem } from '../../../sandbox/profile/profileSystem.js';
import { memoryHost } from './harness.js';

/** Names and strings that would do damage if generated code ever used them as written. */
const NAMES = ['constructor', '__proto__', 'process', 'require', 'globalThis', 'eval', 'Function', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'rt', 'F', 'R', 'M', 'G', 'D', 'c', 'T', 'l0', 'SUSPEND'];
/** What each print must show, written into pvk source with pvk's own escapes. */
const STRINGS = ['"); process.exit(1); ("', '*/ process.exit(2); /*', '${process.exit(3)}', "'; require('fs'); '", '\\', '</script>', '\x01\x1b[31m'];

function pvkLiteral(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function kernel(): string {
  const globals = NAMES.map((n, i) => `var ${n}_g${i}: u32 = ${i};`).join('\n');
  const fns = NAMES.map((n, i) => `fn ${n}(${n}: u32) -> u32 { let ${n}_l: u32 = ${n} + ${i}; return ${n}_l; }`).join('\n');
  const calls = NAMES.map((n, i) => `    total += ${n}(${n}_g${i});`).join('\n');
  const prints = STRINGS.map((s) => `    print("${pvkLiteral(s)}", total);`).join('\n');
  return `${globals}\n${fns}\nfn main() -> u32 {\n    let total: u32 = 0;\n${calls}\n${prints}\n    return total;\n}\n`;
}

describe('generated code keeps guest names and strings inert', () => {
  const files = {
    '/hostile/sys.pvk': 'system s { hypervisor none; domain k { kernel "k.pvk"; privileged; } }',
    '/hostile/k.pvk': kernel(),
  };

  it('a kernel named with JavaScript globals and magic properties runs correctly in every engine', () => {
    const expectedTotal = NAMES.reduce((sum, _n, i) => sum + 2 * i, 0);
    const reports = (['fast', 'step', 'interpreter'] as const).map((engine) => {
      const boot = bootSystem(new Workspace(memoryHost(files)), { file: '/hostile/sys.pvk', options: { maxCycles: 1e7 }, engine });
      if (!boot.ok) throw new Error(boot.diagnostics.map((d) => d.message).join('; '));
      return runReport(boot.hv, boot.hv.run());
    });
    for (const r of reports) {
      expect(r.domains[0].state).toBe('exited');
      expect(r.domains[0].exitCode).toBe(expectedTotal);
      // Every string printed exactly as written in the source (after pvk's own escapes).
      const lines = r.domains[0].console.split('\n').filter(Boolean);
      expect(lines).toEqual(STRINGS.map((s) => `${s}${expectedTotal}`));
    }
    expect(JSON.stringify(reports[1])).toBe(JSON.stringify(reports[0]));
    expect(JSON.stringify(reports[2])).toBe(JSON.stringify(reports[0]));
  });

  it('the generated source contains no guest identifier and each guest string only as a JSON literal', () => {
    const boot = bootSystem(new Workspace(memoryHost(files)), { file: '/hostile/sys.pvk', options: { maxCycles: 1e7 }, engine: 'fast' });
    if (!boot.ok) throw new Error('boot failed');
    const withStrings = (boot.hv.engine as FastEngine).sourceOf(boot.hv.domains[0].program);
    // Every guest string appears as a JSON literal; take the literals out, then no guest text may remain.
    for (const str of STRINGS) expect(withStrings).toContain(JSON.stringify(str));
    const source = withStrings.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const name of ['constructor', '__proto__', 'process', 'require', 'globalThis', 'eval', 'hasOwnProperty', 'prototype']) {
      expect(source).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
    // Identifiers in the generated code are only the generator's own.
    const identifiers = new Set(source.match(/[A-Za-z_$][\w$]*/g));
    for (const id of identifiers) expect(id).toMatch(/^(l\d+|t\d+|p\d+|f\d+|L\d+|B\d+|[A-Za-z]{1,12}|use|strict|undefined|null|true|false)$/);
    expect(source).not.toContain('process.exit');
  });
});

describe("the generator's own markers never match guest text", () => {
  it('a printed string that looks like a marker prints as written on the profiling engine too', () => {
    const text = '/*@write-back@*/ \x01 7 \x01 \x00write-back\x00';
    const files = {
      '/marker/sys.pvk': 'system s { hypervisor none; domain k { kernel "k.pvk"; privileged; } }',
      '/marker/k.pvk': `fn main() -> u32 {\n    let n: u32 = 0;\n    for i in 0..2 {\n        print("${pvkLiteral(text)}");\n        n += i;\n    }\n    return n;\n}\n`,
    };
    const plain = bootSystem(new Workspace(memoryHost(files)), { file: '/marker/sys.pvk', options: { maxCycles: 1e6 } });
    if (!plain.ok) throw new Error(plain.message);
    const report = runReport(plain.hv, plain.hv.run());
    expect(report.domains[0].console).toBe(`${text}\n${text}\n`);
    const profiled = profileSystem(new Workspace(memoryHost(files)), { file: '/marker/sys.pvk', options: { maxCycles: 1e6 } });
    if (!profiled.ok) throw new Error(profiled.message);
    expect(profiled.report).toEqual(report);
  });
});
