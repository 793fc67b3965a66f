// Run System from the lens: the Output panel shows the summary table of domains where it looks
// (the end of the output), not the last console line of the last domain.
export default {
  name: 'Run System output shows the summary table of domains',
  timeout: 90_000,
  async run({ page, h }) {
    await h.quickOpen(page, 'tour.pvk');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /(^|\s)Run$/ }).first();
    await lens.waitFor({ state: 'visible', timeout: 30_000 });
    await lens.click();
    // Monaco renders only the visible lines: the table must be among them.
    await h.waitForText(page, '.part.panel .view-lines', /id\s+name\s+mode\s+state\s+exit\s+cycles/, { timeout: 30_000, message: 'the table header in the visible output' });
    await h.waitForText(page, '.part.panel .view-lines', /0\s+dom0\s+pv\s+exited\s+0/, { message: 'dom0’s row in the visible output' });
    await h.waitForText(page, '.part.panel .view-lines', /exit status 0: every domain exited cleanly/, { message: 'the exit status' });
    await h.runCommand(page, 'View: Hide Panel');
  },
};
