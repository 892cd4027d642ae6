// One run: power per sensor (stacked), cumulative energy and emissions with the prediction and budgets, the
// intensity in force on the same time axis, paused spans shaded; the method of every figure, the run group's
// members, what-if, downloads. Samples are asked for at the chart's width in points (?points=) and asked for
// again on zoom, so a 24-hour run at 1 Hz opens as fast as a short one. A live run streams its new samples.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, axis, spansPlugin, withAlpha, type Span, type Theme } from '../../components/Chart';
import { ErrorNote, Stat, Status, useInterval } from '../../components/ui';
import { describeError, download, getJson, isAbort, openHtml, query } from '../../lib/api';
import * as f from '../../lib/format';
import { href } from '../../lib/router';
import { alignSamples, stack } from '../../lib/series';
import { openStream } from '../../lib/sse';
import type { GroupSummary, Prediction, Progress, RunSummary, SampleRow, SamplesPage, WhatIf } from '../../lib/types';
import type { PageDef, PageProps } from '../page';

const LIVE = new Set(['running', 'paused']);

/** Axis widths shared by the three charts, so their time axes line up (the cumulative one has a right axis). */
const LEFT_AXIS = 85;
const RIGHT_AXIS = 95;
const spacer = (theme: Theme): uPlot.Axis => axis(theme, { side: 1, size: RIGHT_AXIS, grid: { show: false }, ticks: { show: false }, values: (_u, v) => v.map(() => '') });

interface Pause {
  from: number;
  to: number | null;
  reason: string;
}

function pausesOf(run: RunSummary): Pause[] {
  const raw = run.meta.pauses;
  if (!Array.isArray(raw)) return [];
  return raw
    .map((p) => (p ?? {}) as { from?: unknown; to?: unknown; reason?: unknown })
    .filter((p) => typeof p.from === 'number')
    .map((p) => ({ from: p.from as number, to: typeof p.to === 'number' ? p.to : null, reason: typeof p.reason === 'string' ? p.reason : '' }));
}

function budgetOf(run: RunSummary): { energyJ?: number; emissionsG?: number; onExceed?: string } {
  const b = run.meta.budget as { maxEnergyJ?: unknown; maxEmissionsG?: unknown; onExceed?: unknown } | undefined;
  if (!b || typeof b !== 'object') return {};
  return {
    ...(typeof b.maxEnergyJ === 'number' ? { energyJ: b.maxEnergyJ } : {}),
    ...(typeof b.maxEmissionsG === 'number' ? { emissionsG: b.maxEmissionsG } : {}),
    ...(typeof b.onExceed === 'string' ? { onExceed: b.onExceed } : {}),
  };
}

/** Rows newer than what each sensor already has (a reconnected stream may repeat some). */
function appendNew(have: SampleRow[], rows: SampleRow[]): SampleRow[] {
  const last = new Map<string, number>();
  for (const r of have) last.set(r.sensor_id, Math.max(last.get(r.sensor_id) ?? -Infinity, r.t));
  const fresh = rows.filter((r) => r.t > (last.get(r.sensor_id) ?? -Infinity));
  return fresh.length ? [...have, ...fresh] : have;
}

const predictionOf = (run: RunSummary): Prediction | undefined => (run.meta.prediction as Prediction | undefined) ?? undefined;
const progressOf = (run: RunSummary): Progress | undefined => (run.meta.progress as Progress | undefined) ?? undefined;

function Facts({ run }: { run: RunSummary }) {
  return (
    <dl class="facts">
      <dt>Command</dt>
      <dd>
        <code>{run.command.join(' ')}</code>
      </dd>
      <dt>Directory</dt>
      <dd>
        <code>{run.cwd}</code>
      </dd>
      <dt>Host</dt>
      <dd>{run.host}</dd>
      <dt>Zone</dt>
      <dd>{run.zone}</dd>
      <dt>Intensity source</dt>
      <dd>{run.intensity_source}</dd>
      <dt>PUE</dt>
      <dd>{run.pue}</dd>
      <dt>Sampling interval</dt>
      <dd>{f.duration(run.interval_s)}</dd>
      <dt>Started</dt>
      <dd>{f.dateTime(run.started_at)}</dd>
      <dt>Ended</dt>
      <dd>{run.ended_at ? f.dateTime(run.ended_at) : 'still running'}</dd>
      <dt>Exit code</dt>
      <dd>{run.exit_code ?? '–'}</dd>
      {run.group_id && (
        <>
          <dt>Group</dt>
          <dd>
            <code>{run.group_id}</code>
            {run.task !== null ? ` (task ${run.task})` : ''}
          </dd>
        </>
      )}
    </dl>
  );
}

function Sensors({ run }: { run: RunSummary }) {
  return (
    <div class="table-wrap" tabIndex={0}>
      <table>
        <caption class="visually-hidden">Sensors and the method behind each figure</caption>
        <thead>
          <tr>
            <th scope="col">Sensor</th>
            <th scope="col">Kind</th>
            <th scope="col">Method</th>
            <th scope="col" class="num">Energy (device)</th>
            <th scope="col" class="num">Emissions</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {run.sensors.map((s) => (
            <tr key={s.id}>
              <td>
                <code>{s.id}</code>
              </td>
              <td>{s.kind}</td>
              <td>
                {s.method}
                {s.estimate ? ' (estimate)' : ' (measured)'}
              </td>
              <td class="num">{f.energy(s.energy_j)}</td>
              <td class="num">{f.emissions(s.emissions_g)}</td>
              <td style={{ whiteSpace: 'normal', minWidth: '16rem' }}>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The parts of intensity a what-if used, in words: "static (fallback), static forecast (fallback)". */
function describeSources(sources: unknown[]): string {
  const words = sources.map((x) => {
    if (typeof x === 'string') return x;
    const o = (x ?? {}) as { source?: unknown; link?: unknown; forecast?: unknown; fallback?: unknown; zone?: unknown };
    const name = String(o.source ?? o.link ?? 'unknown');
    return `${o.zone ? `${String(o.zone)}: ` : ''}${name}${o.forecast ? ' forecast' : ''}${o.fallback ? ' (fallback)' : ''}`;
  });
  return [...new Set(words)].join(', ');
}

function WhatIfSection({ whatIf, error }: { whatIf: WhatIf | null | undefined; error: unknown }) {
  const w = whatIf;
  if (error) return <ErrorNote error={error} />;
  if (w === undefined) return <p class="muted">Working out the what-if…</p>;
  if (!w) return <p class="muted">No what-if for this run (it needs its samples and intensity history, forecasts or traces for its zone).</p>;
  const c = w.cleanest_start;
  return (
    <div>
      {c ? (
        <p>
          Started at the cleanest time within ±{Math.round((w.window_s ?? 86400) / 3600)} h ({f.dateTime(c.start)}{c.shift_s === 0 ? ', its own start' : `, ${f.duration(Math.abs(c.shift_s))} ${c.shift_s > 0 ? 'later' : 'earlier'}`}), the same power
          profile would have emitted <strong>{f.emissions(c.emissions_g)}</strong>: a saving of {f.emissions(c.saving_g)} ({f.percent(c.saving_fraction)}).
        </p>
      ) : (
        <p class="muted">No cleaner start time is known within the window.</p>
      )}
      {w.zones && w.zones.length > 0 && (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="visually-hidden">The same run in other zones</caption>
            <thead>
              <tr>
                <th scope="col">In zone</th>
                <th scope="col" class="num">Emissions</th>
                <th scope="col" class="num">Saving</th>
                <th scope="col" class="num">Saving %</th>
              </tr>
            </thead>
            <tbody>
              {w.zones.map((z) => (
                <tr key={z.zone}>
                  <td>{z.zone}</td>
                  <td class="num">{f.emissions(z.emissions_g)}</td>
                  <td class="num">{f.emissions(z.saving_g)}</td>
                  <td class="num">{f.percent(z.saving_fraction)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {w.note && <p class="note">{w.note}</p>}
      {Array.isArray(w.sources) && w.sources.length > 0 && <p class="note">Intensity from: {describeSources(w.sources)}</p>}
    </div>
  );
}

function GroupMembers({ groupId, current }: { groupId: string; current: string }) {
  const [g, setG] = useState<GroupSummary | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const ctl = new AbortController();
    getJson<GroupSummary>(`/api/groups/${encodeURIComponent(groupId)}`, ctl.signal)
      .then(setG)
      .catch((e: unknown) => !isAbort(e) && setError(e));
    return () => ctl.abort();
  }, [groupId]);
  return (
    <section aria-labelledby="group-title">
      <h2 id="group-title">Run group</h2>
      <ErrorNote error={error} />
      {g && (
        <>
          <p>
            <Status status={g.status} /> {g.members.length} members · {f.energy(g.energy_j)} · {f.emissions(g.emissions_g)} · {f.power(g.power_w)} now
          </p>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Host</th>
                  <th scope="col">Task</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Energy</th>
                  <th scope="col" class="num">Emissions</th>
                  <th scope="col" class="num">Power now</th>
                </tr>
              </thead>
              <tbody>
                {g.members.map((m) => (
                  <tr key={m.run_id}>
                    <td>{m.run_id === current ? <strong>{m.name} (this run)</strong> : <a href={href(`/runs/${encodeURIComponent(m.run_id)}`)}>{m.name}</a>}</td>
                    <td>{m.host}</td>
                    <td>{m.task ?? '–'}</td>
                    <td>
                      <Status status={m.status} />
                    </td>
                    <td class="num">{f.energy(m.energy_j)}</td>
                    <td class="num">{f.emissions(m.emissions_g)}</td>
                    <td class="num">{f.power(m.power_w)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function RunPage({ params }: PageProps) {
  const id = params.id!;
  const enc = encodeURIComponent(id);
  const [run, setRun] = useState<RunSummary | undefined>(undefined);
  const [samples, setSamples] = useState<SampleRow[] | undefined>(undefined);
  const [sensorOrder, setSensorOrder] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  // The what-if (the run's profile at its cleanest start and in other zones) is asked for after the charts have
  // their data: it is the slow part of the run object, so the page paints from `?what_if=false` first.
  const [whatIf, setWhatIf] = useState<WhatIf | null | undefined>(undefined);
  const [whatIfError, setWhatIfError] = useState<unknown>(undefined);
  const [range, setRange] = useState<{ from: number; to: number } | null>(null);
  const [width, setWidth] = useState(0);
  const [pollLive, setPollLive] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const live = run ? LIVE.has(run.status) : false;
  const points = Math.max(100, Math.min(4000, width || 0));

  const loadRun = (signal?: AbortSignal) =>
    getJson<RunSummary>(`/api/runs/${enc}?what_if=false`, signal)
      .then((r) => {
        setRun(r);
        setError(undefined);
      })
      .catch((e: unknown) => !isAbort(e) && setError(e));

  const loadSamples = (signal?: AbortSignal) =>
    getJson<SamplesPage>(`/api/runs/${enc}/samples${query({ points, from: range?.from, to: range?.to })}`, signal)
      .then((s) => {
        setSamples(s.samples);
        if (s.sensors) setSensorOrder(s.sensors.map((x) => x.sensor_id));
      })
      .catch((e: unknown) => !isAbort(e) && setError(e));

  const loadWhatIf = (signal?: AbortSignal) =>
    getJson<RunSummary>(`/api/runs/${enc}`, signal)
      .then((r) => {
        setWhatIf(r.what_if ?? null);
        setWhatIfError(undefined);
      })
      .catch((e: unknown) => !isAbort(e) && setWhatIfError(e));

  useEffect(() => {
    const ctl = new AbortController();
    setWhatIf(undefined);
    void loadRun(ctl.signal);
    return () => ctl.abort();
  }, [id]);

  // Once the run and its first samples are shown (or the samples failed), the what-if is worked out.
  const whatIfDue = run !== undefined && (samples !== undefined || error !== undefined);
  useEffect(() => {
    if (!whatIfDue) return;
    const ctl = new AbortController();
    void loadWhatIf(ctl.signal);
    return () => ctl.abort();
  }, [id, whatIfDue]);

  // Samples wait for the chart's width (the number of points to ask for); re-asked on zoom.
  useEffect(() => {
    if (!width) return;
    const ctl = new AbortController();
    void loadSamples(ctl.signal);
    return () => ctl.abort();
  }, [id, width > 0 ? points : 0, range?.from, range?.to]);

  // A live run streams its new samples and state; the zoomed view stays as asked.
  const rangeRef = useRef(range);
  rangeRef.current = range;
  useEffect(() => {
    if (!live) return;
    const close = openStream(`/api/runs/${enc}/stream`, {
      onEvent: (event, data) => {
        try {
          if (event === 'samples') {
            const rows = JSON.parse(data) as SampleRow[];
            if (!rangeRef.current && rows.length) setSamples((s) => (s ? appendNew(s, rows) : s));
          } else if (event === 'run') {
            setRun((r) => ({ ...(r ?? {}), ...(JSON.parse(data) as RunSummary) }));
          } else if (event === 'end') {
            void loadRun();
            void loadSamples();
            void loadWhatIf();
          }
        } catch {
          // a malformed event is skipped
        }
      },
      onUnavailable: () => setPollLive(true),
    });
    return close;
  }, [id, live]);
  useInterval(
    () => {
      void loadRun();
      if (!rangeRef.current) void loadSamples();
    },
    live && pollLive ? 2000 : null,
  );

  const aligned = useMemo(() => (samples ? alignSamples(samples, sensorOrder) : undefined), [samples, sensorOrder]);
  const pauses = run ? pausesOf(run) : [];
  const budget = run ? budgetOf(run) : {};
  const prediction = run && live ? predictionOf(run) : undefined;
  const progress = run ? progressOf(run) : undefined;
  const endT = run ? (run.ended_at ? f.epochS(run.ended_at) : Date.now() / 1000) : 0;
  const spansRef = useRef<Span[]>([]);
  const predRef = useRef<Span[]>([]);

  const lastSampleT = aligned?.t[aligned.t.length - 1];
  const predicted = prediction !== undefined && lastSampleT !== undefined && prediction.eta > lastSampleT;
  const charts = useMemo(() => {
    if (!aligned || !run) return undefined;
    const t = aligned.t;
    const stacked = stack(aligned.power);
    // Draw the top of the stack first so each lower band is painted over it.
    const powerData = [t, ...[...stacked].reverse()] as uPlot.AlignedData;
    const pue = run.pue || 1;
    const eWh = aligned.cumEnergyJ.map((j) => (j * pue) / 3600);
    const cumX = [...t];
    const energyS: Array<number | null> = [...eWh];
    const emisS: Array<number | null> = [...aligned.cumEmissionsG];
    const predE: Array<number | null> = t.map(() => null);
    const predG: Array<number | null> = t.map(() => null);
    if (predicted && prediction) {
      predE[t.length - 1] = eWh[eWh.length - 1]!;
      predG[t.length - 1] = aligned.cumEmissionsG[t.length - 1]!;
      cumX.push(prediction.eta);
      energyS.push(null);
      emisS.push(null);
      predE.push(prediction.total_energy_j / 3600);
      predG.push(prediction.total_emissions_g);
    }
    // The prediction's series exist only while there is one (a live run reporting progress).
    const cols: Array<Array<number | null>> = predicted ? [energyS, emisS, predE, predG] : [energyS, emisS];
    if (budget.energyJ !== undefined) cols.push(cumX.map(() => budget.energyJ! / 3600));
    if (budget.emissionsG !== undefined) cols.push(cumX.map(() => budget.emissionsG!));
    const cumData = [cumX, ...cols] as uPlot.AlignedData;
    const intensityData = [t, aligned.intensity] as uPlot.AlignedData;
    return { powerData, cumData, intensityData };
  }, [aligned, run?.pue, predicted, prediction?.eta, budget.energyJ, budget.emissionsG]);

  spansRef.current = pauses.map((p) => ({ from: p.from, to: p.to ?? endT, color: 'var(--paused)', label: `paused${p.reason ? `: ${p.reason}` : ''}` }));
  const lastT = aligned?.t[aligned.t.length - 1];
  predRef.current = prediction && lastT !== undefined ? [{ from: lastT, to: prediction.eta, color: 'band', label: 'prediction' }] : [];

  const sensors = aligned?.sensors ?? [];
  const optionsKey = `${sensors.join('|')}:${budget.energyJ ?? ''}:${budget.emissionsG ?? ''}:${predicted ? 'p' : ''}`;
  const syncKey = `run-${id}`;
  const onSelect = (min: number, max: number) => setRange({ from: Math.floor(min), to: Math.ceil(max) });
  const themedSpans = (theme: { paused: string; band: string }) => () => [
    ...spansRef.current.map((s) => ({ ...s, color: theme.paused })),
    ...predRef.current.map((s) => ({ ...s, color: theme.band })),
  ];

  /** Keyboard-reachable zoom: scales the shown span about its middle, within the run (a drag does the same). */
  const zoom = (factor: number) => {
    if (!run) return;
    const full = { from: f.epochS(run.started_at), to: run.ended_at ? f.epochS(run.ended_at) : Date.now() / 1000 };
    const cur = range ?? full;
    const mid = (cur.from + cur.to) / 2;
    const half = Math.max(5, ((cur.to - cur.from) * factor) / 2);
    const next = { from: Math.max(full.from, Math.floor(mid - half)), to: Math.min(full.to, Math.ceil(mid + half)) };
    setRange(next.from <= full.from && next.to >= full.to ? null : next);
  };

  const act = (p: Promise<void>) => p.then(() => setActionError(undefined)).catch((e: unknown) => setActionError(describeError(e)));

  return (
    <main data-page="run" data-ready={run && charts ? 'true' : undefined}>
      <p>
        <a href={href('/runs')}>← Runs</a>
      </p>
      <h1>
        {run ? run.name : 'Run'} {run && <Status status={run.status} />}
      </h1>
      <p class="muted">
        <code>{id}</code>
      </p>
      <ErrorNote error={error} />
      {run && (
        <>
          <div class="stats">
            <Stat label="Energy (facility)" value={f.energy(run.energy_j)} hint={`sensors × PUE ${run.pue}`} />
            <Stat label="Emissions" value={f.emissions(run.emissions_g)} hint={run.intensity_source} />
            <Stat label="Mean intensity" value={f.intensity(run.intensity_g_per_kwh)} />
            <Stat label="Duration" value={f.duration(run.duration_s)} />
            {progress && <Stat label="Progress" value={f.percent(progress.fraction)} hint={progress.message} />}
            {prediction && <Stat label="Predicted total" value={`${f.energy(prediction.total_energy_j)} · ${f.emissions(prediction.total_emissions_g)}`} hint={`ends ${f.time(prediction.eta)}`} />}
            {(budget.energyJ !== undefined || budget.emissionsG !== undefined) && (
              <Stat
                label="Budget"
                value={[budget.energyJ !== undefined ? f.energy(budget.energyJ) : '', budget.emissionsG !== undefined ? f.emissions(budget.emissionsG) : ''].filter(Boolean).join(' · ')}
                hint={budget.onExceed ? `on exceed: ${budget.onExceed}` : undefined}
              />
            )}
          </div>
          <div class="toolbar" style={{ marginTop: '1rem' }}>
            <button type="button" onClick={() => act(download(`/api/runs/${enc}/samples?format=csv`, `verdant-${id.slice(0, 12)}-samples.csv`, 'text/csv'))}>
              Download samples (CSV)
            </button>
            <button type="button" onClick={() => act(openHtml(`/api/runs/${enc}/report.html`))}>
              Open HTML report
            </button>
            <button type="button" onClick={() => zoom(0.5)}>
              Zoom in
            </button>
            {range && (
              <>
                <button type="button" onClick={() => zoom(2)}>
                  Zoom out
                </button>
                <button type="button" onClick={() => setRange(null)}>
                  Reset zoom
                </button>
              </>
            )}
            <span class="note">{range ? `Showing ${f.dateTime(range.from)} – ${f.dateTime(range.to)}` : 'Drag across a chart, or use Zoom in, to see part of the run in more detail.'}</span>
          </div>
          {actionError && (
            <p class="error" role="alert">
              {actionError}
            </p>
          )}
        </>
      )}
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Over time</h2>
        <div class="chart-block">
          <h3>Power per sensor (stacked)</h3>
          <Chart
            name="power"
            label="Power of each sensor over time, stacked"
            data={charts?.powerData ?? [[]]}
            optionsKey={`power:${optionsKey}`}
            height={240}
            onWidth={setWidth}
            onSelect={onSelect}
            options={(theme) => {
              const order = [...sensors].reverse();
              return {
                cursor: { sync: { key: syncKey } },
                scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1e-9) * 1.1] } },
                axes: [axis(theme), axis(theme, { size: LEFT_AXIS, values: (_u, v) => v.map((w) => f.power(w)) }), spacer(theme)],
                plugins: [spansPlugin(themedSpans(theme), theme.muted)],
                series: [
                  {},
                  ...order.map((s) => {
                    const si = sensors.indexOf(s);
                    const color = theme.series[si % theme.series.length]!;
                    return {
                      label: s,
                      stroke: color,
                      fill: withAlpha(color, 0.35),
                      // A sample is the mean power of the interval that ends at its t: a step back from t.
                      paths: uPlot.paths.stepped!({ align: -1 }),
                      width: 1,
                      points: { show: false },
                      value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? '–' : f.power(aligned?.power[si]?.[idx])),
                    };
                  }),
                ],
              };
            }}
          />
        </div>
        <div class="chart-block">
          <h3>Cumulative energy and emissions</h3>
          <Chart
            name="cumulative"
            label="Cumulative energy and emissions over time, with the prediction and budgets"
            data={charts?.cumData ?? [[]]}
            optionsKey={`cum:${optionsKey}`}
            height={220}
            onSelect={onSelect}
            options={(theme) => ({
              cursor: { sync: { key: syncKey } },
              scales: { x: { time: true }, E: { range: (_u, _min, max) => [0, Math.max(max, 1e-6) * 1.05] }, G: { range: (_u, _min, max) => [0, Math.max(max, 1e-6) * 1.05] } },
              axes: [
                axis(theme),
                axis(theme, { scale: 'E', size: LEFT_AXIS, values: (_u, v) => v.map((wh) => f.energy(wh * 3600)) }),
                axis(theme, { scale: 'G', side: 1, size: RIGHT_AXIS, grid: { show: false }, values: (_u, v) => v.map((g) => f.emissions(g)) }),
              ],
              plugins: [spansPlugin(themedSpans(theme), theme.muted)],
              series: [
                {},
                { label: 'Energy (facility)', scale: 'E', stroke: theme.series[0], width: 2, points: { show: false }, value: (_u, v) => f.energy(v === null ? null : v * 3600) },
                { label: 'Emissions', scale: 'G', stroke: theme.series[2], width: 2, points: { show: false }, value: (_u, v) => f.emissions(v) },
                ...(predicted
                  ? [
                      { label: 'Predicted energy', scale: 'E', stroke: theme.series[0], dash: [6, 4], width: 1.5, spanGaps: true, points: { show: false }, value: (_u: uPlot, v: number | null) => f.energy(v === null ? null : v * 3600) },
                      { label: 'Predicted emissions', scale: 'G', stroke: theme.series[2], dash: [6, 4], width: 1.5, spanGaps: true, points: { show: false }, value: (_u: uPlot, v: number | null) => f.emissions(v) },
                    ]
                  : []),
                ...(budget.energyJ !== undefined ? [{ label: 'Energy budget', scale: 'E', stroke: theme.series[4], dash: [2, 3], width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => f.energy(v === null ? null : v * 3600) }] : []),
                ...(budget.emissionsG !== undefined ? [{ label: 'Emissions budget', scale: 'G', stroke: theme.series[3], dash: [2, 3], width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => f.emissions(v) }] : []),
              ],
            })}
          />
        </div>
        <div class="chart-block">
          <h3>Grid intensity in force</h3>
          <Chart
            name="intensity"
            label="Carbon intensity of the grid over the same time"
            data={charts?.intensityData ?? [[]]}
            optionsKey={`int:${optionsKey}`}
            height={160}
            onSelect={onSelect}
            options={(theme) => ({
              cursor: { sync: { key: syncKey } },
              scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
              axes: [axis(theme), axis(theme, { size: LEFT_AXIS, values: (_u, v) => v.map((g) => f.intensity(g)) }), spacer(theme)],
              plugins: [spansPlugin(themedSpans(theme), theme.muted)],
              series: [{}, { label: 'Intensity', stroke: theme.series[1], width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: -1 }), value: (_u, v) => f.intensity(v) }],
            })}
          />
        </div>
        {pauses.length > 0 && (
          <p class="note">
            Paused: {pauses.map((p) => `${f.time(p.from)}–${p.to ? f.time(p.to) : 'now'}${p.reason ? ` (${p.reason})` : ''}`).join(', ')}
          </p>
        )}
      </section>
      {run && (
        <>
          <h2>Method of every figure</h2>
          <p class="note">
            Energy is the sensors' device energy × PUE {run.pue}; emissions are each interval's energy × the intensity in force ({run.intensity_source}).
          </p>
          <Sensors run={run} />
          <h2>What if</h2>
          <WhatIfSection whatIf={whatIf} error={whatIfError} />
          {run.group_id && <GroupMembers groupId={run.group_id} current={run.run_id} />}
          <h2>Details</h2>
          <Facts run={run} />
        </>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'run', section: 'runs', path: '/runs/:id', title: (p) => `Run ${(p.id ?? '').slice(0, 12)}`, component: RunPage };
