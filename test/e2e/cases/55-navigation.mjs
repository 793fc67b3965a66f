// Go to Implementations and Show Call Hierarchy on a pvop call (test/fixtures/e2e/nav/: the
// table in mmu.pvk, its impls in mmu_native.pvk and mmu_xen.pvk, the call in nav_kernel.pvk).

/** Runs a command until `done` holds (the language server may still be starting on the first try). */
async function commandUntil(page, h, label, done, message) {
  await h.waitFor(
    async () => {
      await h.runCommand(page, label);
      return h.waitFor(done, { timeout: 5000, message }).then(
        () => true,
        async () => {
          await page.keyboard.press('Escape');
          return false;
        },
      );
    },
    { timeout: 45_000, interval: 500, message },
  );
}

const sidebarRows = '.part.sidebar .monaco-list-row';

export default {
  name: 'Go to Implementations and Show Call Hierarchy on a pvop call',
  timeout: 120_000,
  async run({ page, h }) {
    await h.quickOpen(page, 'nav_kernel.pvk');
    await h.waitForText(page, h.sel.editorText, 'Calls the MMU pvop', { message: 'nav_kernel.pvk in the editor' });
    // `mmu.flush(base + i * 4096);` — the caret on `flush`
    await h.goToLine(page, 7, 14);

    const peek = '.peekview-widget';
    const bothImpls = async () => {
      const text = h.normalize(await page.locator(peek).first().innerText());
      return /mmu_native\.pvk/.test(text) && /mmu_xen\.pvk/.test(text);
    };
    await commandUntil(page, h, 'Go to Implementations', bothImpls, 'the peek with both impl files');
    await h.waitForText(page, `${peek} .monaco-list-row`, /fn flush\(addr: u32\) \{ invlpg\(addr\); \}|mmu_native\.pvk/, { message: 'the native impl in the peek' });
    await page.keyboard.press('Escape');
    await h.waitFor(async () => !(await page.locator(peek).first().isVisible()), { message: 'the peek to close' });

    const rowWith = (re) => async () => (await page.locator(sidebarRows).allInnerTexts()).map(h.normalize).some((t) => re.test(t));
    await commandUntil(page, h, 'Calls: Show Call Hierarchy', rowWith(/^mmu\.flush/), 'the op mmu.flush at the root of the call hierarchy');
    await h.waitForText(page, sidebarRows, /flush_all/, { message: 'flush_all among the callers of mmu.flush' });

    await h.runCommand(page, 'Calls: Show Outgoing Calls');
    await h.waitForText(page, sidebarRows, /mmu\.flush \[native\]/, { message: 'the native impl among the calls of the op' });
    await h.waitForText(page, sidebarRows, /mmu\.flush \[xen\].*bound by nav_host: nav0/, { message: 'the xen impl, bound by the pv dom0' });
  },
};
