/** How `pvlab compare` writes numbers, shared by its table and the editor's chart. */
import { withCommas as num } from '../run/digits.js';

/** `+21%`, `-5%`, `0%`, and `+<1%` for a change that rounds to nothing. */
export function overheadPercent(p: number): string {
  const whole = Math.round(Math.abs(p));
  const sign = p > 0 ? '+' : p < 0 ? '-' : '';
  if (whole === 0 && p !== 0) return `${sign}<1%`;
  return whole === 0 ? '0%' : `${sign}${whole}%`;
}

/** `+800`, `-1,002`, `+0`. */
export function signedCycles(n: number): string {
  return n > 0 ? `+${num(n)}` : n < 0 ? `-${num(-n)}` : '+0';
}
