// Whole-suite runner behind `npm test`: vitest, then end-to-end suites if present.
// Last line of output is always exactly `N passed, M failed`; exit code 1 if anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;

/** Runs a child process in `root`; stdout is streamed and (optionally) captured, stderr streamed. */
function run(args, { capture = false, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    if (capture) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        out += chunk.toString('utf8');
      });
    }
    child.on('error', (err) => {
      console.error(`test: could not start ${args[0]}: ${err.message}`);
      resolve({ code: 1, out });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

async function runVitest() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pvlab-vitest-'));
  const report = path.join(dir, 'report.json');
  try {
    const { code } = await run(
      [
        'node_modules/vitest/vitest.mjs', 'run', '--passWithNoTests',
        '--reporter=default', '--reporter=json', `--outputFile=${report}`,
      ],
      // vitest.config.ts is ESM in a CommonJS package; Vite 8 warns about that on every run.
      { env: { VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } },
    );
    if (!existsSync(report)) {
      console.error(`test: vitest exited with code ${code} and wrote no report`);
      failed += 1;
      return;
    }
    let json;
    try {
      json = JSON.parse(readFileSync(report, 'utf8'));
    } catch (err) {
      console.error(`test: unreadable vitest report: ${err instanceof Error ? err.message : err}`);
      failed += 1;
      return;
    }
    let p = 0;
    let f = 0;
    for (const file of json.testResults ?? []) {
      const results = file.assertionResults ?? [];
      p += results.filter((r) => r.status === 'passed').length;
      const fileFailed = results.filter((r) => r.status === 'failed').length;
      f += fileFailed;
      // A file that failed to load/collect has no failed assertions but is itself a failure.
      if (file.status === 'failed' && fileFailed === 0) f += 1;
    }
    if (code !== 0 && f === 0) {
      console.error(`test: vitest exited with code ${code} (unhandled error?)`);
      f += 1;
    }
    passed += p;
    failed += f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runE2e() {
  const script = path.join('test', 'e2e', 'run.mjs');
  if (!existsSync(path.join(root, script))) return;
  const { code, out } = await run([script], { capture: true });
  const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/).map((l) => l.trim()).reverse();
  for (const line of lines) {
    const counts = /^e2e: (\d+) passed, (\d+) failed$/.exec(line);
    if (counts) {
      const f = Number(counts[2]);
      passed += Number(counts[1]);
      failed += f;
      if (code !== 0 && f === 0) {
        console.error(`test: e2e exited with code ${code}`);
        failed += 1;
      }
      return;
    }
    const skipped = /^e2e: skipped \((.*)\)$/.exec(line);
    if (skipped) {
      if (process.env.PVLAB_REQUIRE_E2E === '1') {
        console.error(`test: e2e skipped (${skipped[1]}) but PVLAB_REQUIRE_E2E=1`);
        failed += 1;
      } else if (code !== 0) {
        console.error(`test: e2e exited with code ${code}`);
        failed += 1;
      }
      return;
    }
  }
  console.error(`test: e2e exited with code ${code} without a summary line`);
  failed += 1;
}

await runVitest();
await runE2e();
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
