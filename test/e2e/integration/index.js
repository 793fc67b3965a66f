// Integration tests that run inside a real VS Code extension host, with the `vscode` API.
// Routes: test/e2e/run.mjs (code-server, `extensionTestsPath` payload) and
// test/e2e/electron.mjs (@vscode/test-electron, where VS Code can be downloaded).
// Contract: export `run()`, which resolves on success and rejects on failure.
'use strict';
const assert = require('node:assert');
const vscode = require('vscode');

async function waitFor(condition, timeout, message) {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForAsync(condition, timeout, message) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function run() {
  const languages = await vscode.languages.getLanguages();
  assert.ok(languages.includes('pvk'), `vscode.languages.getLanguages() lacks pvk (has ${languages.length} others)`);

  // A .pvk document gets the pvk language, and opening it activates the extension.
  const [uri] = await vscode.workspace.findFiles('**/dom0.pvk', undefined, 1);
  const doc = uri
    ? await vscode.workspace.openTextDocument(uri)
    : await vscode.workspace.openTextDocument({ language: 'pvk', content: 'fn main() -> u32 { return 0; }\n' });
  assert.strictEqual(doc.languageId, 'pvk');
  await vscode.window.showTextDocument(doc);

  const extension = vscode.extensions.getExtension('pvlab.pvlab');
  assert.ok(extension, 'extension pvlab.pvlab is not known to the extension host');
  await waitFor(() => extension.isActive, 20000, 'pvlab.pvlab to activate on a pvk document');
  console.log('pvlab integration: pvk language registered, extension active');

  // The code lens provider the extension registers at activation (before its language server runs)
  // answers from the server, and again after the server restarts (a new server process).
  if (uri) {
    const hasAbiLens = async () => {
      const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) ?? [];
      return lenses.some((l) => /#36 domctl/.test(l.command?.title ?? ''));
    };
    await waitForAsync(hasAbiLens, 30000, 'the #36 domctl lens of dom0.pvk');
    await vscode.commands.executeCommand('pvlab.restartServer');
    await waitForAsync(hasAbiLens, 30000, 'the #36 domctl lens of dom0.pvk after pvlab.restartServer');
    console.log('pvlab integration: code lenses from the server, before and after a restart');
  }
}

module.exports = { run };
