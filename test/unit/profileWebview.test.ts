/**
 * Guest-controlled text in the profile webview: function, domain, system and
 * hypercall names and file paths that look like HTML are shown as text, never
 * run, and the page's Content Security Policy stays strict with a nonce. The
 * profile comes from the real CLI on a system whose files sit in directories
 * named like markup (paths can hold `<` and `>`); pvk names cannot, so those
 * are put into the profile data afterwards. The page (extension/profilePage.ts)
 * and the real media/profile scripts run in Chromium (Debian's, as the e2e
 * suite uses it; skipped where there is none).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileView } from '../../extension/profileModel.js';
import { escapeHtml, makeNonce, profileCsp, profilePage, PROFILE_SCRIPTS } from '../../extension/profilePage.js';
import type { Profile } from '../../sandbox/profile/types.js';
import { pvlab } from '../cli/cliRun.js';

const ROOT = path.resolve(__dirname, '..', '..');
const MEDIA = path.join(ROOT, 'media', 'profile');
const SCRIPTS = [...PROFILE_SCRIPTS];
const CHROMIUM = process.env.PVLAB_E2E_CHROMIUM || '/usr/bin/chromium';

const IMG = (n: number): string => `<img src=x onerror=alert(${n})>`;
const SCRIPT = (n: number): string => `</script><script>alert(${n})</script>`;
const HOSTILE = {
  system: IMG(4),
  domain: SCRIPT(5),
  fn: IMG(6),
  hypercall: '<b onmouseover=alert(7)>x</b>',
  kernelFile: `${IMG(2)}.pvk`,
};

/** A profile from the real CLI, of a system whose directory path and kernel file name look like markup. */
function hostileProfile(dir: string): Profile {
  // `<` then `script>`: the path reads `…/<img …>/</script>/…`.
  const home = path.join(dir, IMG(1), '<', 'script>');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'sys.pvk'), `system web {\n    hypervisor 4.2;\n    domain dom0 { kernel "${HOSTILE.kernelFile}"; memory 4; privileged; }\n}\n`);
  writeFileSync(
    path.join(home, HOSTILE.kernelFile),
    'fn work(n: u32) -> u32 {\n    let s: u32 = 0;\n    for i in 0..n { s += i; }\n    return s;\n}\n\nfn main() -> u32 {\n    print("<img src=x onerror=alert(3)></script>");\n    return work(1000);\n}\n',
  );
  const out = path.join(dir, 'profile.json');
  const r = pvlab('run', path.join(home, 'sys.pvk'), '--profile-json', out);
  expect(r.status, r.stderr).toBe(0);
  const profile = JSON.parse(readFileSync(out, 'utf8')) as Profile;
  expect(profile.files[0]).toContain(`${IMG(1)}/</script>/${HOSTILE.kernelFile}`);
  // What pvk names cannot hold, the data model can.
  profile.system = HOSTILE.system;
  for (const n of profile.nodes) {
    if (n.kind === 'domain') n.name = HOSTILE.domain;
    if (n.kind === 'function' && n.name === 'work') n.name = HOSTILE.fn;
  }
  for (const d of profile.summary.domains) {
    d.name = HOSTILE.domain;
    d.hypercalls[HOSTILE.hypercall] = { count: 1, cycles: 300, min: 300, max: 300, avg: 300 };
  }
  return profile;
}

describe('profile page: a strict Content Security Policy with a nonce', () => {
  const page = profilePage({ cspSource: 'https://origin.test', nonce: 'abc123', styleUri: 'https://origin.test/profile.css', scriptUris: SCRIPTS.map((s) => `https://origin.test/${s}`) });

  it('allows scripts only with the nonce, and nothing else from anywhere but the webview origin', () => {
    const metas = [...page.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
    expect(metas).toHaveLength(1);
    const csp = metas[0][1].replace(/&#39;/g, "'");
    expect(csp).toBe(profileCsp('https://origin.test', 'abc123'));
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'nonce-abc123'"]);
    for (const d of ['style-src', 'img-src', 'font-src']) expect(directives[d]).toEqual(['https://origin.test']);
    expect(csp).not.toMatch(/unsafe-|\*|data:|blob:|http:/);
  });

  it('loads each script from a file with the nonce, and has no inline code', () => {
    const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1])).toEqual(SCRIPTS.map((s) => ` nonce="abc123" src="https://origin.test/${s}"`));
    for (const m of scripts) expect(m[2]).toBe('');
    expect(page).not.toMatch(/\son[a-z]+=|javascript:|<style/i);
  });

  it('has every element the scripts look up by id (a missing one breaks the view at run time)', () => {
    const media = path.join(__dirname, '..', '..', 'media', 'profile');
    const wanted = new Set<string>();
    for (const script of SCRIPTS) {
      for (const m of readFileSync(path.join(media, script), 'utf8').matchAll(/getElementById\('([^']+)'\)/g)) wanted.add(m[1]);
    }
    expect(wanted.size).toBeGreaterThan(3);
    for (const id of [...wanted].sort()) expect(page, `#${id}`).toContain(`id="${id}"`);
  });

  it('escapes what it puts into the page, and takes only a plain nonce', () => {
    const p = profilePage({ cspSource: 'https://o.test', nonce: 'n1', styleUri: '"><script>alert(1)</script>', scriptUris: ['x.js" onload="alert(2)'] });
    expect(p).toContain(`href="${escapeHtml('"><script>alert(1)</script>')}"`);
    expect(p).not.toContain('<script>alert(1)');
    expect(p).toContain('src="x.js&quot; onload=&quot;alert(2)"');
    expect(() => profilePage({ cspSource: 'x', nonce: `a' 'unsafe-inline`, styleUri: '', scriptUris: [] })).toThrow(/nonce/);
  });

  it('makes a fresh 128-bit nonce for every page', () => {
    const nonces = new Set(Array.from({ length: 100 }, makeNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('profile webview in Chromium: guest names stay text', () => {
  const ORIGIN = 'https://pvlab-webview.test';
  let dir: string;
  let browser: import('playwright-core').Browser;
  let page: import('playwright-core').Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pvlab-webview-'));
    const profile = hostileProfile(dir);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const html = profilePage({ cspSource: ORIGIN, nonce: makeNonce(), styleUri: `${ORIGIN}/media/profile.css`, scriptUris: SCRIPTS.map((s) => `${ORIGIN}/media/${s}`) });
    // The webview's origin, served from the repository; nothing else is reachable.
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      const file = path.join(MEDIA, path.basename(url.pathname));
      if (!url.pathname.startsWith('/media/') || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file, 'utf8') });
    });
    // What VS Code gives a webview (acquireVsCodeApi), and records of what must not happen.
    // (Code that runs in the page is written as strings: the tests are compiled without the DOM types.)
    await page.addInitScript(`
      window.__posted = [];
      window.__alerts = [];
      window.__violations = [];
      window.alert = (m) => window.__alerts.push(m);
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => undefined });
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction(`window.__posted.some((m) => m.type === 'ready')`);
    const message = { type: 'profile', view: profileView(profile), files: { json: path.join(dir, 'p.json'), cpuprofile: path.join(dir, 'p.cpuprofile') } };
    await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
    await page.waitForSelector('.flame-graph .frame');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the system, domain, function and hypercall names as text', async () => {
    expect(await page.textContent('#title')).toBe(`Profile · ${HOSTILE.system}`);
    const frames = await page.$$eval('.frame', (els) => els.map((e) => e.textContent));
    expect(frames).toContain(HOSTILE.domain);
    expect(frames).toContain(HOSTILE.fn);
    expect(await page.$$eval('.flame-title', (els) => els.map((e) => e.firstChild?.textContent))).toEqual([HOSTILE.domain]);
    const cells = await page.$$eval('table.domains td', (els) => els.map((e) => e.textContent));
    expect(cells).toContain(HOSTILE.domain);
    const events = await page.$$eval('table.events td', (els) => els.map((e) => e.textContent));
    expect(events).toContain(HOSTILE.hypercall);
    const rows = await page.$$eval('.tl-label', (els) => els.map((e) => e.textContent));
    expect(rows.some((r) => r?.includes(HOSTILE.domain))).toBe(true);
  });

  it('shows the kernel file name as text in the tooltip', async () => {
    const box = await page.$$eval('.frame', (els) => els.findIndex((e) => e.textContent?.startsWith('<img')));
    await page.locator('.frame').nth(box).hover();
    const tip = await page.textContent('#tooltip');
    expect(tip).toContain(HOSTILE.fn);
    expect(tip).toContain(`${HOSTILE.kernelFile}:1`);
  });

  it('created no element, attribute or script from those names, and nothing ran', async () => {
    const found = await page.evaluate(`({
      images: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('b').length,
      scripts: [...document.scripts].map((s) => s.getAttribute('src')?.replace(/^.*\\//, '') ?? 'inline: ' + s.textContent),
      handlers: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => e.tagName + ' ' + a.name)),
      alerts: window.__alerts,
    })`);
    expect(found).toEqual({ images: 0, bold: 0, scripts: SCRIPTS, handlers: [], alerts: [] });
    expect(dialogs).toEqual([]);
  });

  it('blocks code the page did not bring: an inline script, a script or image from elsewhere', async () => {
    await page.evaluate(`{
      const inline = document.createElement('script');
      inline.textContent = 'window.__inlineRan = true;';
      document.body.append(inline);
      const remote = document.createElement('script');
      remote.src = 'https://elsewhere.test/x.js';
      document.body.append(remote);
      const img = document.createElement('img');
      img.src = 'https://elsewhere.test/x.png';
      document.body.append(img);
    }`);
    await page.waitForFunction('window.__violations.length >= 3');
    const after = (await page.evaluate('({ ran: window.__inlineRan === true, violations: window.__violations })')) as { ran: boolean; violations: string[] };
    expect(after.ran).toBe(false);
    expect(after.violations.some((v) => v.startsWith('script-src-elem inline') || v.startsWith('script-src inline'))).toBe(true);
    expect(after.violations.some((v) => v.includes('elsewhere.test/x.js'))).toBe(true);
    expect(after.violations.some((v) => v.startsWith('img-src') && v.includes('elsewhere.test/x.png'))).toBe(true);
  });
});
