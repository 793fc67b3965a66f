// Ctrl+. on the first mistakes a user makes: `let wrong: u32 = -1;` (PVK005) offers the hex form
// and i32; applying the hex form clears the error.
export default {
  name: 'quick fixes for PVK005: the hex form or i32, and applying one clears the error',
  timeout: 90_000,
  async run({ page, root, h }) {
    await h.openFromExplorer(page, ['problems', 'guest.pvk']);
    await h.waitForText(page, h.sel.editorText, 'let wrong: u32 = -1;', { message: 'guest.pvk in the editor' });
    await h.goToLine(page, 6, 23);
    const widget = page.locator('.action-widget');
    await h.waitFor(
      async () => {
        if (!(await widget.first().isVisible())) await page.keyboard.press('Control+.');
        return widget.first().isVisible();
      },
      { timeout: 30_000, interval: 1000, message: 'the quick fix menu' },
    );
    await h.waitForText(page, '.action-widget', /Write -1 as 0xFFFFFFFF \(the same 32 bits as a u32\)/, { message: 'the hex-form fix' });
    await h.waitForText(page, '.action-widget', /Declare 'wrong' as i32/, { message: 'the i32 fix' });
    await h.docScreenshot(page, root, 'quick-fix');
    // The preferred fix is the focused row: Enter applies it (a click hits the widget's pointer block).
    await h.waitFor(async () => /Write -1 as 0xFFFFFFFF/.test((await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label')) ?? ''), { timeout: 10_000, message: 'the hex-form fix to be the focused one' });
    await page.keyboard.press('Enter');
    await h.waitForText(page, h.sel.editorText, 'let wrong: u32 = 0xFFFFFFFF;', { message: 'the fixed line' });
    // Undo, so later cases see the fixture as it is.
    await page.keyboard.press('Control+Z');
    await h.waitForText(page, h.sel.editorText, 'let wrong: u32 = -1;', { message: 'the line back after undo' });
    await h.runCommand(page, 'File: Revert File');
  },
};
