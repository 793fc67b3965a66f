// Run System's output in VS Code's Output panel, which shows the end of what is written: the
// summary table of `pvlab run` (printed first by the CLI) comes last, nothing lost or added.
import { describe, expect, it } from 'vitest';
import { summaryLast } from '../../extension/runOutput.js';
import { pvlab } from './sandbox/helpers.js';

describe('Run System output: the summary table last', () => {
  const cli = pvlab(['run', 'examples/tour/tour.pvk']).stdout;

  it('ends with the system line and the table of domains', () => {
    const lines = summaryLast(cli).trimEnd().split('\n');
    expect(lines.slice(-7)).toEqual([
      expect.stringMatching(/^system tour · hypervisor 4\.2 · 2 pcpus · ended exited after [\d,]+ cycles$/),
      expect.stringMatching(/^hypervisor [\d,]+ cycles \(context switches\) · idle [\d,]+ cycles$/),
      '',
      expect.stringMatching(/^id\s+name\s+mode\s+state\s+exit\s+cycles\s+events\s+pvops$/),
      expect.stringMatching(/^0\s+dom0\s+pv\s+exited\s+0\s/),
      expect.stringMatching(/^1\s+ping\s+pv\s+exited\s+0\s/),
      expect.stringMatching(/^2\s+pong\s+pv\s+exited\s+0\s/),
    ]);
    expect(lines[0]).toBe('── dom0 (domid 0, pv) ─ exited, exit code 0');
  });

  it('keeps every line of the CLI output, once', () => {
    const sorted = (t: string): string[] => t.split('\n').filter((l) => l !== '').sort();
    expect(sorted(summaryLast(cli))).toEqual(sorted(cli));
  });

  it('leaves output without domain sections alone', () => {
    expect(summaryLast('pvlab: no system in x.pvk\n')).toBe('pvlab: no system in x.pvk\n');
  });
});
