// The workbench loads with the example workspace (a temp copy of examples/tour) in the explorer.
import { readdirSync } from 'node:fs';

export default {
  name: 'workbench loads with examples/tour',
  async run({ page, workspace, h }) {
    const expected = readdirSync(workspace).filter((f) => f.endsWith('.pvk')).sort();
    h.assert(expected.includes('dom0.pvk'), `the workspace copy has dom0.pvk (has ${expected.join(', ')})`);
    const names = await h.waitFor(
      async () => {
        const shown = await h.explorerNames(page);
        return expected.every((f) => shown.includes(f)) && shown;
      },
      { timeout: 20_000, message: `the explorer to list ${expected.join(', ')}` },
    );
    h.assert(!names.includes('node_modules'), 'the explorer shows the example workspace, not the repository');
  },
};
