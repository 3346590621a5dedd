/**
 * "Did you mean" for unknown fields: a typo in a field name is the most common manifest
 * mistake, and the schema knows every name that would have been accepted at that place.
 */

/** Edit distance with adjacent transpositions (optimal string alignment): `comamnd` is one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The known name closest to `name`, if it is close enough to be the intended one: the same
 * letters in another case (`hostnetwork`), or a few edits away, fewer for short names so that
 * `kind` is not "corrected" to `type`. Ties go to the alphabetically first, for stable output.
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  // Names from the input can be huge: no suggestion is worth a quadratic walk over them.
  if (name.length === 0 || name.length > 64) return undefined;
  const lower = name.toLowerCase();
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of [...known].sort()) {
    if (k === name) continue;
    const score = k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase());
    if (score < bestScore && score <= limit) {
      best = k;
      bestScore = score;
    }
  }
  return best;
}
