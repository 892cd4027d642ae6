/**
 * Indices of the points no other point dominates (≤ in all three objectives, < in one), minimising all
 * three. Exact duplicates keep their first copy. O(n log n): points sorted by (a, b, c); a Fenwick tree over
 * the ranks of c keeps the smallest b seen so far, so "is there an earlier point with b' ≤ b and c' ≤ c"
 * is one prefix query. Any dominator sorts before the point it dominates.
 */
export function paretoFront(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>): number[] {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i]! - a[j]! || b[i]! - b[j]! || c[i]! - c[j]!);
  const cs = Float64Array.from({ length: n }, (_, i) => c[i]!).sort();
  const rank = (v: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo; // 1-based rank of the last value ≤ v
  };
  const tree = new Float64Array(n + 1).fill(Infinity);
  const front: number[] = [];
  for (const i of order) {
    const r = rank(c[i]!);
    let best = Infinity;
    for (let k = r; k > 0; k -= k & -k) best = Math.min(best, tree[k]!);
    if (best <= b[i]!) continue;
    front.push(i);
    for (let k = r; k <= n; k += k & -k) if (b[i]! < tree[k]!) tree[k] = b[i]!;
  }
  return front;
}

/** True when p is no worse than q everywhere and better somewhere. */
export const dominates = (p: readonly number[], q: readonly number[]): boolean => p.every((v, k) => v <= q[k]!) && p.some((v, k) => v < q[k]!);
