import path from 'node:path';

// Stepping from a guest into a hypercall's pvk handler in the real VS Code (issue 14):
// test/fixtures/e2e/hypercall/ is copied into the workspace: hc_kernel.pvk calls stamp_page,
// whose handler is in hc_abi.pvk.
export default {
  name: 'debugging steps from a guest hypercall into its pvk handler and out again',
  timeout: 120_000,
  async run({ page, root, h }) {
    await h.quickOpen(page, 'hc_kernel.pvk');
    await h.waitForText(page, h.sel.editorText, 'hypercall stamp_page(64)', { message: 'hc_kernel.pvk in the editor' });
    // A breakpoint on the guest's call line (5), then debug the workspace's stamp_host system.
    await h.goToLine(page, 5);
    await page.keyboard.press('F9');
    await h.waitForSelector(page, '.editor-group-container.active .monaco-editor .codicon-debug-breakpoint');
    await h.quickOpen(page, 'hc_system.pvk');
    await h.runCommand(page, 'pvlab: Debug System');
    await h.waitForText(page, '.monaco-workbench', /Paused on breakpoint/i, { timeout: 45_000, message: 'the session paused on the guest call line' });
    await h.waitForTab(page, 'hc_kernel.pvk', { timeout: 20_000 });

    // Step Into: the handler's first statement, in hc_abi.pvk, with its frame on top of main's
    // (one vCPU: the Call Stack shows its frames without a thread row).
    await h.runCommand(page, 'Debug: Step Into');
    await h.waitForText(page, '.debug-call-stack', /stamp_page \[hypercall handler\]\s*hc_abi\.pvk\s*6:\d+\s*main\s*hc_kernel\.pvk\s*5:\d+/, { timeout: 30_000, message: 'the handler frame (line 6) above main at its call line (5) in the Call Stack' });
    await h.waitForTab(page, 'hc_abi.pvk', { timeout: 20_000 });
    await h.waitForText(page, h.byId('status.editor.selection'), /Ln 6,/, { message: 'the editor at the handler’s first statement (line 6)' });
    await h.waitForText(page, '.editor-group-container.active .monaco-editor .view-lines', 'stamped += 1;');
    await h.waitForSelector(page, '.editor-group-container.active .monaco-editor .debug-top-stack-frame-line');
    await h.waitForText(page, '.debug-variables', /Hypervisor/, { message: 'the Hypervisor scope in the Variables view' });
    await page.screenshot({ path: path.join(root, 'test', 'e2e', 'screenshots', '36-debug-in-handler.png') });

    // Step Out: back in the guest, on the statement after the hypercall.
    await h.runCommand(page, 'Debug: Step Out');
    await h.waitForTab(page, 'hc_kernel.pvk', { timeout: 20_000 });
    await h.waitForText(page, h.byId('status.editor.selection'), /Ln 6,/, { message: 'the editor at the guest’s next line (6)' });
    await h.waitFor(async () => !/hypercall handler/.test(await page.locator('.debug-call-stack').innerText()), { timeout: 20_000, message: 'the handler frame gone from the Call Stack' });

    await page.keyboard.press('Shift+F5');
    await h.waitFor(async () => !(await page.locator('.monaco-workbench').innerText()).includes('Paused on'), { timeout: 20_000, message: 'the session to end' });
    await h.runCommand(page, 'Remove All Breakpoints');
  },
};
