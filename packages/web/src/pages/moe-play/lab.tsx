// The browser MoE lab's page (loaded on demand by index.tsx): a form, Start / Stop, and live views of a training that
// runs in a Web Worker (worker.ts): the loss, each MoE layer's expert load as a heat map (experts × steps), MaxVio,
// CV and router entropy per layer and step, and the training speed. The worker runs @verdant/moe's training session,
// the one `verdant moe train` runs, so the same config and seed give the same losses as the command line.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart, axis, readTheme, useColorScheme } from '../../components/Chart';
import { Stat } from '../../components/ui';
import type { PageProps } from '../page';
import type { FromWorker, LayerPoint, StartRequest, StepPoint } from './protocol';

const ROUTERS: ReadonlyArray<{ kind: string; label: string }> = [
  { kind: 'switch', label: 'Switch top-1 (capacity 1.25)' },
  { kind: 'gshard', label: 'GShard top-2 (capacity 1.25)' },
  { kind: 'topk', label: 'Top-2, Mixtral-style (dropless)' },
  { kind: 'expert-choice', label: 'Expert choice (capacity factor 2)' },
  { kind: 'aux-free', label: 'Auxiliary-loss-free, DeepSeek-V3' },
  { kind: 'noisy-topk', label: 'Noisy top-2 gating' },
];

interface Form {
  router: string;
  experts: string;
  steps: string;
  batch: string;
  seed: string;
}

const LIMITS = { experts: [2, 32], steps: [1, 5000], batch: [1, 64], seed: [0, 2 ** 31 - 1] } as const;

/** The request, or the first bad field with what to give instead. */
function request(v: Form): StartRequest | string {
  const whole = (s: string, name: keyof typeof LIMITS, label: string): number | string => {
    const [min, max] = LIMITS[name];
    const n = Number(s);
    return s.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : `${label}: give a whole number from ${min} to ${max}`;
  };
  const experts = whole(v.experts, 'experts', 'Experts');
  const steps = whole(v.steps, 'steps', 'Steps');
  const batch = whole(v.batch, 'batch', 'Batch');
  const seed = whole(v.seed, 'seed', 'Seed');
  for (const x of [experts, steps, batch, seed]) if (typeof x === 'string') return x;
  return {
    type: 'start',
    config: {
      corpus: 'synthetic', tokenizer: 'char', size: 'tiny', model: { experts: experts as number }, router: { kind: v.router },
      batch: batch as number, steps: steps as number, seed: seed as number,
    },
  };
}

type Phase = 'idle' | 'starting' | 'running' | 'done' | 'stopped' | 'failed';
type Ready = Extract<FromWorker, { type: 'ready' }>;

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
const rate = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(1)} k` : v.toFixed(0));

/** Height of one expert's row in the heat maps, CSS pixels. */
const ROW_PX = 12;

function hexRgb(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [46, 125, 50];
}

/**
 * One MoE layer's expert load over the steps: a column per step, a row per expert, the darker the larger the expert's
 * share of the assignments (the fair share 1/E is the middle shade). Columns are drawn as steps arrive.
 */
function HeatMap({ layer, index, experts, totalSteps, points, version }: { layer: number; index: number; experts: number; totalSteps: number; points: readonly StepPoint[]; version: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawn = useRef(0);
  const scheme = useColorScheme();
  useEffect(() => {
    drawn.current = 0; // redraw everything in the new colours
  }, [scheme]);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    if (drawn.current === 0) ctx.clearRect(0, 0, c.width, c.height);
    const [r, g, b] = hexRgb(readTheme().series[0]!);
    for (let s = drawn.current; s < points.length; s++) {
      const share = points[s]!.layers[index]?.share;
      if (!share) continue;
      for (let e = 0; e < experts; e++) {
        const a = Math.max(0, Math.min(1, (share[e] ?? 0) * experts * 0.5));
        ctx.clearRect(s, e, 1, 1);
        ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${a.toFixed(3)})`;
        ctx.fillRect(s, e, 1, 1);
      }
    }
    drawn.current = points.length;
  }, [version, scheme, points, index, experts]);
  const last = points.at(-1)?.layers[index];
  const label = `Expert load of block ${layer} over the steps: one row per expert, one column per step, a stronger colour for a larger share.${last ? ` At step ${points.length}: ${last.share.map((s, e) => `expert ${e} ${pct(s)}`).join(', ')}.` : ''}`;
  return (
    <figure data-heatmap={String(layer)} data-steps={String(points.length)} style={{ margin: '0 0 0.8rem', minWidth: 0 }}>
      <figcaption style={{ fontWeight: 600, fontSize: '0.9rem' }}>Block {layer}</figcaption>
      <div style={{ display: 'flex', gap: '4px', alignItems: 'flex-start' }}>
        <div aria-hidden="true" class="muted" style={{ display: 'flex', flexDirection: 'column', fontSize: '10px', lineHeight: `${ROW_PX}px`, textAlign: 'right', minWidth: '1.4em' }}>
          {Array.from({ length: experts }, (_, e) => (
            <span key={e}>{e}</span>
          ))}
        </div>
        <canvas
          ref={canvas}
          width={Math.max(1, totalSteps)}
          height={experts}
          role="img"
          aria-label={label}
          style={{ flex: '1 1 auto', minWidth: 0, width: '100%', height: `${experts * ROW_PX}px`, imageRendering: 'pixelated', border: '1px solid var(--border)', boxSizing: 'content-box' }}
        />
      </div>
    </figure>
  );
}

function metricSeries(theme: ReturnType<typeof readTheme>, layers: readonly number[], unit: string): uPlot.Series[] {
  return [{ label: 'Step' }, ...layers.map((l, i) => ({ label: `Block ${l}${unit}`, stroke: theme.series[i % theme.series.length], width: 1.5, points: { show: false } }))];
}

export function MoePlayPage(_props: PageProps) {
  const [form, setForm] = useState<Form>({ router: 'switch', experts: '8', steps: '300', batch: '8', seed: '1' });
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<string | undefined>(undefined);
  const [ready, setReady] = useState<Ready | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [router, setRouter] = useState('switch');
  const [run, setRun] = useState(0);
  const points = useRef<StepPoint[]>([]);
  const worker = useRef<Worker | undefined>(undefined);
  const frame = useRef<number | undefined>(undefined);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((x) => ({ ...x, [k]: v }));

  const stopWorker = () => {
    worker.current?.terminate();
    worker.current = undefined;
  };
  useEffect(
    () => () => {
      stopWorker();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    },
    [],
  );
  // Steps arrive faster than the screen redraws: draw at most once a frame.
  const redraw = () => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = undefined;
      setVersion((v) => v + 1);
    });
  };

  const start = (e: Event) => {
    e.preventDefault();
    const req = request(form);
    if (typeof req === 'string') {
      setError(req);
      return;
    }
    stopWorker();
    points.current = [];
    setReady(undefined);
    setError(undefined);
    setRouter(req.config.router.kind);
    setRun((n) => n + 1);
    setPhase('starting');
    setVersion((v) => v + 1);
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'moe-lab' });
    worker.current = w;
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      if (worker.current !== w) return;
      const m = ev.data;
      if (m.type === 'ready') {
        setReady(m);
        setPhase('running');
      } else if (m.type === 'step') {
        points.current.push(m.point);
        redraw();
      } else if (m.type === 'done') {
        stopWorker();
        setPhase('done');
        setVersion((v) => v + 1);
      } else {
        setError(`${m.field ? `${m.field}: ` : ''}${m.message}${m.fix ? ` (${m.fix})` : ''}`);
        setPhase('failed');
        stopWorker();
      }
    };
    w.onerror = (ev) => {
      if (worker.current !== w) return;
      ev.preventDefault();
      setError(`The training stopped: ${ev.message || 'the worker failed to start'}`);
      setPhase('failed');
      stopWorker();
    };
    w.postMessage(req);
  };

  const stop = () => {
    stopWorker();
    setPhase('stopped');
    setVersion((v) => v + 1);
  };

  const running = phase === 'starting' || phase === 'running';
  const pts = points.current;
  const last = pts.at(-1);
  const layers = ready?.moeLayers ?? [];
  const base = pts.length > 10 ? pts[pts.length - 11] : undefined;
  const speed = last ? (last.tokens - (base?.tokens ?? 0)) / (last.trainS - (base?.trainS ?? 0)) : NaN;

  const lossData = useMemo(
    () => [pts.map((p) => p.step), pts.map((p) => p.loss), pts.map((p) => p.evalLoss)] as uPlot.AlignedData,
    [version],
  );
  const metric = (pick: (l: LayerPoint) => number) => [pts.map((p) => p.step), ...layers.map((_, i) => pts.map((p) => (p.layers[i] ? pick(p.layers[i]!) : null)))] as uPlot.AlignedData;
  const maxVio = useMemo(() => metric((l) => l.maxVio), [version, layers.length]);
  const cv = useMemo(() => metric((l) => l.cv), [version, layers.length]);
  const entropy = useMemo(() => metric((l) => l.tokenEntropy), [version, layers.length]);
  const key = `${run}:${ready?.totalSteps ?? 0}:${layers.join(',')}`;
  const xScale = { x: { time: false, range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(1, min), Math.max(ready?.totalSteps ?? 1, max)] } };

  return (
    <main data-page="moe-play" data-ready="true" data-phase={phase} data-step={String(pts.length)}>
      <h1>MoE lab in the browser</h1>
      <p class="note">
        Trains a tiny Mixture-of-Experts language model in this tab (TensorFlow.js on WebAssembly, in a background worker: nothing leaves the page) on the
        lab's synthetic task, and draws how its router spreads tokens over the experts, step by step. The same training as{' '}
        <code>verdant moe train --corpus synthetic --tokenizer char --size tiny</code> with the same settings: the same seed gives the same losses.
      </p>
      <form onSubmit={start} class="toolbar" aria-label="Training" noValidate>
        <div class="field">
          <label for="mp-router">Router</label>
          <select id="mp-router" value={form.router} disabled={running} onChange={(e) => set('router', e.currentTarget.value)}>
            {ROUTERS.map((r) => (
              <option key={r.kind} value={r.kind}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="mp-experts">Experts</label>
          <input id="mp-experts" type="number" min={LIMITS.experts[0]} max={LIMITS.experts[1]} value={form.experts} disabled={running} onInput={(e) => set('experts', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="mp-steps">Steps</label>
          <input id="mp-steps" type="number" min={LIMITS.steps[0]} max={LIMITS.steps[1]} value={form.steps} disabled={running} onInput={(e) => set('steps', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="mp-batch">Batch</label>
          <input id="mp-batch" type="number" min={LIMITS.batch[0]} max={LIMITS.batch[1]} value={form.batch} disabled={running} onInput={(e) => set('batch', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="mp-seed">Seed</label>
          <input id="mp-seed" type="number" min={LIMITS.seed[0]} value={form.seed} disabled={running} onInput={(e) => set('seed', e.currentTarget.value)} />
        </div>
        {/* Two buttons, never one that changes its type: a click on Stop must not become a submit once re-rendered. */}
        <button type="submit" class="primary" data-action="start" disabled={running}>
          Start training
        </button>
        <button type="button" data-action="stop" disabled={!running} onClick={stop}>
          Stop
        </button>
      </form>
      <p class="note">
        Model: 2 blocks, d<sub>model</sub> 32, 2 heads, sequences of 32 characters, a MoE FFN of experts 64 wide in each block; AdamW with warm-up and cosine decay.
        {router === 'expert-choice' && ' Expert choice picks tokens from the whole batch at once, so in this causal model it sees the future: its losses are not comparable with the token-choice routers\u2019.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="stats" aria-live="polite" data-stats="moe-play">
        <Stat label="Step" value={ready ? `${pts.length} / ${ready.totalSteps}` : '–'} hint={phase === 'starting' ? 'starting the engine…' : phase} />
        <Stat label="Loss" value={fmt(last?.loss)} hint="nats per token" />
        <Stat label="Held-out loss" value={fmt([...pts].reverse().find((p) => p.evalLoss !== null)?.evalLoss)} />
        <Stat label="Speed" value={Number.isFinite(speed) ? `${rate(speed)} tokens/s` : '–'} hint="last 10 steps" />
        <Stat label="Parameters" value={ready ? `${ready.parameters.total.toLocaleString()}` : '–'} hint={ready ? `${ready.parameters.active.toLocaleString()} active per token` : undefined} />
      </div>
      {!ready && phase !== 'starting' ? (
        <div class="empty-state" data-empty="moe-play">
          <p>No training yet.</p>
          <p class="note">Choose a router and press <strong>Start training</strong>: a few hundred steps take about a minute.</p>
        </div>
      ) : (
        <>
          <div class="chart-block" data-losses={JSON.stringify(pts.map((p) => p.loss))}>
            <h2>Loss</h2>
            <Chart
              name="moe-play-loss"
              label="Training loss and held-out loss per step, nats per token"
              data={lossData}
              optionsKey={`loss:${key}`}
              height={220}
              options={(theme) => ({
                scales: xScale,
                axes: [axis(theme), axis(theme, { size: 50 })],
                series: [
                  { label: 'Step' },
                  { label: 'Loss', stroke: theme.series[0], width: 1.5, points: { show: false } },
                  { label: 'Held-out', stroke: theme.series[1], width: 2, spanGaps: true, points: { show: true, size: 5 } },
                ],
              })}
            />
          </div>
          <h2>Expert load</h2>
          <p class="note">Each block's share of the assignments per expert (rows) and step (columns): the stronger the colour, the larger the share; the fair share is the middle shade.</p>
          <div class="grid-2" data-router-view="moe-play">
            {ready && ready.experts > 0
              ? layers.map((l, i) => <HeatMap key={`${key}:${l}`} layer={l} index={i} experts={ready.experts} totalSteps={ready.totalSteps} points={pts} version={version} />)
              : null}
          </div>
          <div class="grid-2">
            <div class="chart-block">
              <h3>MaxVio</h3>
              <Chart name="moe-play-maxvio" label="MaxVio of each MoE block per step: (largest load − mean load) / mean load" data={maxVio} optionsKey={`mv:${key}`} height={180}
                options={(theme) => ({ scales: xScale, axes: [axis(theme), axis(theme, { size: 50 })], series: metricSeries(theme, layers, '') })} />
            </div>
            <div class="chart-block">
              <h3>Coefficient of variation of the load</h3>
              <Chart name="moe-play-cv" label="Coefficient of variation of each MoE block's expert load per step" data={cv} optionsKey={`cv:${key}`} height={180}
                options={(theme) => ({ scales: xScale, axes: [axis(theme), axis(theme, { size: 50 })], series: metricSeries(theme, layers, '') })} />
            </div>
            <div class="chart-block">
              <h3>Router entropy per token (nats)</h3>
              <Chart name="moe-play-entropy" label="Mean entropy of the router's distribution per token, in nats, of each MoE block per step" data={entropy} optionsKey={`en:${key}`} height={180}
                options={(theme) => ({ scales: xScale, axes: [axis(theme), axis(theme, { size: 50 })], series: metricSeries(theme, layers, ' (nats)') })} />
            </div>
          </div>
          {last && (
            <>
              <h2>Router now</h2>
              <div class="table-wrap" tabIndex={0} role="region" aria-label="Router metrics at the latest step">
                <table data-table="moe-play-layers">
                  <thead>
                    <tr>
                      <th scope="col">Block</th>
                      <th scope="col" class="num">MaxVio</th>
                      <th scope="col" class="num">CV</th>
                      <th scope="col" class="num">Entropy / token</th>
                      <th scope="col" class="num">Marginal entropy</th>
                      <th scope="col" class="num">Dropped</th>
                      <th scope="col" class="num">Dead experts</th>
                      <th scope="col">{router === 'expert-choice' ? 'Experts per token' : router === 'aux-free' ? 'Bias (min … max)' : 'Largest share'}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {last.layers.map((l) => (
                      <tr key={l.layer}>
                        <td>{l.layer}</td>
                        <td class="num">{fmt(l.maxVio)}</td>
                        <td class="num">{fmt(l.cv)}</td>
                        <td class="num">{fmt(l.tokenEntropy)}</td>
                        <td class="num">{fmt(l.marginalEntropy)}</td>
                        <td class="num">{pct(l.droppedFraction)}</td>
                        <td class="num">{l.dead}</td>
                        <td>
                          {l.expertsPerToken !== null
                            ? fmt(l.expertsPerToken, 2)
                            : l.bias
                              ? `${fmt(Math.min(...l.bias))} … ${fmt(Math.max(...l.bias))}`
                              : pct(Math.max(...l.share))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </main>
  );
}
