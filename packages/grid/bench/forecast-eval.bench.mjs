// Rolling-origin forecast evaluation on the shipped Electricity Maps traces (hourly, lifecycle g/kWh):
// one origin per day after 28 days of warm-up; MAPE over the first 24 h and 72 h of each forecast for the
// seasonal model, naive persistence and seasonal naive (same hour on the latest day).
// Run: npm run build && node packages/grid/bench/forecast-eval.bench.mjs
import { evaluateForecasts, loadTrace, shippedTraces } from '@verdant/grid';

const traces = shippedTraces();
if (traces.length === 0) throw new Error('no shipped traces found under data/grid/electricitymaps');
const started = performance.now();
const rows = [];
for (const tr of traces) {
  const { points } = await loadTrace(tr.path);
  for (const score of evaluateForecasts(points)) {
    rows.push({ zone: tr.zone, year: tr.year, horizonH: score.horizonS / 3600, origins: score.origins, ...score.mape });
  }
}
const fmt = (v) => v.toFixed(1).padStart(6);
console.log('zone         year  horizon  origins  seasonal  persistence  seasonal-naive');
for (const r of rows) {
  console.log(`${r.zone.padEnd(12)} ${r.year}  ${String(r.horizonH).padStart(4)} h  ${String(r.origins).padStart(7)}  ${fmt(r.seasonal)}%  ${fmt(r.persistence)}%     ${fmt(r.seasonalNaive)}%`);
}
const mean = (h, k) => rows.filter((r) => r.horizonH === h).reduce((a, r) => a + r[k], 0) / rows.filter((r) => r.horizonH === h).length;
const summary = {};
for (const h of [24, 72]) {
  summary[`h${h}`] = { seasonal: +mean(h, 'seasonal').toFixed(2), persistence: +mean(h, 'persistence').toFixed(2), seasonalNaive: +mean(h, 'seasonalNaive').toFixed(2) };
  const wins = rows.filter((r) => r.horizonH === h && r.seasonal < r.persistence).length;
  summary[`h${h}`].tracesBeatingPersistence = `${wins}/${rows.filter((r) => r.horizonH === h).length}`;
  console.log(`mean MAPE ${h} h: seasonal ${summary[`h${h}`].seasonal}%, persistence ${summary[`h${h}`].persistence}%, seasonal naive ${summary[`h${h}`].seasonalNaive}% (seasonal beats persistence on ${summary[`h${h}`].tracesBeatingPersistence} traces)`);
}
console.log(JSON.stringify({ bench: 'forecast-eval', traces: traces.length, ...summary, rows, seconds: +((performance.now() - started) / 1000).toFixed(1) }));
