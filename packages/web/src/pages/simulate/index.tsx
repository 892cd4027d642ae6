// Simulate: the scenarios of `verdant simulate` (a year of grid intensity replayed: how much would shifting
// jobs in time have saved?) as a form, and its table and chart (POST /api/simulate).
import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, axis, withAlpha } from '../../components/Chart';
import { describeError, postJson } from '../../lib/api';
import * as f from '../../lib/format';
import type { SimulationRow } from '../../lib/types';
import type { PageDef } from '../page';

const ZONES = ['BR', 'ES', 'NO', 'US-CAL-CISO'];
const YEARS = [2021, 2022, 2023];
const DEADLINES = ['next-workday', 'semi-weekly'];

interface Form {
  scenario: 'periodic' | 'ml';
  zones: string[];
  years: number[];
  windows: string;
  deadlines: string[];
  interruptible: boolean;
  noise: string;
  seeds: string;
  jobs: string;
}

const numbers = (s: string): number[] =>
  s
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);

/** The request body: the library's field names (SimulationRequest), as `verdant simulate` builds it from its flags. */
function body(v: Form): Record<string, unknown> {
  const windows = numbers(v.windows);
  const noise = numbers(v.noise);
  return {
    scenario: v.scenario,
    zones: v.zones,
    years: v.years,
    ...(windows.length ? { windowsH: windows } : {}),
    ...(v.scenario === 'ml' && !windows.length ? { deadlines: v.deadlines.map((kind) => ({ kind })) } : {}),
    interruptible: v.interruptible,
    noise: noise.length ? noise : [0],
    ...(v.seeds.trim() ? { seeds: Number(v.seeds) } : {}),
    ...(v.scenario === 'ml' && v.jobs.trim() ? { ml: { count: Number(v.jobs) } } : {}),
  };
}

const pick = (r: SimulationRow, camel: keyof SimulationRow, snake: keyof SimulationRow): number => Number(r[camel] ?? r[snake] ?? NaN);

function check(v: Form): string | undefined {
  if (!v.zones.length) return 'Zones: pick at least one zone';
  if (!v.years.length) return 'Years: pick at least one year';
  if (numbers(v.windows).some((n) => !Number.isFinite(n) || n <= 0)) return 'Windows: give hours greater than 0, separated by commas (e.g. 2, 4, 8)';
  if (numbers(v.noise).some((n) => !Number.isFinite(n) || n < 0 || n > 1)) return 'Forecast noise: give fractions between 0 and 1 (e.g. 0, 0.1)';
  if (v.seeds.trim() && !(Number.isInteger(Number(v.seeds)) && Number(v.seeds) >= 1)) return 'Seeds: give a whole number of at least 1';
  if (v.scenario === 'ml' && v.jobs.trim() && !(Number.isInteger(Number(v.jobs)) && Number(v.jobs) >= 1)) return 'Jobs: give a whole number of at least 1';
  if (v.scenario === 'ml' && !numbers(v.windows).length && !v.deadlines.length) return 'Deadlines: pick at least one, or give windows';
  return undefined;
}

function SimulatePage() {
  const [form, setForm] = useState<Form>({ scenario: 'periodic', zones: ['ES'], years: [2023], windows: '2, 4, 8', deadlines: [...DEADLINES], interruptible: false, noise: '0', seeds: '', jobs: '' });
  const [rows, setRows] = useState<SimulationRow[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((x) => ({ ...x, [k]: v }));
  const toggle = <T,>(list: T[], v: T, on: boolean): T[] => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

  const submit = async (e: Event) => {
    e.preventDefault();
    const bad = check(form);
    if (bad) {
      setError(bad);
      return;
    }
    setRunning(true);
    try {
      const res = await postJson<{ rows: SimulationRow[] }>('/api/simulate', body(form));
      setRows(res.rows);
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setRunning(false);
    }
  };

  const labels = (rows ?? []).map((r) => `${r.zone} ${r.year} ${r.variant}${r.interruptible ? ' int.' : ''}${r.noise ? ` noise ${r.noise}` : ''}`);
  const data = useMemo(() => [(rows ?? []).map((_, i) => i), (rows ?? []).map((r) => pick(r, 'savingsPct', 'savings_pct'))] as uPlot.AlignedData, [rows]);

  return (
    <main data-page="simulate" data-ready="true">
      <h1>Simulate</h1>
      <p class="note">Replays years of grid intensity: how much would shifting jobs in time have saved? The same study as <code>verdant simulate</code>.</p>
      <form onSubmit={submit} class="toolbar" aria-label="Simulation">
        <div class="field">
          <label for="s-scenario">Scenario</label>
          <select id="s-scenario" value={form.scenario} onChange={(e) => {
              const scenario = e.currentTarget.value as Form['scenario'];
              // Windows are the periodic scenario's; for ML they would replace the deadlines (fixed slack).
              setForm((x) => ({ ...x, scenario, windows: scenario === 'periodic' ? x.windows || '2, 4, 8' : '' }));
            }}>
            <option value="periodic">periodic (a nightly job shifted by ±W hours)</option>
            <option value="ml">ml (ML jobs from office hours to a deadline)</option>
          </select>
        </div>
        <fieldset>
          <legend>Zones</legend>
          {ZONES.map((z) => (
            <label key={z}>
              <input type="checkbox" checked={form.zones.includes(z)} onChange={(e) => set('zones', toggle(form.zones, z, e.currentTarget.checked))} /> {z}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Years</legend>
          {YEARS.map((y) => (
            <label key={y}>
              <input type="checkbox" checked={form.years.includes(y)} onChange={(e) => set('years', toggle(form.years, y, e.currentTarget.checked))} /> {y}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="s-windows">{form.scenario === 'periodic' ? 'Windows ±hours' : 'Slack hours (instead of deadlines)'}</label>
          <input id="s-windows" value={form.windows} onInput={(e) => set('windows', e.currentTarget.value)} placeholder={form.scenario === 'periodic' ? '2, 4, 8' : ''} />
        </div>
        {form.scenario === 'ml' && (
          <>
            <fieldset>
              <legend>Deadlines</legend>
              {DEADLINES.map((d) => (
                <label key={d}>
                  <input type="checkbox" checked={form.deadlines.includes(d)} onChange={(e) => set('deadlines', toggle(form.deadlines, d, e.currentTarget.checked))} /> {d}
                </label>
              ))}
            </fieldset>
            <div class="field">
              <label for="s-jobs">Jobs</label>
              <input id="s-jobs" type="number" min="1" value={form.jobs} onInput={(e) => set('jobs', e.currentTarget.value)} />
            </div>
          </>
        )}
        <div class="field">
          <label for="s-noise">Forecast noise (fractions)</label>
          <input id="s-noise" value={form.noise} onInput={(e) => set('noise', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="s-seeds">Seeds</label>
          <input id="s-seeds" type="number" min="1" value={form.seeds} onInput={(e) => set('seeds', e.currentTarget.value)} />
        </div>
        <label class="row">
          <input type="checkbox" checked={form.interruptible} onChange={(e) => set('interruptible', e.currentTarget.checked)} /> Interruptible
        </label>
        <button type="submit" class="primary" disabled={running}>
          {running ? 'Simulating…' : 'Run simulation'}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="chart-block">
        <h2>Savings</h2>
        {!rows ? (
          <div class="empty-state" data-empty="simulate">
            <p>{running ? 'Simulating: replaying the years chosen…' : 'No simulation yet.'}</p>
            <p class="note" hidden={running}>
              Choose a scenario, zones and years above and press <strong>Run simulation</strong>: each variant's saving in emissions, in percent of running its jobs at their nominal time, is drawn here and listed in a table.
            </p>
          </div>
        ) : (
        <Chart
          name="simulate"
          label="Savings in emissions of each simulated variant, in percent of running each job at its nominal time"
          data={data}
          optionsKey={`sim:${labels.join('|')}`}
          height={240}
          options={(theme) => ({
            legend: { show: false },
            scales: { x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] }, y: { range: (_u, min, max) => [Math.min(0, min * 1.1), Math.max(1, max * 1.1)] } },
            axes: [axis(theme, { values: (_u, v) => v.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), size: 40 }), axis(theme, { size: 50, values: (_u, v) => v.map((p) => `${p} %`) })],
            series: [{}, { label: 'Saving %', stroke: theme.series[0], fill: withAlpha(theme.series[0]!, 0.5), paths: uPlot.paths.bars!({ size: [0.6, 60] }), points: { show: false } }],
          })}
        />
        )}
      </div>
      {rows && (
        <div class="table-wrap" tabIndex={0}>
          <table data-table="simulate">
            <thead>
              <tr>
                <th scope="col">Zone</th>
                <th scope="col" class="num">Year</th>
                <th scope="col">Variant</th>
                <th scope="col">Interruptible</th>
                <th scope="col" class="num">Noise</th>
                <th scope="col" class="num">Jobs</th>
                <th scope="col" class="num">Baseline</th>
                <th scope="col" class="num">Shifted</th>
                <th scope="col" class="num">Saving</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const std = pick(r, 'savingsPctStd', 'savings_pct_std');
                return (
                  <tr key={i}>
                    <td>{r.zone}</td>
                    <td class="num">{r.year}</td>
                    <td>{r.variant}</td>
                    <td>{r.interruptible ? 'yes' : 'no'}</td>
                    <td class="num">{r.noise}</td>
                    <td class="num">{r.jobs}</td>
                    <td class="num">{f.emissions(pick(r, 'baselineKg', 'baseline_kg') * 1000)}</td>
                    <td class="num">{f.emissions(pick(r, 'shiftedKg', 'shifted_kg') * 1000)}</td>
                    <td class="num">
                      {pick(r, 'savingsPct', 'savings_pct').toFixed(1)} %{r.runs > 1 && Number.isFinite(std) ? ` ±${std.toFixed(1)}` : ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'simulate', path: '/simulate', nav: 'Simulate', title: () => 'Simulate', component: SimulatePage };
