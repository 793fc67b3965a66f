// End-to-end tests in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) with the built
// .vsix installed, driven through Debian's chromium with playwright-core.
// Recipe and pitfalls: ../shared/notes/REAL-VSCODE.md; install with scripts/e2e-setup.sh.
//
//   node test/e2e/run.mjs [substring…]     run the cases whose name contains a substring
//
//   PVLAB_E2E_CACHE      cache root of scripts/e2e-setup.sh (default ~/.cache/pvlab-e2e)
//   PVLAB_E2E_CHROMIUM   browser binary (default /usr/bin/chromium)
//   PVLAB_E2E_KEEP=1     keep the temporary directory (workspace, logs) for inspection
//
// Cases live in test/e2e/cases/*.mjs (run in file-name order). A case module's default export
// is a case or an array of cases:
//   { name: string, timeout?: ms (default 60 000), workbench?: boolean (default true),
//     run: async (ctx) => void }      // throw to fail
// With `workbench` the runner hands the case `ctx.page`, a page with the workbench loaded for
// `ctx.workspace` (a temp copy of examples/tour), shared between cases and reloaded after a
// failure. ctx also has: root, workspace, tmp, baseUrl, port, extensionsDir, userDataDir,
// extension ({ id, version, dir }), newPage() (closed after the case), h (lib/helpers.mjs),
// runExtensionTests(opts) (lib/integration.mjs), log(msg). The runner screenshots `ctx.page`
// (a case may point it at another page) into test/e2e/screenshots/NN-name.png.
//
// Output ends with `e2e: N passed, M failed` (exit 1 if M > 0) or `e2e: skipped (reason)`
// (exit 0) when chromium, code-server or playwright-core is missing.
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as h from './lib/helpers.mjs';
import { runExtensionTests } from './lib/integration.mjs';
import { freePort, killAll, killAllNow, killGroup, runToCompletion, spawnGroup } from './lib/processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cache = process.env.PVLAB_E2E_CACHE || path.join(os.homedir(), '.cache', 'pvlab-e2e');
const codeServerEntry = path.join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromiumPath = process.env.PVLAB_E2E_CHROMIUM || '/usr/bin/chromium';
const screenshotsDir = path.join(here, 'screenshots');
const exampleWorkspace = path.join(root, 'examples', 'tour');
const vsixPath = path.join(root, 'pvlab.vsix');
const keep = process.env.PVLAB_E2E_KEEP === '1';
const filters = process.argv.slice(2);
const started = Date.now();

const log = (msg) => console.log(`e2e: ${msg}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const errorText = (err) => (err instanceof Error ? err.message : String(err));

function skip(reason) {
  console.log(`e2e: skipped (${reason})`);
  process.exit(0);
}

// --- prerequisites ------------------------------------------------------------------------
try {
  accessSync(chromiumPath, constants.X_OK);
} catch {
  skip(`no chromium at ${chromiumPath}; run scripts/e2e-setup.sh`);
}
if (!existsSync(codeServerEntry)) skip(`no code-server in ${path.dirname(codeServerEntry)}; run scripts/e2e-setup.sh`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  skip(`playwright-core not installed (${errorText(err).split('\n')[0]}); run npm ci`);
}

// --- results ------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
let finished = false;

function summary() {
  if (finished) return;
  finished = true;
  console.log(`e2e: ${passed} passed, ${failed} failed`);
}

// --- cleanup ------------------------------------------------------------------------------
let browser;
let tmp;

async function cleanup() {
  if (browser) {
    const b = browser;
    browser = undefined;
    let timer;
    await Promise.race([b.close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
  }
  await killAll();
  if (tmp && !keep) rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  else if (tmp) log(`kept ${tmp}`);
}

// Last resort when we are stopped or crash: code-server groups die with us (playwright closes
// its browser itself on exit and on these signals).
process.on('exit', () => killAllNow());
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`e2e: interrupted by ${sig}`);
    failed += 1;
    killAllNow();
    if (tmp && !keep) rmSync(tmp, { recursive: true, force: true });
    summary();
    process.exit(1);
  });
}

// --- cases --------------------------------------------------------------------------------
async function loadCases() {
  const dir = path.join(here, 'cases');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort() : [];
  const cases = [];
  for (const file of files) {
    try {
      const mod = await import(pathToFileURL(path.join(dir, file)).href);
      const list = Array.isArray(mod.default) ? mod.default : [mod.default];
      for (const c of list) {
        if (!c || typeof c.name !== 'string' || typeof c.run !== 'function') throw new Error('default export must be { name, run } or an array of them');
        cases.push({ timeout: 60_000, workbench: true, ...c, file });
      }
    } catch (err) {
      cases.push({ name: `load ${file}`, file, broken: err });
    }
  }
  return filters.length === 0 ? cases : cases.filter((c) => filters.some((f) => c.name.includes(f)));
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

// --- the .vsix ----------------------------------------------------------------------------
/** Newest modification time of the files under `p` (recursive), or 0. */
function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

async function ensureVsix() {
  // The package ships dist/, media/, package.json, README.md and LICENSE (.vscodeignore).
  const inputs = ['dist', 'media', 'package.json', 'README.md', 'LICENSE', '.vscodeignore'].map((f) => path.join(root, f));
  const newestInput = Math.max(...inputs.map(newestMtime));
  if (existsSync(vsixPath) && statSync(vsixPath).mtimeMs >= newestInput) {
    log('pvlab.vsix is up to date');
    return;
  }
  const t0 = Date.now();
  log('packaging pvlab.vsix (npm run package)');
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const res = await runToCompletion(npm[0], [...npm[1], 'run', 'package'], { cwd: root, env: process.env, timeoutMs: 180_000 });
  if (res.code !== 0 || !existsSync(vsixPath)) {
    console.error(res.output.split('\n').slice(-30).join('\n'));
    throw new Error(`npm run package failed${res.timedOut ? ' (timed out)' : ''} with code ${res.code}`);
  }
  log(`packaged pvlab.vsix (${Math.round(statSync(vsixPath).size / 1024)} KB) in ${seconds(Date.now() - t0)}`);
}

// --- code-server --------------------------------------------------------------------------
function codeServerEnv(dirs) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Variables of an enclosing VS Code (its CLI hook would forward our commands to it).
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'PASSWORD' || k === 'HASHED_PASSWORD') continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cacheHome,
    XDG_RUNTIME_DIR: dirs.runtime,
  };
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function startCodeServer(dirs, baseArgs, workspace) {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = openSync(dirs.log, 'a');
    const child = spawnGroup(process.execPath, [codeServerEntry, ...baseArgs, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', workspace], {
      cwd: dirs.tmp,
      env: codeServerEnv(dirs),
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    let exited = false;
    void child.exited.then(() => (exited = true));
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await h.waitFor(
        async () => {
          if (exited) throw Object.assign(new Error('code-server exited'), { exited: true });
          const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
          return res.ok;
        },
        { timeout: 30_000, interval: 200, message: `code-server on ${baseUrl}/healthz` },
      );
      return { child, port, baseUrl };
    } catch (err) {
      await killGroup(child.pid, { graceMs: 2000 });
      const clash = /EADDRINUSE/.test(tail(dirs.log));
      if (clash && attempt < 3) {
        log(`port ${port} was taken meanwhile; retrying`);
        continue;
      }
      throw new Error(`${errorText(err)}; code-server log:\n${tail(dirs.log)}`);
    }
  }
}

// --- main ---------------------------------------------------------------------------------
const cases = await loadCases();
if (cases.length === 0) skip(filters.length ? `no case matches ${filters.join(', ')}` : 'no cases in test/e2e/cases');
const totalTimeout = 240_000 + cases.reduce((sum, c) => sum + (c.timeout ?? 60_000), 0);
const watchdog = setTimeout(() => {
  console.error(`e2e: the whole run exceeded ${seconds(totalTimeout)}; giving up`);
  failed += 1;
  killAllNow();
  summary();
  process.exit(1);
}, totalTimeout);

mkdirSync(screenshotsDir, { recursive: true });
for (const f of readdirSync(screenshotsDir)) if (f.endsWith('.png') || f.endsWith('.log')) rmSync(path.join(screenshotsDir, f), { force: true });

let setupError;
let ctxBase;
try {
  await ensureVsix();
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const extensionId = `${pkg.publisher}.${pkg.name}`.toLowerCase();

  tmp = mkdtempSync(path.join(os.tmpdir(), 'pvlab-e2e-'));
  const dirs = {
    tmp,
    home: path.join(tmp, 'home'),
    config: path.join(tmp, 'xdg', 'config'),
    data: path.join(tmp, 'xdg', 'data'),
    cacheHome: path.join(tmp, 'xdg', 'cache'),
    runtime: path.join(tmp, 'xdg', 'runtime'),
    userData: path.join(tmp, 'user-data'),
    extensions: path.join(tmp, 'extensions'),
    log: path.join(tmp, 'code-server.log'),
  };
  for (const d of [dirs.home, dirs.config, dirs.data, dirs.cacheHome, dirs.runtime, dirs.extensions, path.join(dirs.userData, 'User')]) mkdirSync(d, { recursive: true, mode: 0o700 });
  writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    `${JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'workbench.tips.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'telemetry.telemetryLevel': 'off',
        'git.enabled': false,
      },
      null,
      2,
    )}\n`,
  );
  const config = path.join(tmp, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  // A copy: tests may edit files, and the repository's examples stay untouched.
  const workspace = path.join(tmp, 'workspace', 'tour');
  cpSync(exampleWorkspace, workspace, { recursive: true });
  // Extra kernels with known problems (test/fixtures/e2e/), present before the workbench loads.
  const extra = path.join(root, 'test', 'fixtures', 'e2e');
  if (existsSync(extra)) cpSync(extra, workspace, { recursive: true });
  // The paravirt example too, for Compare (native vs pv vs patched vs hvm).
  cpSync(path.join(root, 'examples', 'paravirt'), path.join(workspace, 'paravirt'), { recursive: true });

  const baseArgs = ['--config', config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];

  let t0 = Date.now();
  const install = await runToCompletion(process.execPath, [codeServerEntry, ...baseArgs, '--install-extension', vsixPath, '--force'], {
    cwd: tmp,
    env: codeServerEnv(dirs),
    timeoutMs: 60_000,
  });
  const extensionDir = path.join(dirs.extensions, `${extensionId}-${pkg.version}`);
  if (install.code !== 0 || !existsSync(path.join(extensionDir, 'package.json'))) {
    throw new Error(`installing pvlab.vsix failed (code ${install.code}${install.timedOut ? ', timed out' : ''}):\n${install.output.trim()}`);
  }
  log(`installed pvlab.vsix into code-server in ${seconds(Date.now() - t0)}`);

  t0 = Date.now();
  const server = await startCodeServer(dirs, baseArgs, workspace);
  log(`code-server up on ${server.baseUrl} in ${seconds(Date.now() - t0)}`);

  t0 = Date.now();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Its profile, crash reports and caches go to the temporary HOME, not the user's.
    env: codeServerEnv(dirs),
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  log(`chromium ${browser.version()} up in ${seconds(Date.now() - t0)}`);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });

  ctxBase = {
    root,
    tmp,
    workspace,
    port: server.port,
    baseUrl: server.baseUrl,
    extensionsDir: dirs.extensions,
    userDataDir: dirs.userData,
    codeServerLog: dirs.log,
    extension: { id: extensionId, version: pkg.version, dir: extensionDir },
    context,
    h,
  };
} catch (err) {
  setupError = err;
}

/** Opens a page that records its console errors and page errors (as `page.consoleMessages`). */
async function openPage(context, timeoutMs) {
  const page = await context.newPage();
  page.setDefaultTimeout(Math.min(timeoutMs, 30_000));
  page.consoleMessages = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') page.consoleMessages.push(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => page.consoleMessages.push(`[pageerror] ${e.message}`));
  return page;
}

/** The workbench page shared by `workbench` cases; reloaded when a case failed on it. */
const shared = { page: undefined, dirty: false };

async function sharedWorkbench(timeoutMs) {
  if (shared.page && shared.dirty) {
    await shared.page.close().catch(() => {});
    shared.page = undefined;
  }
  shared.dirty = false;
  if (!shared.page) {
    const page = await openPage(ctxBase.context, timeoutMs);
    shared.page = page;
    const t0 = Date.now();
    await h.openWorkbench(page, ctxBase.baseUrl, ctxBase.workspace, { timeout: Math.min(timeoutMs, 45_000) });
    log(`workbench loaded in ${seconds(Date.now() - t0)}`);
  }
  shared.page.setDefaultTimeout(Math.min(timeoutMs, 30_000));
  return shared.page;
}

function withTimeout(promise, ms, what) {
  let timer;
  promise.catch(() => {}); // it may settle after we gave up on it
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${seconds(ms)}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function isKnownNoise(line) {
  return /vsda|Failed to load resource.*404|favicon|service worker|same-origin iframe|allow-same-origin|took \d+ms|Overwriting extension/i.test(line);
}

async function runCase(c, index) {
  const label = `${String(index + 1).padStart(2, '0')}-${slug(c.name)}`;
  const t0 = Date.now();
  const owned = [];
  const ctx = {
    ...ctxBase,
    name: c.name,
    page: undefined,
    log: (msg) => log(`  ${c.name}: ${msg}`),
    newPage: async () => {
      const p = await openPage(ctxBase.context, c.timeout);
      owned.push(p);
      return p;
    },
  };
  ctx.runExtensionTests = (opts) => runExtensionTests(ctx, opts);
  let error;
  try {
    await withTimeout(
      (async () => {
        if (c.workbench) ctx.page = await sharedWorkbench(c.timeout);
        await c.run(ctx);
      })(),
      c.timeout,
      `"${c.name}"`,
    );
  } catch (err) {
    error = err;
  }
  const shotPage = ctx.page ?? (c.workbench ? shared.page : owned.at(-1));
  if (shotPage && !shotPage.isClosed()) {
    try {
      await shotPage.screenshot({ path: path.join(screenshotsDir, `${label}.png`), timeout: 10_000 });
    } catch (err) {
      log(`  (no screenshot for "${c.name}": ${errorText(err).split('\n')[0]})`);
    }
  }
  if (error) {
    failed += 1;
    if (c.workbench) shared.dirty = true;
    console.error(`e2e: FAIL ${c.name} (${seconds(Date.now() - t0)})\n    ${errorText(error).split('\n').join('\n    ')}`);
    const messages = (shotPage?.consoleMessages ?? []).filter((m) => !isKnownNoise(m)).slice(-10);
    if (messages.length) console.error(`    browser console (last warnings and errors):\n      ${messages.map((m) => m.slice(0, 1500).replace(/\n/g, '\n        ')).join('\n      ')}`);
  } else {
    passed += 1;
    log(`ok   ${c.name} (${seconds(Date.now() - t0)})`);
  }
  for (const p of owned) await p.close().catch(() => {});
}

try {
  if (setupError) {
    failed += 1;
    console.error(`e2e: FAIL setup: ${errorText(setupError)}`);
    log(`not run: ${cases.map((c) => c.name).join(', ')}`);
  } else {
    for (const [i, c] of cases.entries()) {
      if (c.broken) {
        failed += 1;
        console.error(`e2e: FAIL ${c.name}: ${errorText(c.broken)}`);
        continue;
      }
      await runCase(c, i);
    }
  }
} finally {
  if (ctxBase?.codeServerLog && existsSync(ctxBase.codeServerLog)) {
    try {
      copyFileSync(ctxBase.codeServerLog, path.join(screenshotsDir, 'code-server.log'));
    } catch {
      // Only a convenience.
    }
  }
  await cleanup();
  clearTimeout(watchdog);
}
log(`done in ${seconds(Date.now() - started)} (screenshots in ${path.relative(root, screenshotsDir)}/)`);
summary();
process.exitCode = failed > 0 ? 1 : 0;
// A case that timed out may still have timers pending: do not let them hold the process.
setTimeout(() => process.exit(), 200).unref();
