// The Problems panel lists pvlab's diagnostics with their codes, computed in system context.
export default {
  name: 'Problems panel lists PVK codes in system context',
  timeout: 90_000,
  async run({ page, h }) {
    // test/fixtures/e2e/problems/ is copied into the workspace: a guest booted as a pv domU on 4.1.
    await h.openFromExplorer(page, ['problems', 'guest.pvk']);
    await h.waitForText(page, h.sel.editorText, 'hypercall set_pat', { message: 'guest.pvk in the editor' });
    await page.keyboard.press('Control+Shift+M');
    for (const code of ['PVK012', 'PVK011', 'PVK021', 'PVK005']) {
      await h.waitForText(page, '.markers-panel', code, { timeout: 30_000, message: `${code} in the Problems panel` });
    }
    const text = (await page.locator('.markers-panel').first().innerText()).replace(/\u00a0/g, ' ');
    h.assert(/-ENOSYS/.test(text) && /old_host/.test(text), 'the PVK012 message names -ENOSYS and the system old_host');
    h.assert(/-EPERM/.test(text), 'the PVK011 message names -EPERM');
  },
};
