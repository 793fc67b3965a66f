import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allDiagnostics, formatHuman } from '../../sandbox/cli/diagnosticOutput.js';
import { analyze } from '../../sandbox/lang/analysis.js';
import { diskHost } from '../../sandbox/lang/fileHost.js';
import { Workspace } from '../../sandbox/lang/program.js';
import { measure, ms } from './measure.js';

/** A file on disk with `count` syntax errors, one per line (about 15 bytes each), as `pvlab check` meets it. */
function manyErrors(count: number): string {
  return Array.from({ length: count }, (_, i) => `fn a${i}(){1+;}`).join('\n') + '\n';
}

/** `pvlab check` output: placing and formatting 20,000 diagnostics, against the analysis that found them. */
export function benchCheck(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvlab-bench-check-'));
  const file = path.join(dir, 'errors.pvk');
  const text = manyErrors(20_000);
  fs.writeFileSync(file, text);
  try {
    let count = 0;
    const ws = new Workspace(diskHost);
    const analysis = analyze(ws, [file]);
    const settings = { warmup: 2, runs: 9 };
    const analysisTime = measure(() => analyze(new Workspace(diskHost), [file]), settings);
    const output = measure(() => {
      const lines = allDiagnostics(analysis).map((d) => formatHuman(d, dir));
      count = lines.length;
    }, settings);
    console.log('\n## pvlab check output: diagnostics placed with one line index per file');
    console.log(`  input: ${(text.length / 1024).toFixed(0)} KiB on disk, ${count.toLocaleString('en-US')} diagnostics`);
    console.log(`  place + format  median ${ms(output.median)}  (${((output.median * 1000) / count).toFixed(2)} µs per diagnostic)`);
    console.log(`  analysis        median ${ms(analysisTime.median)} (baseline: parse + check of the same file)`);
    console.log(`  ratio           ${(output.median / analysisTime.median).toFixed(2)}× the analysis`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
