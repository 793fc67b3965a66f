import { benchCheck } from './check.bench.js';
import { benchDebugger } from './debugger.bench.js';
import { benchEngines } from './engine.bench.js';
import { benchFirstLenses } from './firstLenses.bench.js';
import { benchFrontend } from './frontend.bench.js';
import { benchHypervisorPath, sampleHypervisorPath } from './hvpath.bench.js';
import { benchNavigation } from './navigation.bench.js';
import { benchProfile } from './profile.bench.js';
import { benchServer } from './server.bench.js';

/** `npm run bench`: every benchmark, each printing its numbers beside a baseline measured in the same run. */
const benches: [string, () => void | Promise<void>][] = [
  ['frontend', benchFrontend],
  ['check', benchCheck],
  ['engines', benchEngines],
  ['profile', benchProfile],
  ['hvpath', benchHypervisorPath],
  ['server', benchServer],
  ['navigation', benchNavigation],
  ['debugger', benchDebugger],
  ['first-lenses', benchFirstLenses],
];
const only = process.argv[2];
void (async () => {
  // One process's share of the hypervisor-path bench (it runs this bundle again: see benchHypervisorPath()).
  if (only === 'hvpath-sample') return sampleHypervisorPath();
  for (const [name, run] of benches) if (!only || only === name) await run();
})();
