// The MoE lab's pages (loaded on first visit, apart from the dashboard's first script): the trainings, one
// training's router (expert-load heat map, MaxVio, CV, entropy, drops, losses and biases per layer; loss curves),
// and a comparison of trainings (loss against tokens, wall time and joules). A running training is polled every
// 2 s for its new steps (GET /api/moe/trainings/:id?after_step=N), a checkpointed one every 30 s (to follow it once
// resumed); the list every 2 s while a training runs, else every minute.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart, axis, type Theme } from '../../components/Chart';
import { ErrorNote, Stat, Status, useInterval, useLoad } from '../../components/ui';
import { getJson, isAbort } from '../../lib/api';
import * as f from '../../lib/format';
import { href, navigate } from '../../lib/router';
import type { PageProps } from '../page';
import { HeatMap } from './heatmap';
import {
  LIVE_STATUSES, RESUMABLE_STATUSES, byLayer, futureCaveat, liveCursor, mergeReport, num, perLayer, unionCurves,
  type ByLayer, type LayerStep, type MoeComparison, type MoeListItem, type MoeReport, type MoeSummary,
} from './data';
import './moe.css';

const POLL_MS = 2000;
/** A checkpointed training's page looks this often, to follow it once resumed. */
const RESUMABLE_POLL_MS = 30_000;
/** The list with no training running. */
const IDLE_LIST_POLL_MS = 60_000;
const enc = encodeURIComponent;

function Caveat({ summary }: { summary: Pick<MoeSummary, 'router' | 'notes' | 'name'> }) {
  const text = futureCaveat(summary);
  if (!text) return null;
  return (
    <p class="moe-caveat" role="note" data-caveat="expert-choice">
      <strong>Expert Choice sees the future.</strong> {summary.name}: {text}.
    </p>
  );
}

const seriesOf = (theme: Theme, labels: readonly string[], fmt: (v: number | null) => string = (v) => num(v), extra: Partial<uPlot.Series> = {}): uPlot.Series[] =>
  labels.map((label, i) => ({ label, stroke: theme.series[i % theme.series.length], width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => fmt(v), ...extra }));

function LayerChart({ name, title, label, b, pick, fmt, height = 180 }: { name: string; title: string; label: string; b: ByLayer; pick: (r: LayerStep) => number | null; fmt?: (v: number | null) => string; height?: number }) {
  const data = useMemo(() => perLayer(b, pick), [b]);
  const labels = b.layers.map((l) => `layer ${l}`);
  return (
    <div class="chart-block">
      <h3>{title}</h3>
      <Chart
        name={name}
        label={label}
        data={data}
        optionsKey={`${name}:${labels.join(',')}`}
        height={height}
        options={(theme) => ({
          // Shares (percent charts) start at 0 and keep a visible range when all are 0 (nothing dropped).
          scales: (fmt ? { x: { time: false }, y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(0.01, max) * 1.1] } } : { x: { time: false } }) as uPlot.Scales,
          axes: [axis(theme, { label: 'step', labelSize: 18 }), axis(theme, { size: 60, ...(fmt ? { values: (_u: uPlot, v: number[]) => v.map((x) => fmt(x)) } : {}) })],
          series: [{ label: 'step' }, ...seriesOf(theme, labels, fmt, { spanGaps: true })],
        })}
      />
    </div>
  );
}

function LossCharts({ report }: { report: MoeReport }) {
  const byTokens = useMemo(() => unionCurves([report.steps.map((s) => ({ x: s.tokens, y: s.loss })), report.steps.map((s) => ({ x: s.tokens, y: s.evalLoss }))]), [report.steps]);
  const hasEnergy = report.steps.some((s) => s.energyJ !== null);
  const byEnergy = useMemo(() => unionCurves([report.steps.map((s) => ({ x: s.energyJ, y: s.loss })), report.steps.map((s) => ({ x: s.energyJ, y: s.evalLoss }))]), [report.steps]);
  const options = (xLabel: string, xFmt: (v: number) => string) => (theme: Theme): Omit<uPlot.Options, 'width' | 'height'> => ({
    scales: { x: { time: false } },
    axes: [axis(theme, { label: xLabel, labelSize: 18, values: (_u, v) => v.map(xFmt) }), axis(theme, { size: 50 })],
    series: [
      { label: xLabel, value: (_u, v) => (v === null ? '–' : xFmt(v)) },
      { label: 'training loss', stroke: theme.series[0], width: 1.5, spanGaps: true, points: { show: false }, value: (_u, v) => num(v) },
      { label: 'held-out loss', stroke: theme.series[2], width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => num(v) },
    ],
  });
  return (
    <div class="grid-2">
      <div class="chart-block">
        <h3>Loss against tokens</h3>
        <Chart name="loss-tokens" label="Training and held-out loss against tokens trained on" data={byTokens} optionsKey="loss-tokens" height={200} options={options('tokens', (v) => String(Math.round(v)))} />
      </div>
      <div class="chart-block">
        <h3>Loss against energy</h3>
        {hasEnergy ? (
          <Chart name="loss-energy" label="Training and held-out loss against the measured energy" data={byEnergy} optionsKey="loss-energy" height={200} options={options('energy', (v) => f.energy(v))} />
        ) : (
          <p class="muted">No energy measured for this training (not run under Verdant's tracker).</p>
        )}
      </div>
    </div>
  );
}

function BiasCharts({ b }: { b: ByLayer }) {
  const layers = b.layers.map((layer, i) => ({ layer, row: b.rows[i]! })).filter((x) => x.row.some((r) => r?.bias));
  if (layers.length === 0) return null;
  const experts = Array.from({ length: b.experts }, (_, e) => `e${e}`);
  return (
    <>
      <h2>Selection biases (auxiliary-loss-free router)</h2>
      <p class="note">Each expert's bias, added to its score for selection only; it rises while the expert is underloaded.</p>
      <div class="grid-2">
        {layers.map(({ layer, row }) => (
          <BiasChart key={layer} layer={layer} steps={b.steps} row={row} experts={experts} />
        ))}
      </div>
    </>
  );
}

function BiasChart({ layer, steps, row, experts }: { layer: number; steps: number[]; row: ReadonlyArray<LayerStep | undefined>; experts: string[] }) {
  const data = useMemo(() => [steps, ...experts.map((_, e) => row.map((r) => r?.bias?.[e] ?? null))] as uPlot.AlignedData, [steps, row]);
  return (
    <div class="chart-block">
      <h3>Layer {layer}</h3>
      <Chart
        name={`bias-${layer}`}
        label={`Selection bias of each expert of layer ${layer} over the steps`}
        data={data}
        optionsKey={`bias:${layer}:${experts.length}`}
        height={170}
        options={(theme) => ({
          scales: { x: { time: false } },
          axes: [axis(theme), axis(theme, { size: 60 })],
          series: [{ label: 'step' }, ...seriesOf(theme, experts, (v) => num(v, 4), { spanGaps: true })],
        })}
      />
    </div>
  );
}

function LastLayers({ b }: { b: ByLayer }) {
  const last = b.rows.map((row) => [...row].reverse().find((r) => r !== undefined));
  const stability = b.rows.map((row) => [...row].reverse().find((r) => r?.top1Change !== null && r?.top1Change !== undefined)?.top1Change ?? null);
  return (
    <div class="table-wrap" tabIndex={0}>
      <table data-table="moe-last-layers">
        <caption class="visually-hidden">Every router metric of each layer at the last step</caption>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col" class="num">Step</th>
            <th scope="col" class="num">MaxVio</th>
            <th scope="col" class="num">MaxVio (held-out)</th>
            <th scope="col" class="num">CV</th>
            <th scope="col" class="num">Token entropy</th>
            <th scope="col" class="num">Marginal entropy</th>
            <th scope="col" class="num">Dropped</th>
            <th scope="col" class="num">Unrouted</th>
            <th scope="col" class="num">Aux loss</th>
            <th scope="col" class="num">z-loss</th>
            <th scope="col" class="num">Experts / token</th>
            <th scope="col" class="num">Top-1 changed</th>
            <th scope="col">Dead</th>
            <th scope="col">Near-dead</th>
          </tr>
        </thead>
        <tbody>
          {b.layers.map((layer, i) => {
            const r = last[i];
            return (
              <tr key={layer}>
                <th scope="row">{layer}</th>
                <td class="num">{r?.step ?? '–'}</td>
                <td class="num">{num(r?.maxVio)}</td>
                <td class="num">{num(r?.globalMaxVio)}</td>
                <td class="num">{num(r?.cv)}</td>
                <td class="num">{num(r?.tokenEntropy)}</td>
                <td class="num">{num(r?.marginalEntropy)}</td>
                <td class="num">{f.percent(r?.droppedFraction)}</td>
                <td class="num">{f.percent(r?.unroutedFraction)}</td>
                <td class="num">{num(r?.auxLoss)}</td>
                <td class="num">{num(r?.zLoss)}</td>
                <td class="num">{num(r?.expertsPerToken, 2)}</td>
                <td class="num">{f.percent(stability[i])}</td>
                <td>{r && r.dead.length ? r.dead.map((e) => `e${e}`).join(' ') : 'none'}</td>
                <td>{r && r.nearDead.length ? r.nearDead.map((e) => `e${e}`).join(' ') : 'none'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function modelLine(config: Record<string, unknown>): string {
  const m = (config.model ?? {}) as { layers?: number; dModel?: number; experts?: number; dHidden?: number; every?: number; dense?: string };
  const r = (config.router ?? {}) as { kind?: string; k?: number; capacityFactor?: number | null };
  const parts = [
    m.layers !== undefined ? `${m.layers} layers` : '',
    m.dModel !== undefined ? `d_model ${m.dModel}` : '',
    m.dense ? `dense (equal ${m.dense} parameters)` : m.experts !== undefined ? `${m.experts} experts of width ${m.dHidden ?? '?'}${m.every === 2 ? ', every other block' : ''}` : '',
    !m.dense && r.kind ? `router ${r.kind}${r.k ? ` top-${r.k}` : ''}${r.capacityFactor ? `, capacity factor ${r.capacityFactor}` : r.capacityFactor === null ? ', dropless' : ''}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

export function TrainingView({ params }: PageProps) {
  const id = params.id!;
  const [report, setReport] = useState<MoeReport | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [after, setAfter] = useState(false);
  const reportRef = useRef(report);
  reportRef.current = report;
  const busy = useRef(false);

  const loadAll = (signal?: AbortSignal) =>
    getJson<MoeReport>(`/api/moe/trainings/${enc(id)}`, signal)
      .then((r) => {
        setReport(r);
        setError(undefined);
      })
      .catch((e: unknown) => !isAbort(e) && setError(e));

  useEffect(() => {
    const ctl = new AbortController();
    void loadAll(ctl.signal);
    return () => ctl.abort();
  }, [id]);

  const live = report ? LIVE_STATUSES.has(report.summary.status) : false;
  const resumable = report ? RESUMABLE_STATUSES.has(report.summary.status) : false;
  // While it trains: what is new since the cursor (the last step shown, or the training's step count where lower: a
  // resumed attempt rewrites steps); a checkpointed one now and then, to follow it once resumed. Once it has ended,
  // or a new attempt began, everything once more (the energy of the last steps is known only after the run's last
  // samples; a new attempt moves the energy of every step it rewrote).
  useInterval(
    () => {
      const have = reportRef.current;
      if (!have || busy.current) return;
      busy.current = true;
      const after = liveCursor(have);
      getJson<MoeReport>(`/api/moe/trainings/${enc(id)}?after_step=${after}`)
        .then((more) => {
          const sameAttempt = more.summary.run_ids.length === have.summary.run_ids.length;
          const going = LIVE_STATUSES.has(more.summary.status) || more.summary.status === have.summary.status;
          if (sameAttempt && going) setReport((r) => (r ? mergeReport(r, more, after) : more));
          else return loadAll();
        })
        .then(() => setError(undefined))
        .catch((e: unknown) => !isAbort(e) && setError(e))
        .finally(() => (busy.current = false));
    },
    live ? POLL_MS : resumable ? RESUMABLE_POLL_MS : null,
  );

  const b = useMemo(() => (report ? byLayer(report.layers) : undefined), [report?.layers]);
  const s = report?.summary;
  const hasAux = !!report?.layers.some((l) => l.auxLoss !== null);
  const hasZ = !!report?.layers.some((l) => l.zLoss !== null);
  const hasStability = !!report?.layers.some((l) => l.top1Change !== null);
  const hasEpt = !!report?.layers.some((l) => l.expertsPerToken !== null);

  return (
    <main data-page="moe-training" data-ready={report ? 'true' : undefined} data-live={live ? 'true' : undefined} data-steps={report ? String(report.steps.length) : undefined}>
      <p class="note">
        <a href={href('/moe')}>MoE trainings</a>
      </p>
      <h1>{s ? s.name : `MoE training ${id}`}</h1>
      <ErrorNote error={error} />
      {s && report && (
        <>
          <p class="row">
            <Status status={s.status} />
            <span class="muted">{modelLine(report.config)}</span>
            {live && <span class="muted" aria-live="polite">Live: step {s.steps} of {s.total_steps ?? '?'}</span>}
          </p>
          <Caveat summary={s} />
          <div class="stats card">
            <Stat label="Steps" value={`${s.steps} / ${s.total_steps ?? '?'}`} />
            <Stat label="Tokens" value={s.tokens.toLocaleString()} />
            <Stat label="Loss" value={num(s.final_loss)} hint={`held-out ${num(s.eval_loss)}`} />
            <Stat label="Tokens/s" value={s.tokens_per_s === null ? '–' : Math.round(s.tokens_per_s).toLocaleString()} hint={`${f.duration(s.train_s)} training`} />
            <Stat label="Energy" value={f.energy(s.energy_j)} hint={s.j_per_token === null ? 'not measured' : `${num(s.j_per_token * 1000, 3)} mJ/token`} />
            {s.parameters && <Stat label="Parameters" value={s.parameters.total.toLocaleString()} hint={`${s.parameters.active.toLocaleString()} active per token`} />}
          </div>
          {s.notes.filter((n) => n !== futureCaveat(s)).map((n) => (
            <p key={n} class="note">
              {n}
            </p>
          ))}
          <h2>Loss</h2>
          <LossCharts report={report} />
          {b && b.layers.length > 0 ? (
            <>
              <h2>Expert load over the steps</h2>
              <fieldset class="moe-toggle">
                <legend>Load</legend>
                <label>
                  <input type="radio" name="moe-load" checked={!after} onChange={() => setAfter(false)} /> before capacity
                </label>
                <label>
                  <input type="radio" name="moe-load" checked={after} onChange={() => setAfter(true)} /> after capacity (drops removed)
                </label>
              </fieldset>
              <HeatMap b={b} after={after} />
              <h2>Router metrics per layer</h2>
              <div class="grid-2">
                <LayerChart name="maxvio" title="MaxVio (batch)" label="MaxVio of each layer's batch load over the steps" b={b} pick={(r) => r.maxVio} />
                <LayerChart name="cv" title="Coefficient of variation of the load" label="CV of each layer's load over the steps" b={b} pick={(r) => r.cv} />
                <LayerChart name="entropy" title="Router entropy per token (nats)" label="Mean per-token router entropy of each layer over the steps" b={b} pick={(r) => r.tokenEntropy} />
                <LayerChart name="marginal-entropy" title="Marginal router entropy (nats)" label="Entropy of the batch-mean router distribution of each layer over the steps" b={b} pick={(r) => r.marginalEntropy} />
                <LayerChart name="dropped" title="Dropped by the capacity" label="Share of assignments each layer's capacity dropped over the steps" b={b} pick={(r) => r.droppedFraction} fmt={(v) => f.percent(v)} />
                <LayerChart name="global-maxvio" title="MaxVio on the held-out set (eval steps)" label="MaxVio of the load over the fixed held-out set at each evaluation" b={b} pick={(r) => r.globalMaxVio} />
                {hasAux && <LayerChart name="aux-loss" title="Load-balancing loss (unscaled)" label="Each layer's unscaled auxiliary loss over the steps; 1 at balance" b={b} pick={(r) => r.auxLoss} />}
                {hasZ && <LayerChart name="z-loss" title="Router z-loss (unscaled)" label="Each layer's unscaled router z-loss over the steps" b={b} pick={(r) => r.zLoss} />}
                {hasEpt && <LayerChart name="experts-per-token" title="Experts per token" label="Mean experts per token of each layer (expert choice) over the steps" b={b} pick={(r) => r.expertsPerToken} />}
                {hasStability && <LayerChart name="stability" title="Routing changes between evaluations" label="Share of the probe batch whose top-1 expert changed since the previous evaluation" b={b} pick={(r) => r.top1Change} fmt={(v) => f.percent(v)} />}
              </div>
              <BiasCharts b={b} />
              <h2>Every metric at the last step</h2>
              <LastLayers b={b} />
            </>
          ) : (
            <p class="muted">No router metrics stored (a dense model has no router).</p>
          )}
        </>
      )}
    </main>
  );
}

export function ListView() {
  const list = useLoad((signal) => getJson<{ trainings: MoeListItem[] }>('/api/moe/trainings?limit=200', signal), []);
  const trainings = list.data?.trainings ?? [];
  // Every 2 s while a training runs; else once a minute (a training started elsewhere shows up).
  useInterval(list.reload, trainings.some((t) => LIVE_STATUSES.has(t.status)) ? POLL_MS : IDLE_LIST_POLL_MS);
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string, on: boolean) => setSelected((s) => (on ? [...s.filter((x) => x !== id), id] : s.filter((x) => x !== id)));
  const anyFuture = trainings.some((t) => futureCaveat(t));
  return (
    <main data-page="moe" data-ready={list.data ? 'true' : undefined}>
      <h1>MoE trainings</h1>
      <p class="note">
        Trainings of the MoE lab (<code>verdant moe train</code>) and PyTorch runs hooked with <code>verdant_moe.py</code>, newest first. Select two or more to compare.
      </p>
      <ErrorNote error={list.error} />
      <div class="pager">
        <button type="button" class="primary" disabled={selected.length < 2} onClick={() => navigate(`/moe/compare?ids=${selected.map(enc).join(',')}`)}>
          Compare
        </button>
        <span class="muted" aria-live="polite">
          {selected.length} selected
        </span>
      </div>
      <div class="table-wrap" tabIndex={0}>
        <table data-table="moe-trainings">
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">Select</span>
              </th>
              <th scope="col">Training</th>
              <th scope="col">Router</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Steps</th>
              <th scope="col" class="num">Tokens</th>
              <th scope="col" class="num">Loss</th>
              <th scope="col" class="num">Held-out</th>
              <th scope="col" class="num">Energy</th>
              <th scope="col" class="num">mJ/token</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {trainings.map((t) => (
              <tr key={t.training_id} data-training-id={t.training_id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${t.name}`} checked={selected.includes(t.training_id)} onChange={(e) => toggle(t.training_id, e.currentTarget.checked)} />
                </td>
                <td>
                  <a href={href(`/moe/trainings/${enc(t.training_id)}`)}>{t.name}</a>
                  <div class="note">
                    {t.training_id}
                    {t.source !== 'lab' ? ` · ${t.source}` : ''}
                  </div>
                </td>
                <td>
                  {t.router}
                  {futureCaveat(t) && (
                    <span class="moe-flag" title="sees the future in a causal LM">
                      {' '}
                      (sees the future)
                    </span>
                  )}
                </td>
                <td>
                  <Status status={t.status} />
                </td>
                <td class="num">
                  {t.steps} / {t.total_steps ?? '?'}
                </td>
                <td class="num">{t.tokens.toLocaleString()}</td>
                <td class="num">{num(t.final_loss)}</td>
                <td class="num">{num(t.eval_loss)}</td>
                <td class="num">{f.energy(t.energy_j)}</td>
                <td class="num">{t.j_per_token === null ? '–' : num(t.j_per_token * 1000)}</td>
                <td>{f.dateTime(t.created_at)}</td>
              </tr>
            ))}
            {list.data && trainings.length === 0 && (
              <tr>
                <td colSpan={11} class="muted">
                  No MoE training stored yet: <code>verdant moe train --corpus synthetic --steps 50</code> makes one.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {anyFuture && <p class="note moe-caveat-note">Expert Choice sees every token of a batch, the future included: in a causal language model its loss is not comparable with token-choice routers' as a next-token predictor.</p>}
    </main>
  );
}

type CurvePoint = MoeComparison['trainings'][number]['curve'][number];

function CompareChart({ name, title, c, x, xLabel, xFmt }: { name: string; title: string; c: MoeComparison; x: (p: CurvePoint) => number | null; xLabel: string; xFmt: (v: number) => string }) {
  const data = useMemo(() => unionCurves(c.trainings.map((t) => t.curve.map((p) => ({ x: x(p), y: p.loss })))), [c]);
  const labels = c.trainings.map((t) => `${t.summary.name}${futureCaveat(t.summary) ? ' (sees the future)' : ''}`);
  if (data[0].length === 0) return <p class="muted">{title}: nothing measured.</p>;
  return (
    <div class="chart-block">
      <h3>{title}</h3>
      <Chart
        name={name}
        label={`Training loss of each compared training against ${xLabel}`}
        data={data}
        optionsKey={`${name}:${labels.join('|')}`}
        height={220}
        options={(theme) => ({
          scales: { x: { time: false } },
          axes: [axis(theme, { label: xLabel, labelSize: 18, values: (_u, v) => v.map(xFmt) }), axis(theme, { size: 50 })],
          series: [{ label: xLabel, value: (_u, v) => (v === null ? '–' : xFmt(v)) }, ...seriesOf(theme, labels, (v) => num(v), { spanGaps: true })],
        })}
      />
    </div>
  );
}

export function CompareView({ route }: PageProps) {
  const ids = route.query.get('ids') ?? '';
  const cmp = useLoad((signal) => (ids ? getJson<MoeComparison>(`/api/moe/compare?ids=${ids.split(',').map(enc).join(',')}`, signal) : Promise.resolve({ trainings: [] })), [ids]);
  const c = cmp.data;
  const live = !!c?.trainings.some((t) => LIVE_STATUSES.has(t.summary.status));
  useInterval(cmp.reload, live ? POLL_MS : null);
  const mean = (s: MoeSummary & { layers: LayerStep[] }, pick: (l: LayerStep) => number) => (s.layers.length ? s.layers.reduce((a, l) => a + pick(l), 0) / s.layers.length : null);
  return (
    <main data-page="moe-compare" data-ready={c ? 'true' : undefined} data-trainings={c ? String(c.trainings.length) : undefined}>
      <p class="note">
        <a href={href('/moe')}>MoE trainings</a>
      </p>
      <h1>Comparing MoE trainings</h1>
      <ErrorNote error={cmp.error} />
      {c && c.trainings.length === 0 && <p class="muted">No training named: select two or more on the trainings page.</p>}
      {c && c.trainings.length > 0 && (
        <>
          {c.trainings.map((t) => (
            <Caveat key={t.summary.training_id} summary={t.summary} />
          ))}
          <div class="table-wrap" tabIndex={0}>
            <table data-table="moe-compare">
              <caption class="visually-hidden">The final figures of each compared training</caption>
              <thead>
                <tr>
                  <th scope="col">Training</th>
                  <th scope="col">Router</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Steps</th>
                  <th scope="col" class="num">Tokens</th>
                  <th scope="col" class="num">Loss</th>
                  <th scope="col" class="num">Held-out</th>
                  <th scope="col" class="num">Tokens/s</th>
                  <th scope="col" class="num">Energy</th>
                  <th scope="col" class="num">mJ/token</th>
                  <th scope="col" class="num">MaxVio</th>
                  <th scope="col" class="num">Dropped</th>
                </tr>
              </thead>
              <tbody>
                {c.trainings.map(({ summary: s }) => (
                  <tr key={s.training_id} data-training-id={s.training_id}>
                    <td>
                      <a href={href(`/moe/trainings/${enc(s.training_id)}`)}>{s.name}</a>
                    </td>
                    <td>
                      {s.router}
                      {futureCaveat(s) ? ' (sees the future)' : ''}
                    </td>
                    <td>
                      <Status status={s.status} />
                    </td>
                    <td class="num">{s.steps}</td>
                    <td class="num">{s.tokens.toLocaleString()}</td>
                    <td class="num">{num(s.final_loss)}</td>
                    <td class="num">{num(s.eval_loss)}</td>
                    <td class="num">{s.tokens_per_s === null ? '–' : Math.round(s.tokens_per_s).toLocaleString()}</td>
                    <td class="num">{f.energy(s.energy_j)}</td>
                    <td class="num">{s.j_per_token === null ? '–' : num(s.j_per_token * 1000)}</td>
                    <td class="num">{num(mean(s, (l) => l.maxVio))}</td>
                    <td class="num">{f.percent(mean(s, (l) => l.droppedFraction))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="note">MaxVio and dropped: the mean over layers at the last step.</p>
          <CompareChart name="compare-tokens" title="Loss against tokens" c={c} x={(p) => p.tokens} xLabel="tokens" xFmt={(v) => String(Math.round(v))} />
          <div class="grid-2">
            <CompareChart name="compare-wall" title="Loss against wall time" c={c} x={(p) => p.wallS} xLabel="wall time" xFmt={(v) => f.duration(v)} />
            <CompareChart name="compare-energy" title="Loss against energy" c={c} x={(p) => p.energyJ} xLabel="energy" xFmt={(v) => f.energy(v)} />
          </div>
        </>
      )}
    </main>
  );
}
