// Hypercall code lenses show the ABI number and context trouble; hovering a hypercall shows its ABI entry.
export default {
  name: 'hypercall code lens with its number, and hover over a hypercall',
  timeout: 90_000,
  async run({ page, root, h }) {
    await h.openFromExplorer(page, ['problems', 'guest.pvk']);
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /#40 set_pat/, { timeout: 30_000, message: 'the set_pat code lens' });
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /#36 domctl · dom0-only · since 3\.0/, { message: 'the domctl code lens' });
    await h.waitForText(page, '.monaco-editor .codelens-decoration', /-EPERM in domU web/, { message: 'the -EPERM warning in the lens' });
    // Hover the hypercall name: move off it, then onto it, until the hover shows.
    const token = page.locator(`${h.sel.editorText} span`, { hasText: /^set_pat$/ }).last();
    await token.waitFor({ state: 'visible' });
    const hoverWidget = page.locator('.monaco-hover').filter({ hasText: 'set_pat' }).first();
    await h.waitFor(
      async () => {
        const box = await token.boundingBox();
        if (!box) return false;
        await page.mouse.move(box.x + box.width / 2, box.y - 60);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
        return hoverWidget.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
      },
      { timeout: 30_000, interval: 200, message: 'the hover over set_pat' },
    );
    await h.waitForText(page, '.monaco-hover', /hypercall #40 set_pat/, { message: 'the hover names the hypercall number' });
    await h.waitForText(page, '.monaco-hover', /-ENOSYS on hypervisor 4\.1/, { message: 'the hover names the -ENOSYS context' });
    await h.docScreenshot(page, root, 'hover');
    // The warning in a lens is a codicon, not an emoji that may render as an empty box.
    const lenses = await h.lensTexts(page);
    h.assert(lenses.every((t) => !/[⚠⏱▶]/u.test(t)), `no emoji in lenses (got ${lenses.join(' | ')})`);
    h.assert((await page.locator('.monaco-editor .codelens-decoration .codicon-warning').count()) > 0, 'the -EPERM/-ENOSYS warnings carry the warning codicon');
  },
};
