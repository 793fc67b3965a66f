import { benchEngines } from './engine.bench.js';
import { benchFrontend } from './frontend.bench.js';

/** `npm run bench`: every benchmark, each printing its numbers beside a baseline measured in the same run. */
const benches: [string, () => void][] = [
  ['frontend', benchFrontend],
  ['engines', benchEngines],
];
const only = process.argv[2];
for (const [name, run] of benches) if (!only || only === name) run();
