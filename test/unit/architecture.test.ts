/**
 * The shape of the code (docs/ARCHITECTURE.md): imports point one way.
 *
 *   lang ← machine ← vm ← hv ← run ← cli, debug, profile
 *
 * `machine` holds the records both the engines (vm) and the hypervisor (hv)
 * read: the executable form, guest memory, domain and vCPU state, faults and
 * the cost table. The engines reach the hypervisor only through the
 * engine-host interface (vm/engine.ts) and the profiler only through the
 * profiling interface (vm/profiling.ts). The test reads every import of every
 * file (with the TypeScript scanner, so comments and strings do not count)
 * and fails on an arrow the table below does not allow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

/** Each sandbox part and the other parts it may import. */
const SANDBOX_LAYERS: Readonly<Record<string, readonly string[]>> = {
  abi: [],
  types: [],
  lang: ['abi'],
  machine: ['lang'],
  vm: ['machine', 'lang'],
  hv: ['vm', 'machine', 'lang'],
  run: ['hv', 'vm', 'machine', 'lang'],
  profile: ['run', 'hv', 'vm', 'machine', 'lang'],
  debug: ['run', 'hv', 'vm', 'machine', 'lang'],
  cli: ['profile', 'run', 'hv', 'vm', 'machine', 'lang'],
};

/** Packages a sandbox part may import besides Node's own modules. */
const SANDBOX_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  debug: ['@vscode/debugadapter', '@vscode/debugprotocol'],
};

/** What the language server may use of the sandbox: the front end, the shared records and the profile format. */
const SERVER_MAY_IMPORT = ['lang', 'machine', 'profile'];

/**
 * What the extension may import from outside itself: data, no machinery — the
 * profile format (and compare's, and how both write numbers and time), the protocol with the server, the run defaults and the
 * launch attributes it writes configurations with.
 */
const EXTENSION_MAY_IMPORT = ['sandbox/profile/types.ts', 'sandbox/profile/comparison.ts', 'sandbox/profile/compareFormat.ts', 'sandbox/profile/timeUnit.ts', 'server/protocol.ts', 'sandbox/run/options.ts', 'sandbox/debug/launch.ts'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...tsFiles(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out.sort();
}

interface Import {
  from: string;
  /** A repository path (`sandbox/machine/state.ts`), or the package / node: specifier as written. */
  to: string;
  relative: boolean;
}

/** Every import and re-export of a file, resolved to repository paths. */
function importsOf(file: string, text = readFileSync(path.join(root, file), 'utf8')): Import[] {
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return { from: file, to: fileName, relative: false };
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)).replace(/\.js$/, '.ts');
    return { from: file, to: resolved, relative: true };
  });
}

/** The sandbox part a repository path belongs to (`sandbox/cli.ts` is part of cli), or undefined outside the sandbox. */
function sandboxPart(file: string): string | undefined {
  const m = /^sandbox\/([^/]+)\//.exec(file);
  if (m) return m[1];
  return file === 'sandbox/cli.ts' ? 'cli' : undefined;
}

function sandboxViolation(imp: Import): string | undefined {
  const from = sandboxPart(imp.from) as string;
  if (!imp.relative) {
    if (imp.to.startsWith('node:') || (SANDBOX_PACKAGES[from] ?? []).includes(imp.to)) return undefined;
    return `${imp.from} imports the package '${imp.to}': the sandbox knows nothing of editors or protocols`;
  }
  const to = sandboxPart(imp.to);
  if (to === undefined) return `${imp.from} imports ${imp.to}, outside the sandbox`;
  if (to === from || SANDBOX_LAYERS[from]?.includes(to)) return undefined;
  return `${imp.from} imports ${imp.to}: ${from} may import only ${[from, ...(SANDBOX_LAYERS[from] ?? [])].join(', ')}`;
}

function serverViolation(imp: Import): string | undefined {
  if (!imp.relative || imp.to.startsWith('server/')) return undefined;
  const part = sandboxPart(imp.to);
  if (part !== undefined && SERVER_MAY_IMPORT.includes(part)) return undefined;
  return `${imp.from} imports ${imp.to}: the server works over sandbox/${SERVER_MAY_IMPORT.join(', sandbox/')} only`;
}

function extensionViolation(imp: Import): string | undefined {
  if (!imp.relative || imp.to.startsWith('extension/') || EXTENSION_MAY_IMPORT.includes(imp.to)) return undefined;
  return `${imp.from} imports ${imp.to}: the extension talks to the sandbox through the server, the debug adapter and the CLI`;
}

const sandboxFiles = tsFiles('sandbox');

describe('architecture: imports point one way', () => {
  it('every sandbox folder has a place in the layer table', () => {
    const parts = new Set(sandboxFiles.map(sandboxPart));
    expect([...parts].filter((p) => p === undefined || !(p in SANDBOX_LAYERS))).toEqual([]);
  });

  it('the layer table itself has no cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycle = (part: string): boolean => {
      if (done.has(part)) return false;
      if (visiting.has(part)) return true;
      visiting.add(part);
      const found = (SANDBOX_LAYERS[part] ?? []).some(cycle);
      visiting.delete(part);
      done.add(part);
      return found;
    };
    expect(Object.keys(SANDBOX_LAYERS).filter(cycle)).toEqual([]);
  });

  it('no sandbox file imports against the layers (no vm → hv, no vm → profile, no lang → execution)', () => {
    const violations = sandboxFiles.flatMap((f) => importsOf(f)).map(sandboxViolation).filter((v) => v !== undefined);
    expect(violations).toEqual([]);
  });

  it('the server imports only the front end, the shared records and the profile format', () => {
    const violations = tsFiles('server').flatMap((f) => importsOf(f)).map(serverViolation).filter((v) => v !== undefined);
    expect(violations).toEqual([]);
  });

  it('the extension imports only data: the profile format, the server protocol, run defaults and launch attributes', () => {
    const violations = tsFiles('extension').flatMap((f) => importsOf(f)).map(extensionViolation).filter((v) => v !== undefined);
    expect(violations).toEqual([]);
  });

  it('catches a forbidden arrow written in any import form', () => {
    const forbidden = [
      ["import { Hypervisor } from '../hv/hypervisor.js';", 'sandbox/vm/fastEngine.ts'],
      ["import type { Recorder } from '../profile/recorder.js';", 'sandbox/vm/fastEngine.ts'],
      ["export { FastEngine } from '../vm/fastEngine.js';", 'sandbox/lang/check.ts'],
      ["import {\n  COSTS,\n} from '../machine/costs.js';", 'sandbox/lang/check.ts'],
      ["const m = await import('../run/boot.js');", 'sandbox/hv/hypervisor.ts'],
      ["import * as vscode from 'vscode';", 'sandbox/run/boot.ts'],
    ] as const;
    for (const [line, file] of forbidden) {
      expect(importsOf(file, line).map(sandboxViolation), line).not.toEqual([undefined]);
    }
    // Comments and strings are not imports.
    expect(importsOf('sandbox/vm/codegen.ts', "// import { X } from '../hv/x.js'\nconst s = \"import '../hv/y.js'\";")).toEqual([]);
  });
});
