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
}

module.exports = { run };
