// Integration tests with the `vscode` API, inside code-server's extension host (the
// extensionTestsPath route): test/e2e/integration/index.js must call back with exit code 0.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const testsPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'integration', 'index.js');

export default {
  name: 'integration tests in the extension host',
  workbench: false,
  timeout: 90_000,
  async run(ctx) {
    const { code, page } = await ctx.runExtensionTests({ testsPath, timeout: 75_000 });
    ctx.page = page; // screenshot the extension development host window
    if (code !== 0) {
      // The failure's stack reaches the browser console; the runner prints its tail.
      throw new Error(`the integration tests exited with code ${code}`);
    }
  },
};
