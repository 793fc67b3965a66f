/**
 * `n.toLocaleString('en-US')` (digits grouped by commas) without waking up
 * the ICU number formatter for whole numbers: its first use costs tens of
 * milliseconds, more than a whole `pvlab run` of a small system.
 */
export function withCommas(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}
