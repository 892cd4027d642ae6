/** Levenshtein edit distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * The known names closest to a mistyped one, for "did you mean" hints: names sharing a prefix with the
 * input first (shortest first), then names within a small edit distance (closest first).
 */
export function closestMatches(input: string, known: Iterable<string>, limit = 5): string[] {
  const needle = input.trim().toUpperCase();
  if (needle === '') return [];
  const maxDistance = Math.max(2, Math.floor(needle.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of known) {
    const upper = name.toUpperCase();
    if (upper.startsWith(needle) || (needle.length >= 2 && needle.startsWith(upper))) {
      scored.push({ name, score: -1000 + Math.abs(upper.length - needle.length) });
      continue;
    }
    const d = editDistance(needle, upper);
    if (d <= maxDistance) scored.push({ name, score: d });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, limit).map((s) => s.name);
}
