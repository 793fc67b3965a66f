// The same integration tests (test/e2e/integration/index.js) in desktop VS Code via
// @vscode/test-electron, for machines that can download VS Code. Where the download fails
// (no route to update.code.visualstudio.com, as on the build machines) it says so and skips:
// test/e2e/run.mjs runs the tests in code-server instead. Not part of `npm test`; run it with
// `npm run test:electron` (after `npm run build`).
//
//   PVLAB_VSCODE_VERSION   VS Code to download (default 1.100.3, the one code-server 4.100.3 embeds)
//   PVLAB_E2E_CACHE        cache root (default ~/.cache/pvlab-e2e); VS Code goes to ./vscode-test
//
// Last line: `e2e-electron: N passed, M failed` (exit 1 on failure) or
// `e2e-electron: skipped (cannot download VS Code: <reason>)` (exit 0).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cache = process.env.PVLAB_E2E_CACHE || path.join(os.homedir(), '.cache', 'pvlab-e2e');
const version = process.env.PVLAB_VSCODE_VERSION || '1.100.3';
const testsPath = path.join(here, 'integration', 'index.js');
// The whole download attempt (version check, retries) gives up after this long.
const DOWNLOAD_BUDGET_MS = 18_000;

const errorText = (err) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

function skip(reason) {
  console.log(`e2e-electron: skipped (${reason})`);
  // Sockets of an abandoned download must not keep us waiting.
  process.exit(0);
}

let testElectron;
try {
  testElectron = (await import('@vscode/test-electron')).default;
} catch (err) {
  skip(`@vscode/test-electron not installed: ${errorText(err)}`);
}
const { downloadAndUnzipVSCode, runTests, SilentReporter } = testElectron;

if (!existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.log('e2e-electron: dist/extension.js missing; run npm run build first');
  console.log('e2e-electron: 0 passed, 1 failed');
  process.exit(1);
}

let vscodeExecutablePath;
if (process.env.PVLAB_ELECTRON_VSCODE) {
  // Re-executed under xvfb-run with the download already done.
  vscodeExecutablePath = process.env.PVLAB_ELECTRON_VSCODE;
} else {
  console.log(`e2e-electron: downloading VS Code ${version} (gives up after ${DOWNLOAD_BUDGET_MS / 1000} s)`);
  const cachePath = path.join(cache, 'vscode-test');
  mkdirSync(cachePath, { recursive: true });
  let timer;
  try {
    vscodeExecutablePath = await Promise.race([
      downloadAndUnzipVSCode({ version, cachePath, timeout: 8_000, reporter: new SilentReporter() }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no download after ${DOWNLOAD_BUDGET_MS / 1000} s`)), DOWNLOAD_BUDGET_MS);
      }),
    ]);
  } catch (err) {
    const cause = err instanceof Error && err.cause ? `: ${errorText(err.cause)}` : '';
    skip(`cannot download VS Code: ${errorText(err)}${cause}`);
  } finally {
    clearTimeout(timer);
  }

  // Desktop VS Code needs a display; borrow a virtual one when there is none.
  if (!process.env.DISPLAY && process.platform === 'linux') {
    const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
    if (xvfb) {
      const res = spawnSync(xvfb, ['-a', process.execPath, fileURLToPath(import.meta.url)], {
        stdio: 'inherit',
        env: { ...process.env, PVLAB_ELECTRON_VSCODE: vscodeExecutablePath },
      });
      process.exit(res.status ?? 1);
    }
    console.log('e2e-electron: warning: no DISPLAY and no xvfb-run; VS Code may fail to start');
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pvlab-electron-'));
const workspace = path.join(tmp, 'workspace', 'tour');
cpSync(path.join(root, 'examples', 'tour'), workspace, { recursive: true });
let ok = false;
try {
  const code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    launchArgs: [
      workspace,
      '--user-data-dir', path.join(tmp, 'user-data'),
      '--extensions-dir', path.join(tmp, 'extensions'),
      '--disable-extensions', // other installed extensions; the one under development still loads
      '--disable-gpu',
    ],
  });
  ok = code === 0;
  if (!ok) console.error(`e2e-electron: VS Code exited with code ${code}`);
} catch (err) {
  console.error(`e2e-electron: ${errorText(err)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
console.log(`e2e-electron: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
