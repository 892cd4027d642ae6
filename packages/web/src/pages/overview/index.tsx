// Overview: runs going now (live power sparkline, energy and emissions so far, prediction), totals for today
// and the last 7 days (by zone and by host), and the grid intensity now and for the next 24 h.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, axis } from '../../components/Chart';
import { ErrorNote, Stat, Status, useInterval } from '../../components/ui';
import { getJson, isAbort } from '../../lib/api';
import * as f from '../../lib/format';
import { href } from '../../lib/router';
import { stepSeries, totalPower, withResolution } from '../../lib/series';
import { openStream } from '../../lib/sse';
import type { LiveRun, Overview, SamplesPage, Totals } from '../../lib/types';
import type { PageDef } from '../page';

const SPARK_POINTS = 120;

type History = Map<string, { t: number[]; w: number[] }>;

function Sparkline({ run, history }: { run: LiveRun; history: { t: number[]; w: number[] } | undefined }) {
  const data: [number[], number[]] = history ? [history.t, history.w] : [[], []];
  return (
    <Chart
      name="sparkline"
      label={`Power of ${run.name} over the last minutes`}
      data={data}
      height={60}
      optionsKey="spark"
      className="spark"
      options={(theme) => ({
        legend: { show: false },
        cursor: { show: false },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{}, { stroke: theme.series[0], fill: theme.band, width: 1.5, points: { show: false } }],
      })}
    />
  );
}

function LiveCard({ run, history }: { run: LiveRun; history: { t: number[]; w: number[] } | undefined }) {
  const p = run.prediction;
  const fraction = typeof run.progress === 'number' ? run.progress : (run.progress?.fraction ?? undefined);
  return (
    <article class="card" data-run-id={run.run_id}>
      <h3>
        <a href={href(`/runs/${encodeURIComponent(run.run_id)}`)}>{run.name}</a> <Status status={run.status} />
      </h3>
      <p class="muted">
        {run.host} · {run.zone} · {f.duration(run.duration_s)}
      </p>
      <Sparkline run={run} history={history} />
      <div class="stats">
        <Stat label="Power now" value={f.power(run.power_w)} />
        <Stat label="Energy so far" value={f.energy(run.energy_j)} />
        <Stat label="Emissions so far" value={f.emissions(run.emissions_g)} />
      </div>
      {fraction !== undefined && (
        <label class="field">
          Progress {f.percent(fraction)}
          <progress max={1} value={fraction} />
        </label>
      )}
      {p && (
        <p class="note">
          Predicted: {f.energy(p.total_energy_j)}, {f.emissions(p.total_emissions_g)}, ends {f.time(p.eta)} ({f.duration(p.remaining_s)} left)
        </p>
      )}
    </article>
  );
}

function TotalsCard({ title, totals }: { title: string; totals: Totals }) {
  return (
    <section class="card" aria-label={title}>
      <h3>{title}</h3>
      <div class="stats">
        <Stat label="Runs" value={totals.runs} />
        <Stat label="Energy" value={f.energy(totals.energy_j)} />
        <Stat label="Emissions" value={f.emissions(totals.emissions_g)} />
      </div>
      {(['zone', 'host'] as const).map((k) => {
        const rows = k === 'zone' ? totals.by_zone.map((r) => ({ key: r.zone, ...r })) : totals.by_host.map((r) => ({ key: r.host, ...r }));
        if (!rows.length) return null;
        return (
          <div class="table-wrap" tabIndex={0} key={k} style={{ marginTop: '0.6rem' }}>
            <table class="compact">
              <caption class="muted" style={{ textAlign: 'left', padding: '0.3rem 0.6rem' }}>
                {title}, by {k}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{k === 'zone' ? 'Zone' : 'Host'}</th>
                  <th scope="col" class="num">Runs</th>
                  <th scope="col" class="num">Energy</th>
                  <th scope="col" class="num">Emissions</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key}>
                    <td>{r.key}</td>
                    <td class="num">{r.runs}</td>
                    <td class="num">{f.energy(r.energy_j)}</td>
                    <td class="num">{f.emissions(r.emissions_g)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}

function GridCard({ grid }: { grid: Overview['grid'] }) {
  const from = Date.now() / 1000;
  const to = from + 24 * 3600;
  const pts = grid.forecast.map((p) => ({ t: f.epochS(p.t), value: p.g_per_kwh })).filter((p) => Number.isFinite(p.t));
  const steps = stepSeries(withResolution(pts, to), from, to);
  const data: [number[], number[]] = [steps.t, steps.v];
  return (
    <section class="card" aria-labelledby="grid-now">
      <h3 id="grid-now">Grid in {grid.zone}</h3>
      {grid.now ? (
        <div class="stats">
          <Stat label="Intensity now" value={f.intensity(grid.now.g_per_kwh)} hint={grid.now.age_s === null || grid.now.age_s === undefined ? grid.now.source : `${grid.now.source}, ${f.duration(grid.now.age_s)} old`} />
        </div>
      ) : (
        <p class="muted">No intensity known for {grid.zone} now.</p>
      )}
      {steps.t.length > 0 && (
        <Chart
          name="forecast"
          label={`Forecast intensity for ${grid.zone}, next 24 hours`}
          data={data}
          height={140}
          optionsKey="forecast"
          options={(theme) => ({
            legend: { show: false },
            scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
            axes: [axis(theme), axis(theme, { size: 50 })],
            series: [{}, { label: 'g/kWh', stroke: theme.series[1], width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }) }],
          })}
        />
      )}
      {grid.forecast[0] && <p class="note">Forecast: {grid.forecast[0].source}</p>}
    </section>
  );
}

function OverviewPage() {
  const [data, setData] = useState<Overview | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [polling, setPolling] = useState(false);
  const history = useRef<History>(new Map());
  const [, setTick] = useState(0);

  const seed = (ids: string[]) => {
    for (const id of ids) {
      if (history.current.has(id)) continue;
      history.current.set(id, { t: [], w: [] });
      getJson<SamplesPage>(`/api/runs/${encodeURIComponent(id)}/samples?points=${SPARK_POINTS}`)
        .then((s) => {
          const h = history.current.get(id);
          if (!h) return;
          const tp = totalPower(s.samples);
          // Keep live points that arrived while the samples were read (they are newer).
          const last = tp.t[tp.t.length - 1] ?? -Infinity;
          const keep = h.t.map((t, i) => [t, h.w[i]!] as const).filter(([t]) => t > last);
          h.t = [...tp.t, ...keep.map((k) => k[0])];
          h.w = [...tp.w, ...keep.map((k) => k[1])];
          setTick((x) => x + 1);
        })
        .catch(() => undefined);
    }
  };

  const applyLive = (live: LiveRun[]) => {
    const now = Date.now() / 1000;
    for (const r of live) {
      const h = history.current.get(r.run_id);
      if (!h) continue;
      h.t.push(now);
      h.w.push(r.power_w);
      if (h.t.length > SPARK_POINTS * 3) {
        h.t.splice(0, h.t.length - SPARK_POINTS * 3);
        h.w.splice(0, h.w.length - SPARK_POINTS * 3);
      }
    }
    seed(live.map((r) => r.run_id));
  };

  const load = async () => {
    try {
      const o = await getJson<Overview>('/api/overview');
      seed(o.live.map((r) => r.run_id));
      setData(o);
      setError(undefined);
      return o;
    } catch (e) {
      if (!isAbort(e)) setError(e);
      return undefined;
    }
  };

  useEffect(() => {
    void load();
    const close = openStream('/api/stream', {
      onEvent: (event, raw) => {
        if (event !== 'live') return;
        try {
          const msg = JSON.parse(raw) as { runs: LiveRun[] };
          applyLive(msg.runs);
          setData((d) => (d ? { ...d, live: msg.runs } : d));
          setTick((x) => x + 1);
        } catch {
          // a malformed event is skipped
        }
      },
      onUnavailable: () => setPolling(true),
    });
    return close;
  }, []);

  // Without the stream, poll; the totals are refreshed every minute either way.
  useInterval(() => {
    void load().then((o) => o && applyLive(o.live));
  }, polling ? 2000 : null);
  useInterval(() => void load(), 60_000);

  return (
    <main data-page="overview" data-ready={data ? 'true' : undefined}>
      <h1>Overview</h1>
      <ErrorNote error={error} />
      <section data-section="live" aria-labelledby="live-title">
        <h2 id="live-title">Running now</h2>
        {data && data.live.length === 0 && <p class="muted">No run is going now. Start one with <code>verdant run -- &lt;command&gt;</code>.</p>}
        <div class="cards">
          {data?.live.map((r) => <LiveCard key={r.run_id} run={r} history={history.current.get(r.run_id)} />)}
        </div>
      </section>
      {data && (
        <>
          <h2>Totals</h2>
          <div class="grid-2">
            <TotalsCard title="Today" totals={data.totals.today} />
            <TotalsCard title="Last 7 days" totals={data.totals.last_7_days} />
          </div>
          <h2>Grid</h2>
          <GridCard grid={data.grid} />
        </>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'overview', path: '/', nav: 'Overview', title: () => 'Overview', component: OverviewPage };
