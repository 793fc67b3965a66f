// Helpers for end-to-end cases: waiting (never sleeping) and driving the VS Code workbench.
// Cases get these as `ctx.h`. Selectors are those of VS Code 1.100 (code-server 4.100.3).

/**
 * Polls `condition` (sync or async) until it returns a truthy value, which is returned.
 * Throws after `timeout` ms with `message` and the last error the condition threw, if any.
 */
export async function waitFor(condition, { timeout = 15_000, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message.split('\n')[0] : lastError})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${why}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Throws `message` unless `value` is truthy. */
export function assert(value, message) {
  if (!value) throw new Error(`assertion failed: ${message}`);
}

/** Waits until `selector` is visible on `page`; returns its locator (first match). */
export async function waitForSelector(page, selector, { timeout = 15_000, state = 'visible' } = {}) {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state, timeout });
  return locator;
}

/** Trims and turns the editor's non-breaking spaces into plain ones. */
export const normalize = (text) => text.replace(/\u00a0/g, ' ').trim();

/** Waits until the element matched by `selector` has text for which `predicate` holds; returns the text. */
export async function waitForText(page, selector, predicate, { timeout = 15_000, message } = {}) {
  const test = typeof predicate === 'string' ? (t) => t.includes(predicate) : predicate instanceof RegExp ? (t) => predicate.test(t) : predicate;
  let last = '';
  try {
    return await waitFor(
      async () => {
        const texts = (await page.locator(selector).allInnerTexts()).map(normalize);
        last = texts.join(' | ');
        return texts.find((t) => test(t));
      },
      { timeout, message: message ?? `text in ${selector}` },
    );
  } catch (err) {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last.slice(0, 300))}`);
  }
}

/** CSS selector for a workbench element by id (VS Code ids contain dots). */
export const byId = (id) => `[id="${id}"]`;

/** Selectors for workbench parts and widgets. */
export const sel = {
  workbench: '.monaco-workbench',
  activityBar: '.part.activitybar',
  statusBar: '.part.statusbar',
  editorPart: '.part.editor',
  explorerRow: '.explorer-folders-view .monaco-list-row',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .quick-input-list .monaco-list-row',
  tab: '.tabs-container .tab',
  activeTab: '.tabs-container .tab.active',
  editorText: '.editor-instance .monaco-editor .view-lines',
  notification: '.notifications-toasts .notification-toast',
};

/** Loads the workbench for `folder` and waits until its main parts are rendered. */
export async function openWorkbench(page, baseUrl, folder, { timeout = 45_000, payload } = {}) {
  let url = `${baseUrl}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url, { timeout, waitUntil: 'domcontentloaded' });
  const deadline = Date.now() + timeout;
  const left = () => Math.max(1000, deadline - Date.now());
  await waitForSelector(page, sel.workbench, { timeout: left() });
  await waitForSelector(page, sel.activityBar, { timeout: left() });
  await waitForSelector(page, sel.statusBar, { timeout: left() });
  await waitForSelector(page, sel.editorPart, { timeout: left() });
}

/**
 * Focuses the workbench so keyboard shortcuts reach it: clicks the first editor group's active
 * tab (the editor area when no editor is open). Files opened next land in that group, and the
 * active editor stays the same: clicking the editor area's corner would hit the group's first
 * tab and make that editor active, so a command run next would act on another file.
 */
export async function focusWorkbench(page) {
  const activeTab = page.locator(`${sel.editorPart} .editor-group-container`).first().locator(`${sel.activeTab}`);
  const target = (await activeTab.isVisible().catch(() => false)) ? activeTab : page.locator(sel.editorPart).first();
  // The floating debug toolbar can cover the tab (a forced click there once pressed its Step
  // Back button): then focus the active editor's input directly, which moves nothing.
  const covered = await target
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + 5, r.top + 5);
      return !hit || !el.contains(hit);
    })
    .catch(() => true);
  if (covered) await page.evaluate(() => document.querySelector('.editor-group-container.active .monaco-editor textarea')?.focus()).catch(() => {});
  else await target.click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
  // A click on a tab hands focus on to its editor a moment later; a quick input opened before
  // that would lose focus and close. Wait for focus to leave the tab (or give up after 1 s).
  await page
    .waitForFunction(() => document.activeElement !== null && document.activeElement !== document.body && !document.activeElement.closest('.tabs-container'), undefined, { timeout: 1_000 })
    .catch(() => {});
}

/**
 * Opens a quick input with `key`, types `text` and waits for `row`. The workbench sometimes
 * closes a quick input right after it opened (a focus change from an earlier click lands
 * late): each try waits for the input itself, and a try whose input closed starts again,
 * until `timeout`.
 */
async function typeInQuickInput(page, key, what, text, row, timeout) {
  const deadline = Date.now() + timeout;
  const box = page.locator(sel.quickInputBox).first();
  let last;
  do {
    const step = () => Math.min(8_000, Math.max(1_000, deadline - Date.now()));
    try {
      if (!(await box.isVisible())) {
        await focusWorkbench(page);
        await page.keyboard.press(key);
        await box.waitFor({ state: 'visible', timeout: step() });
      }
      // The value is set on the input itself, not typed: if the workbench moved focus meanwhile,
      // typed keys would land in an editor.
      if ((await box.inputValue({ timeout: step() })) !== text) {
        await box.evaluate((input, value) => {
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }, text, { timeout: step() });
      }
      await row.waitFor({ state: 'visible', timeout: step() });
      return;
    } catch (err) {
      last = err;
    }
  } while (Date.now() < deadline);
  throw new Error(`${what}: no row for "${text}" (${last?.message.split('\n')[0] ?? 'timed out'})`);
}

/**
 * Opens a file by name via Quick Open (Ctrl+P): types the name, waits for a result row that
 * shows it (Enter right after start-up flakes otherwise), presses Enter and waits for the tab.
 */
export async function quickOpen(page, fileName, { timeout = 20_000 } = {}) {
  const deadline = Date.now() + timeout;
  const left = () => Math.max(1000, deadline - Date.now());
  const row = page.locator(sel.quickInputRow).filter({ hasText: fileName }).first();
  await typeInQuickInput(page, 'Control+P', 'Quick Open', fileName, row, left());
  // The first row must be the file (it is what Enter opens).
  await waitForText(page, `${sel.quickInputRow}[data-index="0"]`, fileName, { timeout: left(), message: `Quick Open's first row to be ${fileName}` });
  await page.keyboard.press('Enter');
  await waitForTab(page, fileName, { timeout: left() });
}

/** Waits for an editor tab labelled `name` to be the active tab. */
export async function waitForTab(page, name, { timeout = 15_000 } = {}) {
  return waitForText(page, `${sel.activeTab} .label-name`, (t) => t === name, { timeout, message: `active editor tab "${name}"` });
}

/**
 * Runs a command by its palette label, e.g. "Extensions: Show Installed Extensions": F1, type
 * it, wait for the row with exactly that label (fuzzy matching may rank others first), click it.
 */
export async function runCommand(page, label, { timeout = 20_000 } = {}) {
  const deadline = Date.now() + timeout;
  const left = () => Math.max(1000, deadline - Date.now());
  const row = page
    .locator(sel.quickInputRow)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`, 'i') }) })
    .first();
  try {
    await typeInQuickInput(page, 'F1', 'the command palette', `>${label}`, row, left());
  } catch (err) {
    const shown = (await page.locator(`${sel.quickInputRow} .label-name`).allInnerTexts()).map(normalize);
    throw new Error(`command "${label}" not in the palette (rows: ${shown.join(' | ') || 'none'}): ${err.message.split('\n')[0]}`);
  }
  // Accept the row from the keyboard once the list's focus is on it: a click could land on
  // another row when the list re-renders under the pointer (one run ran "Debug: Step Back"
  // instead of "Debug: Step Out").
  const wanted = new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`, 'i');
  const focusedName = page.locator(`${sel.quickInputRow}.focused .label-name`).first();
  await page.locator(sel.quickInputBox).first().focus();
  for (let moves = 0; !wanted.test(normalize(await focusedName.innerText({ timeout: left() }).catch(() => ''))); moves++) {
    if (moves >= 40) throw new Error(`command "${label}": the palette's focus never reached its row`);
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  // The palette closed, or the command opened a quick input of its own (e.g. "Which system?")
  // in the same widget: either way the palette no longer shows the command's text.
  const box = page.locator(sel.quickInputBox).first();
  await waitFor(async () => !(await box.isVisible()) || !(await box.inputValue({ timeout: 1000 }).catch(() => '')).startsWith('>'), { timeout: left(), message: 'the palette to close' });
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The language shown in the status bar's language indicator (e.g. "pvk"), waiting for it to be `expected`. */
export async function waitForStatusLanguage(page, expected, { timeout = 15_000 } = {}) {
  return waitForText(page, byId('status.editor.mode'), (t) => t === expected, { timeout, message: `status bar language "${expected}"` });
}

/** Names shown in the explorer's tree rows. */
export async function explorerNames(page) {
  return (await page.locator(`${sel.explorerRow} .label-name`).allInnerTexts()).map((t) => t.trim());
}

/** Opens a file through the Explorer by its path of names (folders are expanded on the way). */
export async function openFromExplorer(page, names, { timeout = 20_000 } = {}) {
  await runCommand(page, 'View: Show Explorer');
  for (const [i, name] of names.entries()) {
    const row = page.locator(sel.explorerRow).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
    await row.waitFor({ state: 'visible', timeout });
    const expanded = await row.getAttribute('aria-expanded');
    if (i < names.length - 1) {
      if (expanded !== 'true') await row.click();
    } else {
      await row.dblclick();
    }
  }
  await waitForTab(page, names[names.length - 1], { timeout });
}

/** Screenshots for the README, taken where a user would look: docs/screenshots/NAME.png (committed). */
export async function docScreenshot(page, root, name) {
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(root, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** The notification toast whose text matches `pattern`, once it shows; returns its locator. */
export async function waitForNotification(page, pattern, { timeout = 30_000 } = {}) {
  const toast = page.locator(sel.notification).filter({ hasText: pattern }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/** The labels of a notification's buttons. */
export async function notificationButtons(toast) {
  return (await toast.locator('.notification-list-item-buttons-container .monaco-button').allInnerTexts()).map(normalize);
}

/** Closes every notification (so the next case starts with none). */
export async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await waitFor(async () => (await page.locator(sel.notification).count()) === 0, { timeout: 10_000, message: 'the notifications to close' });
}

/** Moves the cursor of the active editor to a 1-based line (and column) with Go to Line. */
export async function goToLine(page, line, column, { timeout = 15_000 } = {}) {
  const wanted = new RegExp(`Ln ${line}, Col ${column ?? '\\d+'}\\b`);
  const status = page.locator(byId('status.editor.selection')).first();
  const box = page.locator(sel.quickInputBox).first();
  // The text is set on Go to Line's input and Enter pressed on that input itself: keys typed
  // while a late focus change (a webview, a tab) closed the input would land in the editor.
  await waitFor(
    async () => {
      if (wanted.test(normalize(await status.innerText().catch(() => '')))) return true;
      try {
        if (!(await box.isVisible())) {
          await page.keyboard.press('Control+G');
          await box.waitFor({ state: 'visible', timeout: 2_000 });
        }
        await box.evaluate((input, value) => {
          input.value = value;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }, `:${line}${column ? `:${column}` : ''}`);
        await box.press('Enter', { timeout: 2_000 });
      } catch {
        // The input closed under us: the next round opens it again.
      }
      return false;
    },
    { timeout, interval: 300, message: `the cursor at line ${line}` },
  );
}

/** The texts of the code lenses of the visible editors. */
export async function lensTexts(page) {
  return (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).map(normalize);
}

/** The frame (webviews are nested iframes) whose document has `selector`, once it is there. */
export async function webviewFrame(page, selector, { timeout = 60_000, message } = {}) {
  return waitFor(
    async () => {
      for (const frame of page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // A frame that navigated or went away while we looked.
        }
      }
      return undefined;
    },
    { timeout, interval: 250, message: message ?? `a webview with ${selector}` },
  );
}

/** Closes the editor tab whose label matches `label` with its close button, and waits until it is gone. */
export async function closeTab(page, label) {
  const tab = page.locator(sel.tab, { hasText: label }).first();
  await tab.click();
  await tab.locator('.tab-actions .codicon-close').first().click({ force: true });
  await waitFor(async () => (await page.locator(sel.tab, { hasText: label }).count()) === 0, { timeout: 10_000, message: `the tab ${label} to close` });
}
