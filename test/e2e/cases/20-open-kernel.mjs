// Quick Open dom0.pvk shows a pvk editor; its first code lenses follow within seconds (logged).
export default {
  name: 'Quick Open dom0.pvk shows a pvk editor, then its lenses',
  async run({ page, h, log }) {
    const t0 = Date.now();
    await h.quickOpen(page, 'dom0.pvk');
    await h.waitForText(page, h.sel.editorText, 'dom0: the toolstack', { message: 'the first line of dom0.pvk in the editor' });
    // The language indicator shows the language's alias ("pvk"), not "Plain Text".
    await h.waitForStatusLanguage(page, 'pvk');
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /#\d+ \w+ · (stable|dom0-only)/, { timeout: 30_000, message: 'the first hypercall lens' });
    log(`first lenses ${((Date.now() - t0) / 1000).toFixed(1)} s after Quick Open`);
  },
};
