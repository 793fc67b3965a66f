// The Compare lens above a system: native vs pv vs pv with patched pvops vs hvm, drawn as a chart
// in the profile view (pvlab compare --json), with the paravirt example's numbers.

export default {
  name: 'Compare lens: native, pv, pv+patch_pvops and hvm as a chart in the profile view',
  timeout: 120_000,
  async run({ page, root, h }) {
    await h.openFromExplorer(page, ['paravirt', 'paravirt.pvk']);
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /(^|\s)Compare$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    const view = await h.webviewFrame(page, '.cmp-chart .cmp-row');
    const rows = (await view.locator('.cmp-chart .cmp-row').allInnerTexts()).map((t) => h.normalize(t).replace(/\s+/g, ' '));
    h.assert(rows.length === 4, `four bars for the kernel (got ${rows.length}: ${rows.join(' | ')})`);
    h.assert(/^native 3,765 · baseline$/.test(rows[0]), `native: ${rows[0]}`);
    h.assert(/^pv 3,366 · -399 \(-11%\)$/.test(rows[1]), `pv: ${rows[1]}`);
    h.assert(/^pv\+patch_pvops 2,763 · -1,002 \(-27%\)$/.test(rows[2]), `pv+patch_pvops: ${rows[2]}`);
    h.assert(/^hvm 3,765 · \+0 \(0%\)$/.test(rows[3]), `hvm: ${rows[3]}`);
    const widths = await view.locator('.cmp-chart .cmp-bar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    h.assert(widths[2] < widths[1] && widths[1] < widths[0] && Math.abs(widths[0] - widths[3]) < 1, `bars in proportion (${widths.map((w) => w.toFixed(0)).join(', ')})`);
    await h.waitForText(view, 'table.cmp-functions', /cpu\.load_cr3/, { message: 'the hot functions per variant' });
    await h.waitFor(async () => (await page.locator(h.sel.notification).filter({ hasText: /comparing/ }).count()) === 0, { timeout: 15_000, message: 'the progress notification to close' });
    await h.docScreenshot(page, root, 'compare');
    await h.closeTab(page, /Compare · |Profile · /);
  },
};
