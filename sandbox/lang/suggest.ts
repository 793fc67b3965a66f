/** Levenshtein distance, small inputs only. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Names longer than this get no suggestion (the distance takes time proportional to the product of the lengths). */
const MAX_SUGGESTED_LENGTH = 64;

/** "; did you mean 'x'?" for the closest candidate within a small edit distance, else "". */
export function suggest(name: string, candidates: Iterable<string>): string {
  if (name.length > MAX_SUGGESTED_LENGTH) return '';
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate cannot win or tie.
    if (c === name || Math.abs(c.length - name.length) > bestDistance) continue;
    const d = distance(name, c);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      if (d < bestDistance) bestDistance = d;
      best = c;
    }
  }
  return best ? `; did you mean '${best}'?` : '';
}
