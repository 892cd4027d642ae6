// Summary statistics for the dashboard benchmarks (not a benchmark itself: scripts/bench.mjs runs *.bench.mjs).

/**
 * Median, 95th percentile (nearest rank), minimum and maximum of the finite values.
 * @param {Array<number | undefined>} values
 */
export function summary(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return { n: 0, median: NaN, p95: NaN, min: NaN, max: NaN };
  const rank = (q) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
  const mid = Math.floor(v.length / 2);
  return { n: v.length, median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, p95: rank(0.95), min: v[0], max: v[v.length - 1] };
}
