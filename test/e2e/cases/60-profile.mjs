// Profile System from the code lens above `system tour`: the profile webview shows a flame graph
// per domain, the vCPU timeline with its event marks and the tables, and says the unit of the
// standard formats; its zoom survives a reload of the window (webview state + panel serializer);
// its button opens the .cpuprofile in VS Code's own viewer, which shows real numbers and whose
// Self Time lenses go at the first edit; it fits a narrow split; closing it takes the hints away.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether the workbench has written state matching every pattern to its IndexedDB storage
 * (VS Code in the browser saves it every 5 s: writes begun while unloading may never land).
 */
function persisted(page, patterns) {
  return page.evaluate(async (sources) => {
    const res = sources.map((s) => new RegExp(s));
    const request = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await request(indexedDB.open(name));
      try {
        for (const store of db.objectStoreNames) {
          for (const v of await request(db.transaction(store, 'readonly').objectStore(store).getAll())) {
            const text = typeof v === 'string' ? v : JSON.stringify(v);
            if (res.every((re) => re.test(text))) return true;
          }
        }
      } finally {
        db.close();
      }
    }
    return false;
  }, patterns.map((re) => re.source));
}

/** Texts of the flame graph frames of one domain. */
const frameNames = (frame, domain) => frame.locator(`.flame-section:has(h3:text-is("${domain}")) .frame`).allInnerTexts();

/** A non-zero "Self Time" lens of VS Code's profile viewer. */
const SELF_TIME = /(0\.0[1-9]|[1-9][\d,]*\.\d\d|0\.[1-9]\d)ms Self Time/;

/**
 * Opens ring.pvk and waits for VS Code's viewer to put a non-zero Self Time lens on it. VS Code
 * asks an editor's lens providers after a pause (seconds, after a reload whose first lenses
 * waited for the language server) and only while the editor keeps focus: focus leaving it, as
 * a webview taking focus late does, cancels the request until the editor has focus again. So
 * until the lens shows, ring.pvk's editor gets focus back whenever it lost it, its cursor on
 * `fn send` (a profiled line: the lens is in view).
 */
async function showSelfTimeLens({ page, h, workspace, log }) {
  const sendLine = readFileSync(path.join(workspace, 'ring.pvk'), 'utf8').split('\n').findIndex((l) => l.startsWith('fn send(')) + 1;
  h.assert(sendLine > 0, 'ring.pvk has fn send');
  const focusRing = async () => {
    await h.quickOpen(page, 'ring.pvk');
    await h.goToLine(page, sendLine, 1);
  };
  const ringHasFocus = () =>
    page.evaluate(() => {
      const group = document.activeElement?.closest('.editor-group-container.active');
      return !!document.activeElement?.closest('.monaco-editor') && group?.querySelector('.tabs-container .tab.active .label-name')?.textContent === 'ring.pvk';
    });
  await focusRing();
  await h.waitFor(
    async () => {
      if ((await h.lensTexts(page)).some((t) => SELF_TIME.test(t))) return true;
      if (!(await ringHasFocus())) {
        log('ring.pvk lost focus before its Self Time lens came: focusing it again');
        await focusRing();
      }
      return false;
    },
    { timeout: 45_000, interval: 250, message: 'a non-zero Self Time lens from VS Code’s viewer in ring.pvk' },
  );
}

const profiles = {
  name: 'Profile System opens a flame graph per domain, keeps its zoom across a reload, opens the .cpuprofile',
  timeout: 150_000,
  async run(ctx) {
    const { page, root, h } = ctx;
    // Room for the editors: earlier cases may have left the Problems panel open.
    if (await page.locator('.part.panel').first().isVisible()) {
      await h.runCommand(page, 'View: Hide Panel');
      await page.locator('.part.panel').first().waitFor({ state: 'hidden' });
    }
    await h.quickOpen(page, 'tour.pvk');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /(^|\s)Profile$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();

    let view = await h.webviewFrame(page, '.flame-graph .frame', { message: 'the profile webview’s flame graph' });
    // One graph per domain, with named frames from the run.
    const titles = (await view.locator('.flame-section h3').allInnerTexts()).map((t) => t.split(/\s/)[0]);
    h.assert(JSON.stringify(titles) === JSON.stringify(['dom0', 'ping', 'pong']), `flame graphs for dom0, ping, pong (got ${titles.join(', ')})`);
    const dom0 = (await frameNames(view, 'dom0')).map(h.normalize).filter(Boolean);
    h.assert(dom0.includes('main') && dom0.some((n) => n.startsWith('[hypercall')), `dom0's graph names main and hypercalls (got ${dom0.join(', ')})`);
    h.assert((await view.locator('.tl-track').count()) === 3, 'three vCPU rows in the timeline');
    await h.waitForText(view, 'table.events', /event_channel_op/, { message: 'the hypercall table' });
    await h.waitForText(view, '#time-unit', /1 virtual cycle = 1 µs/, { message: 'the unit of the .cpuprofile and trace, said in the view' });
    h.assert((await view.locator('.tl-mark.m-send').count()) > 0 && (await view.locator('.tl-mark.m-deliver').count()) > 0, 'event sends and deliveries drawn on the timeline');
    await h.waitForText(page, '.tabs-container .tab .label-name', /^Profile · tour$/, { message: 'the panel’s tab title' });
    // The language server got the profile (pvlab/profileLoaded): its perf code lens shows in dom0.pvk.
    await h.quickOpen(page, 'dom0.pvk');
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /Profile of tour: this file/, { timeout: 30_000, message: 'the profile code lens from the language server' });
    h.assert((await page.locator('.monaco-editor .codelens-decoration .codicon-watch').count()) > 0, 'the profile lenses carry the watch codicon');
    await h.docScreenshot(page, root, 'lenses');

    // Zoom into ping's wait_hops; the zoom is webview state, so it must survive a reload.
    const waitHops = view.locator('.flame-section:has(h3:text-is("ping")) .frame', { hasText: /^wait_hops$/ }).first();
    await waitHops.click();
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').waitFor({ state: 'visible' });
    await h.waitFor(() => persisted(page, [/pvlab\.profile/, /zoom\\*"\s*:\s*\{\\*"\d/]), { timeout: 30_000, interval: 500, message: 'the workbench to save the panel with its zoomed state' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await h.waitForSelector(page, h.sel.workbench, { timeout: 45_000 });
    view = await h.webviewFrame(page, '.flame-graph .frame', { message: 'the restored profile webview' });
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').waitFor({ state: 'visible', timeout: 30_000 });
    const zoomed = await view.locator('.flame-section:has(h3:text-is("ping")) .frame', { hasText: /^wait_hops$/ }).first().evaluate((e) => e.style.width);
    h.assert(zoomed === '100%', `wait_hops fills the zoomed graph after the reload (width ${zoomed})`);
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').click();

    // The .cpuprofile opens in VS Code's own profile viewer, in the other editor group.
    await view.locator('#open-cpuprofile').click();
    await h.waitForText(page, '.tabs-container .tab .label-name', /^tour-tour\.cpuprofile$/, { timeout: 30_000, message: 'the .cpuprofile tab' });
    const viewer = await h.webviewFrame(page, 'text=Self Time', { timeout: 30_000, message: 'VS Code’s profile table with the .cpuprofile' });
    await h.waitForText(viewer, 'body', /\[hypercall event_channel_op\][\s\S]*wait_hops/, { message: 'the profile table listing hypercall frames and functions' });
    // One cycle is one µs: the run's thousands of cycles read as milliseconds, not 0.00 everywhere.
    await h.waitForText(viewer, 'body', /\b[1-9][\d,]*\.\d+\s?ms/, { message: 'a time of at least 1 ms in VS Code’s profile table' });
    // Its Self Time lenses on the profiled lines are non-zero, and go at the first edit.
    await showSelfTimeLens(ctx);
    await h.goToLine(page, 1, 1);
    await page.keyboard.type('// edit\n');
    await h.waitFor(async () => !(await h.lensTexts(page)).some((t) => /ms Self Time/.test(t)), { timeout: 15_000, message: 'VS Code’s Self Time lenses to go after the edit' });
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+Z');
    await h.runCommand(page, 'File: Revert File');

    // A narrow split: nothing overflows sideways, and no hypercall frame shows a cut name like "[h…".
    await page.setViewportSize({ width: 820, height: 900 });
    await h.waitFor(
      () =>
        view.evaluate(() => {
          const doc = document.documentElement;
          const cut = [...document.querySelectorAll('.frame')].filter((f) => /^\[(hypercall|trap|vmexit) /.test(f.textContent ?? '') && f.scrollWidth > f.clientWidth + 1);
          return doc.scrollWidth <= doc.clientWidth + 1 && cut.length === 0 && document.querySelectorAll('.table-wrap').length > 0;
        }),
      { timeout: 15_000, interval: 250, message: 'the profile view to fit a narrow editor' },
    );
    await page.setViewportSize({ width: 1440, height: 900 });

    // Hover a frame so that the runner's screenshot shows the tooltip over the flame graph.
    await view.locator('.flame-section:has(h3:text-is("pong")) .frame', { hasText: /^main$/ }).first().hover();
    await view.locator('#tooltip:not([hidden])').waitFor({ state: 'visible' });
    await h.docScreenshot(page, root, 'profile-view');
    // (VS Code's own extension details page, opened by an earlier case, blocks the README's relative
    // screenshots under its `img-src https: data:`: not this webview's policy.)
    const csp = page.consoleMessages.filter((m) => /Content Security Policy/i.test(m) && !/\/docs\/screenshots\//.test(m));
    h.assert(csp.length === 0, `no Content Security Policy violations (got: ${csp.join(' | ')})`);

    // Closing the profile panel takes the profile's hints and lenses away (pvlab/profileCleared).
    await h.closeTab(page, 'Profile · tour');
    await h.quickOpen(page, 'dom0.pvk');
    await h.waitFor(async () => !(await h.lensTexts(page)).some((t) => /Profile of tour/.test(t)), { timeout: 20_000, message: 'the profile lens to go with the panel' });
  },
};

export default [profiles];
