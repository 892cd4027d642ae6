import type { StepCurve } from './series.js';

/**
 * Best start for one uninterrupted run of `durationS` in [from, to - durationS] on a step curve.
 * The cost of starting at s, W(s + d) - W(s), is piecewise linear in s with breaks where s or s + d meets a
 * step boundary, so its minimum lies at one of those breaks or at the window's ends: O(n) candidates, each
 * scored in O(1) from prefix integrals. Ties go to the earliest start.
 */
export function bestContiguousStart(weight: StepCurve, durationS: number, from: number, to: number): { start: number; cost: number } {
  const latest = to - durationS;
  let bestStart = from;
  let bestCost = weight.integral(from, from + durationS);
  const consider = (s: number): void => {
    if (s < from || s > latest) return;
    const c = weight.integral(s, s + durationS);
    if (c < bestCost - 1e-9 * Math.abs(bestCost) || (c <= bestCost + 1e-9 * Math.abs(bestCost) && s < bestStart)) {
      bestCost = c;
      bestStart = s;
    }
  };
  consider(latest);
  const res = weight.res;
  // Boundaries b with from <= b <= latest (start on a boundary) and from <= b - d <= latest (end on one).
  const firstIdx = Math.max(0, Math.ceil((from - weight.t0) / res));
  const lastIdx = Math.min(weight.length, Math.floor((to - weight.t0) / res));
  for (let i = firstIdx; i <= lastIdx; i++) {
    const b = weight.t0 + i * res;
    consider(b);
    consider(b - durationS);
  }
  return { start: bestStart, cost: bestCost };
}
