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

/** At most this many names are suggested (those nearest, ties in name order). */
const MAX_SUGGESTIONS = 3;

/** The candidates nearest to `name` within a small edit distance (a third of its length, at least 1), nearest first, then by name. */
export function closestNames(name: string, candidates: Iterable<string>): string[] {
  if (name.length > MAX_SUGGESTED_LENGTH) return [];
  const limit = Math.max(1, Math.floor(name.length / 3));
  const found: { c: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate cannot be near enough.
    if (c === name || seen.has(c) || Math.abs(c.length - name.length) > limit) continue;
    seen.add(c);
    const d = distance(name, c);
    if (d <= limit) found.push({ c, d });
  }
  if (found.length === 0) return [];
  const best = Math.min(...found.map((f) => f.d));
  return found
    .filter((f) => f.d === best)
    .map((f) => f.c)
    .sort()
    .slice(0, MAX_SUGGESTIONS);
}

/** "; did you mean 'x'?" (or "'x' or 'y'?") for the nearest candidates within a small edit distance, else "". */
export function suggest(name: string, candidates: Iterable<string>): string {
  const names = closestNames(name, candidates).map((n) => `'${n}'`);
  if (names.length === 0) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `; did you mean ${list}?`;
}

/** The names a message's "did you mean …?" (from suggest) offers, in its order. */
export function suggestedNames(message: string): string[] {
  const m = /; did you mean ((?:'[A-Za-z_][A-Za-z0-9_]*'(?:, | or )?)+)\?/.exec(message);
  return m ? [...m[1].matchAll(/'([A-Za-z_][A-Za-z0-9_]*)'/g)].map((x) => x[1]) : [];
}
