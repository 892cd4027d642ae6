// Grid: pick a zone (or cloud region); its intensity history and forecast with the fallback link and age of
// each part; the best window for a job of D hours before a deadline (POST /api/plan) highlighted on the chart.
import { useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, axis, spansPlugin, type Span } from '../../components/Chart';
import { ErrorNote, useLoad } from '../../components/ui';
import { describeError, getJson, postJson, query } from '../../lib/api';
import * as f from '../../lib/format';
import { navigate } from '../../lib/router';
import { alignSteps, stepSeries } from '../../lib/series';
import type { IntensitySeries, PlanResult, Zones } from '../../lib/types';
import type { PageDef, PageProps } from '../page';

const HOUR = 3600;

function GridPage({ route }: PageProps) {
  const zones = useLoad((signal) => getJson<Zones>('/api/zones', signal), []);
  const zone = route.query.get('zone') ?? zones.data?.default_zone ?? '';
  const [span] = useState(() => {
    const now = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    return { from: now - 2 * 24 * HOUR, to: now + 2 * 24 * HOUR };
  });
  const series = useLoad(
    (signal) => (zone ? getJson<IntensitySeries>(`/api/intensity${query({ zone, from: span.from, to: span.to })}`, signal) : Promise.resolve(undefined)),
    [zone],
  );
  const [hours, setHours] = useState('4');
  const [deadline, setDeadline] = useState(() => f.isoToLocalInput(Date.now() / 1000 + 24 * HOUR));
  const [plan, setPlan] = useState<PlanResult | undefined>(undefined);
  const [planError, setPlanError] = useState<string | undefined>(undefined);
  const [planning, setPlanning] = useState(false);
  const windowRef = useRef<Span[]>([]);
  windowRef.current = plan ? plan.best.chunks.map((c) => ({ from: f.epochS(c.start), to: f.epochS(c.end), color: '', label: 'best window' })) : [];

  // The time axis ends where the data does (a 24-hour forecast asked for 48 h ends at +24 h), at the latest at span.to.
  const endRef = useRef(span.to);
  endRef.current = useMemo(() => {
    const ends = (series.data?.points ?? []).map((p) => f.epochS(p.t) + p.resolution_s).filter(Number.isFinite);
    return ends.length ? Math.min(span.to, Math.max(Date.now() / 1000, ...ends)) : span.to;
  }, [series.data]);
  const data = useMemo(() => {
    const pts = (series.data?.points ?? []).map((p) => ({ t: f.epochS(p.t), resolutionS: p.resolution_s, value: p.g_per_kwh, forecast: p.forecast }));
    const hist = stepSeries(pts.filter((p) => !p.forecast), span.from, span.to);
    const fc = stepSeries(pts.filter((p) => p.forecast), span.from, span.to);
    const a = alignSteps([hist, fc]);
    return [a.t, ...a.v] as uPlot.AlignedData;
  }, [series.data]);

  const findWindow = async (e: Event) => {
    e.preventDefault();
    const h = Number(hours);
    if (!Number.isFinite(h) || h <= 0) {
      setPlanError('Duration: give a number of hours greater than 0, e.g. 4');
      return;
    }
    const dl = f.localInputToIso(deadline);
    if (!dl) {
      setPlanError('Deadline: give a date and time');
      return;
    }
    setPlanning(true);
    try {
      setPlan(await postJson<PlanResult>('/api/plan', { regions: [zone], duration_s: Math.round(h * HOUR), deadline: dl }));
      setPlanError(undefined);
    } catch (err) {
      setPlan(undefined);
      setPlanError(describeError(err));
    } finally {
      setPlanning(false);
    }
  };

  return (
    <main data-page="grid" data-ready={series.data ? 'true' : undefined}>
      <h1>Grid</h1>
      <ErrorNote error={zones.error} />
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="g-zone">Zone</label>
          <select
            id="g-zone"
            value={zone}
            onChange={(e) => {
              setPlan(undefined);
              navigate(`/grid?zone=${encodeURIComponent(e.currentTarget.value)}`);
            }}
          >
            {zones.data && !zones.data.zones.some((z) => z.id === zone) && zone && <option value={zone}>{zone}</option>}
            {zones.data?.zones.map((z) => (
              <option key={z.id} value={z.id}>
                {z.name ? `${z.id} (${z.name})` : z.id}
                {z.kind === 'cloud-region' ? ' · cloud region' : ''}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={series.error} />
      <div class="chart-block">
        <h2>Intensity in {zone || '…'}: the last 2 days and the forecast</h2>
        <Chart
          name="grid"
          label={`Carbon intensity of ${zone}: history and forecast${plan ? ', with the best window highlighted' : ''}`}
          data={data}
          optionsKey={`grid:${plan ? plan.best.start : ''}:${endRef.current}`}
          height={260}
          options={(theme) => ({
            scales: { x: { time: true, range: () => [span.from, endRef.current] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
            axes: [axis(theme), axis(theme, { size: 85, values: (_u, v) => v.map((g) => f.intensity(g)) })],
            plugins: [spansPlugin(() => windowRef.current.map((s) => ({ ...s, color: theme.band })), theme.fg)],
            series: [
              {},
              { label: 'Measured', stroke: theme.series[0], width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }), value: (_u, v) => f.intensity(v) },
              { label: 'Forecast', stroke: theme.series[1], dash: [6, 4], width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }), value: (_u, v) => f.intensity(v) },
            ],
          })}
        />
      </div>
      {series.data && (
        <>
          <h2>Where each part comes from</h2>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Source</th>
                  <th scope="col">Link</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Fallback</th>
                  <th scope="col" class="num">Age</th>
                </tr>
              </thead>
              <tbody>
                {series.data.parts.map((p, i) => (
                  <tr key={i}>
                    <td>{f.dateTime(p.from)}</td>
                    <td>{f.dateTime(p.to)}</td>
                    <td>{p.source}</td>
                    <td>{p.link ?? '–'}</td>
                    <td>{p.forecast ? 'forecast' : 'measured'}</td>
                    <td style={{ whiteSpace: 'normal' }}>{p.fallback ? `yes${p.failures?.length ? ` (${p.failures.map((x) => `${x.link}: ${x.error}`).join('; ')})` : ''}` : 'no'}</td>
                    <td class="num">{p.age_s === null || p.age_s === undefined ? '–' : f.duration(p.age_s)}</td>
                  </tr>
                ))}
                {series.data.parts.length === 0 && (
                  <tr>
                    <td colSpan={7} class="muted">
                      No intensity known for this span.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h2>Best window for a job</h2>
      <form class="toolbar" onSubmit={findWindow}>
        <div class="field">
          <label for="g-hours">Duration (hours)</label>
          <input id="g-hours" type="number" min="0.25" step="0.25" value={hours} onInput={(e) => setHours(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="g-deadline">Deadline</label>
          <input id="g-deadline" type="datetime-local" value={deadline} onInput={(e) => setDeadline(e.currentTarget.value)} />
        </div>
        <button type="submit" class="primary" disabled={!zone || planning}>
          Find best window
        </button>
      </form>
      {planError && (
        <p class="error" role="alert">
          {planError}
        </p>
      )}
      {plan && (
        <p aria-live="polite">
          Best: start <strong>{f.dateTime(plan.best.start)}</strong>, end {f.dateTime(plan.best.end)} in {plan.best.zone}: {f.intensity(plan.best.mean_intensity_g_per_kwh)} on average against{' '}
          {f.intensity(plan.best.baseline_intensity_g_per_kwh)} starting at once (saving {f.percent(plan.best.saving_fraction)})
          {plan.best.emissions_g !== null && plan.best.emissions_g !== undefined ? `; ${f.emissions(plan.best.emissions_g)} instead of ${f.emissions(plan.best.baseline_emissions_g)}` : ''}. Source: {plan.best.source.name}
          {plan.notes.length > 0 && <span class="note"> · {plan.notes.join(' · ')}</span>}
        </p>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'grid', path: '/grid', nav: 'Grid', title: () => 'Grid', component: GridPage };
