import path from 'node:path';

// A debug session from a system file in the real VS Code: a breakpoint in ping's on_event is hit
// and the Call Stack shows the vCPUs as threads.
export default {
  name: 'debugging the tour stops at a breakpoint in on_event and shows vCPU threads',
  timeout: 90_000,
  async run({ page, root, h }) {
    await h.quickOpen(page, 'ping.pvk');
    await h.waitForText(page, h.sel.editorText, 'forwards the token to pong', { message: 'ping.pvk in the editor' });
    // Put the cursor on line 10 (`hops += 1;` in on_event) and toggle a breakpoint there.
    await h.goToLine(page, 10);
    await page.keyboard.press('F9');
    await h.waitForSelector(page, '.editor-group-container.active .monaco-editor .codicon-debug-breakpoint');
    await h.runCommand(page, 'pvlab: Debug System');
    // ping.pvk has no system: the command asks which of the workspace's systems to debug.
    const pick = page.locator(h.sel.quickInputRow).filter({ hasText: 'tour.pvk' }).first();
    await pick.waitFor({ state: 'visible', timeout: 20_000 });
    await pick.click();
    await h.waitForText(page, '.debug-call-stack', /ping · vcpu0/, { timeout: 45_000, message: 'the vCPU threads in the Call Stack view' });
    await h.waitForText(page, '.monaco-workbench', /Paused on breakpoint/i, { timeout: 30_000, message: 'the session paused on the breakpoint' });
    await h.waitForText(page, '.monaco-workbench', /dom0 · vcpu0/, { message: 'dom0’s vCPU listed as a thread too' });
    await h.waitForText(page, '.monaco-workbench', /on_event \[event upcall\]/, { message: 'the upcall frame in the stack' });
    // The runner's screenshot comes after the session ends: keep one of the paused session too.
    await page.screenshot({ path: path.join(root, 'test', 'e2e', 'screenshots', '04-debug-session-paused.png') });
    await h.docScreenshot(page, root, 'debugger');
    // Leave the session: stop debugging, and remove the breakpoint for the next cases.
    await page.keyboard.press('Shift+F5');
    await h.waitFor(async () => !(await page.locator('.monaco-workbench').innerText()).includes('Paused on breakpoint'), { timeout: 20_000, message: 'the session to end' });
    await h.runCommand(page, 'Remove All Breakpoints');
  },
};
