// The `extensionTestsPath` route (../shared/notes/REAL-VSCODE.md): load the workbench with a
// payload naming an extension under development and a tests module; the module's `run()` runs
// inside code-server's real extension host with the full `vscode` API, and the exit code comes
// back through `window.codeAutomationExit`.
import { openWorkbench, waitFor } from './helpers.mjs';

/**
 * Runs the integration tests module `testsPath` (absolute, on this machine) in a fresh page.
 * `extensionDevelopmentPath` defaults to the repository root (no .vsix needed: the dev copy
 * takes precedence over the installed one). Resolves with { code, page, messages } where code
 * is 0 for pass; `page` stays open (the caller screenshots and closes it).
 */
export async function runExtensionTests(ctx, { testsPath, extensionDevelopmentPath = ctx.root, folder = ctx.workspace, timeout = 60_000 } = {}) {
  const page = await ctx.newPage();
  let exitCode;
  await page.exposeFunction('codeAutomationExit', (code) => {
    exitCode = typeof code === 'number' ? code : Number(code ?? 1);
  });
  const remote = (p) => `vscode-remote://127.0.0.1:${ctx.port}${p}`;
  await openWorkbench(page, ctx.baseUrl, folder, {
    timeout,
    payload: [
      ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
      ['extensionTestsPath', remote(testsPath)],
    ],
  });
  await waitFor(() => exitCode !== undefined, { timeout, interval: 100, message: 'codeAutomationExit from the extension tests' });
  return { code: exitCode, page, messages: page.consoleMessages };
}
