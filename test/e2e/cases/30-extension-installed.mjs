// The .vsix is installed: on disk in the extensions dir, and listed in the Extensions view.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export default {
  name: 'extension is listed as installed',
  async run({ page, extension, extensionsDir, root, h }) {
    h.assert(existsSync(path.join(extension.dir, 'dist', 'extension.js')), `${extension.dir}/dist/extension.js exists`);
    const registry = JSON.parse(readFileSync(path.join(extensionsDir, 'extensions.json'), 'utf8'));
    h.assert(
      registry.some((e) => e.identifier?.id === extension.id && e.version === extension.version),
      `extensions.json lists ${extension.id}@${extension.version}`,
    );
    const { displayName } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    // The Extensions view, filtered to installed extensions (offline: no marketplace needed).
    await h.runCommand(page, 'View: Show Extensions');
    const search = await h.waitForSelector(page, '.extensions-viewlet .extensions-search-container .monaco-editor');
    await search.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('@installed');
    await page.keyboard.press('Escape'); // close the filter suggestions
    await h.waitForText(page, '.extensions-viewlet .extensions-search-container .view-lines', (t) => t === '@installed', { message: 'the @installed filter' });
    const row = page.locator('.extensions-viewlet .extension-list-item').filter({ hasText: displayName }).first();
    await row.waitFor({ state: 'visible' });
    // Its details page says it is installed: it offers Uninstall, not Install.
    await row.click();
    await h.waitForText(page, '.extension-editor .header .name', (t) => t === displayName, { message: `the details page of ${displayName}` });
    await h.waitForSelector(page, '.extension-editor .header .actions-container .action-label:has-text("Uninstall")');
  },
};
