// One job over a year of hourly intensity (shipped ES 2023 trace, 8,760 points): the whole call
// (validate + build prefix sums + plan) and the search alone on a prebuilt curve; median of many runs.
// Also an interruptible job over a 72 h window (exact DP).
// Run: npm run build && node packages/schedule/bench/plan-single.bench.mjs
import { loadTrace, shippedTracePath } from '@verdant/grid';
import { intensityCurve, planJob, planJobOnCurve } from '@verdant/schedule';

const H = 3600;
const { points } = await loadTrace(shippedTracePath('ES', 2023));
const start = points[0].t;
const end = points[points.length - 1].t + H;
const job = { durationS: 6.5 * H, earliestStart: start, deadline: end, powerW: 700 };

function median(fn, runs) {
  for (let i = 0; i < 20; i++) fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(runs / 2)], p95: ms[Math.floor(runs * 0.95)] };
}

const plan = planJob(job, points);
const full = median(() => planJob(job, points), 500);
const curve = intensityCurve(points);
const search = median(() => planJobOnCurve(job, curve, 'ES'), 500);
const win = { durationS: 10 * H, earliestStart: start + 100 * 24 * H, deadline: start + 103 * 24 * H, powerW: 700, interruptible: { minChunkS: 2 * H, pauseOverheadS: 600 } };
const chunked = planJobOnCurve(win, curve, 'ES');
const dp = median(() => planJobOnCurve(win, curve, 'ES'), 100);

const f = (x) => x.toFixed(3);
console.log(`planJob, 8,760 points, whole call: median ${f(full.median)} ms, p95 ${f(full.p95)} ms (target < 5 ms)`);
console.log(`planJobOnCurve (prebuilt curve): median ${f(search.median)} ms`);
console.log(`  best start ${new Date(plan.start * 1000).toISOString()}: ${plan.emissionsG.toFixed(0)} g vs ${plan.baselineEmissionsG.toFixed(0)} g starting now`);
console.log(`interruptible 10 h in 72 h (min chunk 2 h, 10 min overhead): median ${f(dp.median)} ms, ${chunked.chunks.length} chunks, saving ${(100 * chunked.savingFraction).toFixed(1)}%`);
console.log(JSON.stringify({ bench: 'plan-single', points: points.length, wholeCallMedianMs: +f(full.median), wholeCallP95Ms: +f(full.p95), prebuiltCurveMedianMs: +f(search.median), interruptible72hMedianMs: +f(dp.median), targetMs: 5 }));
