// The comparison chart's model (extension/compareModel.ts) from real `pvlab compare --json`
// output: a bar per variant scaled to the domain's largest, overheads as the CLI prints them,
// notes for what else happened, and the hot functions per variant.
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../sandbox/profile/compare.js';
import { comparisonView, isComparison } from '../../extension/compareModel.js';
import { pvlab } from './sandbox/helpers.js';

const compare = (...args: string[]): Comparison => JSON.parse(pvlab(['compare', ...args, '--json']).stdout) as Comparison;

describe('the comparison chart', () => {
  it('the paravirt example: native, pv, pv+patch_pvops and hvm bars with their overheads against native', () => {
    const c = compare('examples/paravirt/paravirt.pvk');
    expect(isComparison(c)).toBe(true);
    const view = comparisonView(c);
    expect(view.variants).toEqual(['native', 'pv', 'pv+patch_pvops', 'hvm']);
    const [kernel] = view.domains;
    expect(kernel.against).toBe('against native');
    expect(kernel.bars.map((b) => [b.variant, b.cycles, b.overhead, b.notes])).toEqual([
      ['native', 3765, 'baseline', ''],
      ['pv', 3366, '-399 (-11%)', ''],
      ['pv+patch_pvops', 2763, '-1,002 (-27%)', ''],
      ['hvm', 3765, '+0 (0%)', ''],
    ]);
    // the largest bar fills the track; the others in proportion
    expect(kernel.bars.map((b) => b.width)).toEqual([1, 3366 / 3765, 2763 / 3765, 1]);
    expect(kernel.functions[0]).toEqual({ name: 'main', cycles: [3765, 3366, 2763, 3765] });
  });

  it('the tour: native is not possible for domains that need the hypervisor, and says why', () => {
    const view = comparisonView(compare('examples/tour/tour.pvk'));
    const dom0 = view.domains[0];
    expect(dom0.against).toBe('against pv (native is not possible)');
    expect(dom0.bars[0]).toMatchObject({ variant: 'native', possible: false, cycles: null, width: 0, overhead: '' });
    expect(dom0.bars[0].notes).toMatch(/^not possible: /);
    expect(dom0.bars[1]).toMatchObject({ variant: 'pv', overhead: 'baseline' });
  });

  it('rejects what is not a comparison', () => {
    expect(isComparison({ system: 'x' })).toBe(false);
    expect(isComparison(null)).toBe(false);
  });
});
