// Profile System from the code lens above `system tour`: the profile webview shows a flame graph
// per domain, the vCPU timeline and the tables; its zoom survives a reload of the window (webview
// state + panel serializer); and its button opens the .cpuprofile in VS Code's own viewer.

/** The frame (webviews are nested iframes) whose document has `selector`, once it is there. */
async function webviewFrame(page, h, selector, { timeout = 60_000, message } = {}) {
  return h.waitFor(
    async () => {
      for (const frame of page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // A frame that navigated or went away while we looked.
        }
      }
      return undefined;
    },
    { timeout, interval: 250, message: message ?? `a webview with ${selector}` },
  );
}

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

const profiles = {
  name: 'Profile System opens a flame graph per domain, keeps its zoom across a reload, opens the .cpuprofile',
  timeout: 150_000,
  async run(ctx) {
    const { page, h } = ctx;
    // Room for the editors: earlier cases may have left the Problems panel open.
    if (await page.locator('.part.panel').first().isVisible()) {
      await h.runCommand(page, 'View: Hide Panel');
      await page.locator('.part.panel').first().waitFor({ state: 'hidden' });
    }
    await h.quickOpen(page, 'tour.pvk');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /^Profile$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();

    let view = await webviewFrame(page, h, '.flame-graph .frame', { message: 'the profile webview’s flame graph' });
    // One graph per domain, with named frames from the run.
    const titles = (await view.locator('.flame-section h3').allInnerTexts()).map((t) => t.split(/\s/)[0]);
    h.assert(JSON.stringify(titles) === JSON.stringify(['dom0', 'ping', 'pong']), `flame graphs for dom0, ping, pong (got ${titles.join(', ')})`);
    const dom0 = (await frameNames(view, 'dom0')).map(h.normalize).filter(Boolean);
    h.assert(dom0.includes('main') && dom0.some((n) => n.startsWith('[hypercall')), `dom0's graph names main and hypercalls (got ${dom0.join(', ')})`);
    h.assert((await view.locator('.tl-track').count()) === 3, 'three vCPU rows in the timeline');
    await h.waitForText(view, 'table.events', /event_channel_op/, { message: 'the hypercall table' });
    await h.waitForText(page, '.tabs-container .tab .label-name', /^Profile · tour$/, { message: 'the panel’s tab title' });
    // The language server got the profile (pvlab/profileLoaded): its perf code lens shows in dom0.pvk.
    await h.quickOpen(page, 'dom0.pvk');
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /Profile of tour: this file/, { timeout: 30_000, message: 'the profile code lens from the language server' });

    // Zoom into ping's wait_hops; the zoom is webview state, so it must survive a reload.
    const waitHops = view.locator('.flame-section:has(h3:text-is("ping")) .frame', { hasText: /^wait_hops$/ }).first();
    await waitHops.click();
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').waitFor({ state: 'visible' });
    await h.waitFor(() => persisted(page, [/pvlab\.profile/, /zoom\\*"\s*:\s*\{\\*"\d/]), { timeout: 30_000, interval: 500, message: 'the workbench to save the panel with its zoomed state' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await h.waitForSelector(page, h.sel.workbench, { timeout: 45_000 });
    view = await webviewFrame(page, h, '.flame-graph .frame', { message: 'the restored profile webview' });
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').waitFor({ state: 'visible', timeout: 30_000 });
    const zoomed = await view.locator('.flame-section:has(h3:text-is("ping")) .frame', { hasText: /^wait_hops$/ }).first().evaluate((e) => e.style.width);
    h.assert(zoomed === '100%', `wait_hops fills the zoomed graph after the reload (width ${zoomed})`);
    await view.locator('.flame-section:has(h3:text-is("ping")) button.reset').click();

    // The .cpuprofile opens in VS Code's own profile viewer, in the other editor group.
    await view.locator('#open-cpuprofile').click();
    await h.waitForText(page, '.tabs-container .tab .label-name', /^tour-tour\.cpuprofile$/, { timeout: 30_000, message: 'the .cpuprofile tab' });
    const viewer = await webviewFrame(page, h, 'text=Self Time', { timeout: 30_000, message: 'VS Code’s profile table with the .cpuprofile' });
    await h.waitForText(viewer, 'body', /\[hypercall event_channel_op\][\s\S]*wait_hops/, { message: 'the profile table listing hypercall frames and functions' });

    // Hover a frame so that the runner's screenshot shows the tooltip over the flame graph.
    await view.locator('.flame-section:has(h3:text-is("pong")) .frame', { hasText: /^main$/ }).first().hover();
    await view.locator('#tooltip:not([hidden])').waitFor({ state: 'visible' });
    const csp = page.consoleMessages.filter((m) => /Content Security Policy/i.test(m));
    h.assert(csp.length === 0, `no Content Security Policy violations (got: ${csp.join(' | ')})`);
  },
};

const compileErrors = {
  name: 'Profile System on a system that does not compile shows the CLI errors in the output',
  timeout: 90_000,
  async run({ page, h }) {
    await h.quickOpen(page, 'old_host.pvk');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /^Profile$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    await h.waitForText(page, h.sel.notification, /could not profile old_host: system old_host does not compile \(1 error in the output\)/, { timeout: 30_000, message: 'the error notification' });
    await h.waitForText(page, '.part.panel .view-lines', /guest\.pvk:6:22: error PVK005/, { message: 'the CLI’s error in the pvlab run output' });
  },
};

export default [profiles, compileErrors];
