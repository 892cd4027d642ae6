import { joulesToWh, type SampleRow } from '@verdant/core';
import type { TopLevelSpec } from 'vega-lite';
import type { PausePeriod } from '../process/run-command.js';
import type { RunSummary } from './summary.js';
import { renderSvg } from './chart.js';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** At most this many points per sensor in the chart; longer runs are averaged into buckets. */
const MAX_POINTS = 2000;

/** The x axis: elapsed time since the run started, in a unit that suits its length. */
interface TimeAxis {
  startedAt: number;
  divisor: number;
  title: string;
}

function timeAxis(startedAt: number, durationS: number): TimeAxis {
  if (durationS <= 120) return { startedAt, divisor: 1, title: 'elapsed (s)' };
  if (durationS <= 2 * 3600) return { startedAt, divisor: 60, title: 'elapsed (min)' };
  return { startedAt, divisor: 3600, title: 'elapsed (h)' };
}

const elapsed = (axis: TimeAxis, t: number): number => Math.max(0, t - axis.startedAt) / axis.divisor;

/** A paused period as the report draws it: one still open when the run was read ends at the run's end. */
type Pause = PausePeriod & { to: number };

/** Paused periods recorded with the run (meta.pauses), clipped to the run; open ones end at `end`. */
function pausesOf(summary: RunSummary, end: number): Pause[] {
  const raw = summary.meta.pauses;
  if (!Array.isArray(raw)) return [];
  const out: Pause[] = [];
  for (const p of raw as unknown[]) {
    const { from, to, reason } = (p ?? {}) as { from?: unknown; to?: unknown; reason?: unknown };
    if (typeof from !== 'number') continue;
    const stop = typeof to === 'number' ? to : end;
    if (stop > from) out.push({ from, to: stop, reason: typeof reason === 'string' ? reason : '' });
  }
  return out;
}

/** A chart of `line` over elapsed time, with paused periods shaded behind it. */
function timeChart(axis: TimeAxis, durationS: number, pauses: readonly Pause[], height: number, line: Record<string, unknown>): TopLevelSpec {
  const x = { type: 'quantitative', title: axis.title, scale: { domain: [0, durationS / axis.divisor], nice: false, zero: true }, axis: { tickCount: 10 } };
  const shaded = pauses.map((p) => ({ from: elapsed(axis, p.from), to: elapsed(axis, p.to), label: 'paused' }));
  const layers: unknown[] = [];
  if (shaded.length) {
    layers.push(
      { data: { values: shaded }, mark: { type: 'rect', color: '#9e9e9e', opacity: 0.3 }, encoding: { x: { field: 'from', ...x }, x2: { field: 'to' } } },
      {
        data: { values: shaded },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 3, color: '#616161', fontSize: 11 },
        encoding: { x: { field: 'from', ...x }, y: { value: 0 }, text: { field: 'label' } },
      },
    );
  }
  const encoding = (line.encoding ?? {}) as Record<string, unknown>;
  layers.push({ ...line, encoding: { ...encoding, x: { field: 'elapsed', ...x } } });
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 760, height, layer: layers } as unknown as TopLevelSpec;
}

function downsample(samples: SampleRow[], axis: TimeAxis): Array<{ elapsed: number; sensor: string; power_w: number }> {
  const bySensor = new Map<string, SampleRow[]>();
  for (const s of samples) {
    const list = bySensor.get(s.sensor_id) ?? [];
    list.push(s);
    bySensor.set(s.sensor_id, list);
  }
  const out: Array<{ elapsed: number; sensor: string; power_w: number }> = [];
  for (const [sensor, list] of bySensor) {
    const bucket = Math.max(1, Math.ceil(list.length / MAX_POINTS));
    for (let i = 0; i < list.length; i += bucket) {
      const chunk = list.slice(i, i + bucket);
      const e = chunk.reduce((a, x) => a + x.energy_j, 0);
      const dt = chunk.reduce((a, x) => a + x.dt, 0);
      out.push({ elapsed: elapsed(axis, chunk[chunk.length - 1]!.t), sensor, power_w: dt > 0 ? e / dt : 0 });
    }
  }
  return out;
}

/**
 * One self-contained HTML file: power over time per sensor (an inline SVG), the energy and emissions
 * breakdown, and the method behind every figure. No scripts, no external assets.
 */
export async function renderRunReport(summary: RunSummary, samples: SampleRow[]): Promise<string> {
  const startedAt = Date.parse(summary.started_at) / 1000;
  const lastSample = samples.reduce((m, s) => Math.max(m, s.t), startedAt);
  const durationS = Math.max(summary.duration_s, lastSample - startedAt, 1e-3);
  const axis = timeAxis(startedAt, durationS);
  const pauses = pausesOf(summary, startedAt + durationS);
  const data = downsample(samples, axis);
  const chart = data.length
    ? await renderSvg(
        timeChart(axis, durationS, pauses, 280, {
          data: { values: data },
          mark: { type: 'line', interpolate: 'step-before' },
          encoding: {
            y: { field: 'power_w', type: 'quantitative', title: 'power (W)' },
            color: { field: 'sensor', type: 'nominal', title: 'sensor' },
          },
        }),
      )
    : '<p>No samples were recorded.</p>';
  const intensitySvg = samples.length
    ? await renderSvg(
        timeChart(axis, durationS, pauses, 140, {
          data: { values: samples.filter((s, i, a) => i === 0 || s.t !== a[i - 1]!.t).map((s) => ({ elapsed: elapsed(axis, s.t), g: s.intensity_g_per_kwh })) },
          mark: { type: 'line', interpolate: 'step-before', color: '#2f7d32' },
          encoding: { y: { field: 'g', type: 'quantitative', title: 'gCO2e/kWh' } },
        }),
      )
    : '';
  const pausedS = pauses.reduce((sum, p) => sum + (p.to - p.from), 0);
  const pausedText = pauses.length
    ? `${pauses.length} period${pauses.length > 1 ? 's' : ''}, ${pausedS.toFixed(1)} s in all (shaded grey in the charts): ${pauses
        .map((p) => `${(p.from - startedAt).toFixed(1)}–${(p.to - startedAt).toFixed(1)} s${p.reason ? ` (${p.reason})` : ''}`)
        .join('; ')}`
    : '';
  const rows = summary.sensors
    .map(
      (s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.kind)}</td><td>${esc(s.method)}${s.estimate ? ' <em>(estimate)</em>' : ''}</td>
<td class="n">${joulesToWh(s.energy_j).toFixed(4)}</td><td class="n">${s.energy_j.toFixed(1)}</td><td class="n">${s.emissions_g.toFixed(4)}</td><td>${esc(s.description)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Verdant run ${esc(summary.run_id)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:880px;color:#1b1b1b}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}.n{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}dt{color:#555}
</style></head><body>
<h1>Run ${esc(summary.name)} <small>${esc(summary.run_id)}</small></h1>
<dl>
<dt>Status</dt><dd>${esc(summary.status)}${summary.exit_code !== null ? ` (exit ${summary.exit_code})` : ''}</dd>
<dt>Command</dt><dd><code>${esc(summary.command.join(' '))}</code></dd>
<dt>Started</dt><dd>${esc(summary.started_at)} — ${esc(summary.ended_at ?? 'still running')} (${summary.duration_s.toFixed(1)} s)</dd>
<dt>Energy</dt><dd>${joulesToWh(summary.energy_j).toFixed(4)} Wh (${summary.energy_j.toFixed(1)} J) — sum of the sensors below × PUE ${summary.pue}</dd>
<dt>Emissions</dt><dd>${summary.emissions_g.toFixed(4)} gCO2e — each interval's energy × the grid intensity in force at that time</dd>
<dt>Intensity</dt><dd>${summary.intensity_g_per_kwh.toFixed(1)} gCO2e/kWh energy-weighted mean; zone ${esc(summary.zone)}, source ${esc(summary.intensity_source)}</dd>
${pausedText ? `<dt>Paused</dt><dd>${esc(pausedText)}</dd>\n` : ''}</dl>
<p>Charts run over the time elapsed since the start (${esc(summary.started_at)}).</p>
<h2>Power over time</h2>
${chart}
<h2>Grid intensity</h2>
${intensitySvg}
<h2>Breakdown by sensor</h2>
<table><thead><tr><th>Sensor</th><th>Kind</th><th>Method</th><th class="n">Wh</th><th class="n">J</th><th class="n">gCO2e</th><th>Notes</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Sensor energies are device energy; the run's total applies PUE. Methods marked <em>estimate</em> are modelled, not measured.
Generated by Verdant.</p>
</body></html>
`;
}
