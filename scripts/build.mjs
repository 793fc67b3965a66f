// Bundles the extension, language server, debug adapter and CLI with esbuild (CommonJS, node20).
import * as esbuild from 'esbuild';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = performance.now();

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  bundle: true,
  sourcemap: 'linked',
  loader: { '.pvk': 'text' },
  logLevel: 'warning',
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // The entry VS Code loads is small: it starts the language server, then loads main.js (the rest).
  { entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', './main.js'] },
  { entryPoints: ['extension/main.ts'], outfile: 'dist/main.js', external: ['vscode'] },
  { entryPoints: ['server/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['sandbox/debug/main.ts'], outfile: 'dist/debugAdapter.js' },
  { entryPoints: ['sandbox/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];
const abiSource = 'sandbox/abi/xen.pvk';
const abiTarget = 'dist/abi/xen.pvk';

function fail(message) {
  console.error(`build failed: ${message}`);
  process.exit(1);
}

const missing = [...builds.flatMap((b) => b.entryPoints), abiSource].filter((f) => !existsSync(path.join(root, f)));
if (missing.length > 0) fail(`missing ${missing.join(', ')}`);

try {
  await mkdir(path.join(dist, 'abi'), { recursive: true });
  await Promise.all([
    ...builds.map((b) => esbuild.build({ ...common, ...b })),
    copyFile(path.join(root, abiSource), path.join(root, abiTarget)),
  ]);
  await chmod(path.join(dist, 'cli.js'), 0o755);
} catch (err) {
  // esbuild has already printed its diagnostics (logLevel 'warning'); keep the summary short.
  fail(err instanceof Error ? err.message.split('\n')[0] : String(err));
}

console.log(`built ${builds.length} bundles in ${Math.round(performance.now() - started)} ms`);
