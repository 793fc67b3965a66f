// A system that does not compile (old_host: guest.pvk:6:22 has PVK005) on Run, Debug (F5) and
// Profile: one notification naming the first error, with "Go to Error" and "Show Problems" that
// lead there; never VS Code's modal offering launch.json.
const FIRST_ERROR = /system old_host does not compile: guest\.pvk:6:22 PVK005 integer literal -1 does not fit in u32/;

/** Opens problems/old_host.pvk through the Explorer (Quick Open waits for the file search after a reload). */
async function openOldHost(page, h) {
  await h.openFromExplorer(page, ['problems', 'old_host.pvk']);
  await h.waitForText(page, '.editor-group-container.active .monaco-editor .view-lines', 'system old_host', { message: 'old_host.pvk in the editor' });
}

/** Clicks the system lens whose text ends with `action` in the active editor. */
async function clickLens(page, action) {
  const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: new RegExp(`${action}$`) }).first();
  await lens.waitFor({ state: 'visible', timeout: 30_000 });
  await lens.click();
}

async function expectOneNotification(page, h) {
  const toast = await h.waitForNotification(page, FIRST_ERROR);
  const buttons = await h.notificationButtons(toast);
  h.assert(JSON.stringify(buttons) === JSON.stringify(['Go to Error', 'Show Problems']), `the buttons are Go to Error and Show Problems (got ${buttons.join(', ')})`);
  h.assert((await page.locator(h.sel.notification).filter({ hasText: /does not compile/ }).count()) === 1, 'one notification, not one per error');
  h.assert((await page.locator('.monaco-dialog-box').count()) === 0, 'no modal dialog (launch.json)');
  return toast;
}

/** Opens old_host.pvk, clicks its `action` lens and returns the one notification it gives. */
async function failingLens(page, h, action) {
  await openOldHost(page, h);
  await clickLens(page, action);
  return expectOneNotification(page, h);
}

export default [
  {
    name: 'Run on a system that does not compile: one notification, Go to Error opens the error',
    timeout: 90_000,
    async run({ page, h }) {
      const toast = await failingLens(page, h, 'Run');
      await toast.locator('.monaco-button', { hasText: 'Go to Error' }).click();
      await h.waitForTab(page, 'guest.pvk');
      // The literal at 6:22 selected, the cursor at its start.
      await h.waitForText(page, h.byId('status.editor.selection'), /Ln 6, Col 22 \(2 selected\)/, { message: 'the error (6:22) selected' });
      await h.clearNotifications(page);
    },
  },
  {
    name: 'F5 on a system that does not compile: the notification, never the launch.json modal',
    timeout: 90_000,
    async run({ page, h }) {
      await openOldHost(page, h);
      // The focus in its text: F5 starts debugging the active file.
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.press('F5');
      await expectOneNotification(page, h);
      h.assert(!(await page.locator('.debug-toolbar').first().isVisible().catch(() => false)), 'no debug session started');
      await h.clearNotifications(page);
    },
  },
  {
    name: 'Profile on a system that does not compile: the notification, Show Problems opens the Problems panel',
    timeout: 90_000,
    async run({ page, h }) {
      const toast = await failingLens(page, h, 'Profile');
      await toast.locator('.monaco-button', { hasText: 'Show Problems' }).click();
      await h.waitForText(page, '.markers-panel', /PVK005/, { message: 'the Problems panel with the error' });
      await h.clearNotifications(page);
      await h.runCommand(page, 'View: Hide Panel');
    },
  },
];
