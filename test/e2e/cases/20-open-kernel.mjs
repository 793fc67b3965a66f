// Quick Open finds dom0.pvk; its editor shows the file and the status bar says it is pvk.
export default {
  name: 'Quick Open dom0.pvk shows a pvk editor',
  async run({ page, h }) {
    await h.quickOpen(page, 'dom0.pvk');
    await h.waitForText(page, h.sel.editorText, 'dom0: the toolstack', { message: 'the first line of dom0.pvk in the editor' });
    // The language indicator shows the language's alias ("pvk"), not "Plain Text".
    await h.waitForStatusLanguage(page, 'pvk');
  },
};
