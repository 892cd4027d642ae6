// What `verdant moe show`, `compare` and the CSV export give: a training's steps and router metrics from the store,
// and loss against tokens, wall time and measured joules for several trainings.
import { invalidInput, nowS, type Store } from '@verdant/core';
import { MoeStore, type LayerStep, type StepRecord, type Training } from './store.js';
import { trainingSummary, type TrainSummary } from './run.js';

export interface TrainingReport {
  summary: TrainSummary;
  config: Record<string, unknown>;
  steps: Array<StepRecord & { wallS: number; energyJ: number | null }>;
  layers: LayerStep[];
}

/**
 * Cumulative measured energy of the training's runs at each step: each run's samples summed up to the step's time
 * (linear within a sample interval), earlier attempts' runs counted whole. Null where the runs have no samples.
 */
async function energyAtSteps(store: Store, t: Training, steps: readonly StepRecord[]): Promise<(number | null)[]> {
  const before = new Map<string, number>();
  const curves = new Map<string, { t: number[]; e: number[] }>();
  let sum = 0;
  // Only the runs of the steps asked for have their samples read (a live page's look: the last run's); the
  // earlier ones count by their stored totals.
  const wanted = new Set(steps.map((s) => s.runId));
  for (const r of t.runs) {
    before.set(r.runId, sum);
    if (!wanted.has(r.runId)) {
      sum += (await store.getRun(r.runId))?.energy_j ?? 0;
      continue;
    }
    const samples = await store.samples(r.runId);
    const byT = new Map<number, { e: number; dt: number }>();
    for (const s of samples) {
      const x = byT.get(s.t) ?? { e: 0, dt: s.dt };
      x.e += s.energy_j;
      byT.set(s.t, x);
    }
    const ts = [...byT.keys()].sort((a, b) => a - b);
    const curve = { t: [] as number[], e: [] as number[] };
    let acc = 0;
    if (ts.length > 0) {
      curve.t.push(ts[0]! - byT.get(ts[0]!)!.dt);
      curve.e.push(0);
    }
    for (const x of ts) {
      acc += byT.get(x)!.e;
      curve.t.push(x);
      curve.e.push(acc);
    }
    curves.set(r.runId, curve);
    const row = await store.getRun(r.runId);
    sum += row?.energy_j ?? acc;
  }
  // Steps are in time order within a run: one index per run moves forward over its curve (a step out of order
  // restarts that run's search from the curve's start, still correct).
  const cursor = new Map<string, number>();
  return steps.map((s) => {
    const c = curves.get(s.runId);
    if (!c || c.t.length === 0) return null;
    let e: number;
    if (s.t <= c.t[0]!) e = 0;
    else if (s.t >= c.t[c.t.length - 1]!) e = c.e[c.e.length - 1]!;
    else {
      let i = cursor.get(s.runId) ?? 1;
      if (c.t[i - 1]! >= s.t) i = 1;
      while (c.t[i]! < s.t) i++;
      cursor.set(s.runId, i);
      const f = (s.t - c.t[i - 1]!) / (c.t[i]! - c.t[i - 1]!);
      e = c.e[i - 1]! + f * (c.e[i]! - c.e[i - 1]!);
    }
    return (before.get(s.runId) ?? 0) + e;
  });
}

/** How long one look of a live page counts as watching its training's run, s (the page looks every 2 s). */
const WATCH_TTL_S = 10;

/**
 * Everything stored about one training (id, run id or a unique prefix of either). With `afterStep`, only the steps
 * and layer rows after that step (a page following a live training asks for what is new since its last look).
 */
export async function trainingReport(store: Store, idOrPrefix: string, options: { field?: string; afterStep?: number } = {}): Promise<TrainingReport> {
  const after = options.afterStep;
  if (after !== undefined && !(Number.isSafeInteger(after) && after >= 0)) throw invalidInput('afterStep', `must be a whole number >= 0, got ${String(after)}`, 'give the last step already shown (0 for all)');
  const moe = MoeStore.of(store);
  const id = await moe.resolve(idOrPrefix, options.field ?? 'run');
  // The summary before the steps: every step up to its `steps` is then among those read (a page following a resumed
  // training asks again from there, and gets the steps the new attempt rewrote).
  const summary = await trainingSummary(store, id);
  const t = (await moe.get(id))!;
  const steps = await moe.steps(id, after === undefined ? {} : { fromStep: after + 1 });
  const energy = await energyAtSteps(store, t, steps);
  const start = t.createdAt;
  // A page following a live training (it asks for the steps after the last it has) watches its run: a PyTorch
  // training's metrics then reach the store with every second's write of its tracker (Store.markWatched).
  if (after !== undefined && summary.status === 'running') await store.markWatched(summary.run_id, nowS() + WATCH_TTL_S).catch(() => undefined);
  return {
    summary,
    config: t.config,
    steps: steps.map((s, i) => ({ ...s, wallS: s.t - start, energyJ: energy[i]! })),
    layers: await moe.layerSteps(id, after === undefined ? {} : { fromStep: after + 1 }),
  };
}

/** One training in a list: its summary without the per-layer metrics, and when it was created and last written. */
export type TrainingListItem = Omit<TrainSummary, 'layers'> & { source: string; created_at: number; updated_at: number };

/** The newest `limit` trainings (default 50, at most 1000), newest first. */
export async function listTrainings(store: Store, options: { limit?: number } = {}): Promise<TrainingListItem[]> {
  const limit = options.limit ?? 50;
  if (!(Number.isSafeInteger(limit) && limit >= 1 && limit <= 1000)) throw invalidInput('limit', `must be a whole number from 1 to 1000, got ${String(limit)}`, 'give a limit from 1 to 1000 (default 50)');
  const out: TrainingListItem[] = [];
  for (const t of await MoeStore.of(store).list(limit)) {
    const { layers: _layers, ...summary } = await trainingSummary(store, t.id, undefined, { layers: false, training: t });
    out.push({ ...summary, source: t.source, created_at: t.createdAt, updated_at: t.updatedAt });
  }
  return out;
}

export interface Comparison {
  trainings: Array<{ summary: TrainSummary; curve: Array<{ step: number; tokens: number; wallS: number; energyJ: number | null; loss: number | null; evalLoss: number | null }> }>;
}

/** Loss against tokens, wall time and joules, and the final figures, of several trainings (`field` names the list in errors). */
export async function compareTrainings(store: Store, ids: readonly string[], options: { field?: string } = {}): Promise<Comparison> {
  const field = options.field ?? 'runs';
  if (ids.length === 0) throw invalidInput(field, 'names no training', 'give one or more training ids, run ids or prefixes');
  const out: Comparison['trainings'] = [];
  for (const [i, id] of ids.entries()) {
    const r = await trainingReport(store, id, { field: `${field}[${i}]` });
    out.push({ summary: r.summary, curve: r.steps.map((s) => ({ step: s.step, tokens: s.tokens, wallS: s.wallS, energyJ: s.energyJ, loss: s.loss, evalLoss: s.evalLoss })) });
  }
  return { trainings: out };
}

const LAYER_COLUMNS = [
  'cv', 'maxVio', 'globalMaxVio', 'tokenEntropy', 'marginalEntropy', 'droppedFraction', 'unroutedFraction', 'auxLoss', 'zLoss',
  'seqAuxLoss', 'expertsPerToken', 'top1Change',
] as const;
const LIST_COLUMNS = ['loadBefore', 'loadAfter', 'share', 'bias', 'dead', 'nearDead'] as const;

/** The CSV columns of `moe show --csv`: one row per step and MoE layer (lists joined with ';'). */
export const METRICS_CSV_COLUMNS = [
  'training_id', 'step', 'layer', 'run_id', 'tokens', 'wall_s', 'train_s', 'energy_j', 'loss', 'ce', 'lr', 'eval_loss',
  ...LAYER_COLUMNS.map(snake), ...LIST_COLUMNS.map(snake),
];

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v));

export function reportCsv(r: TrainingReport): string {
  const byStep = new Map(r.steps.map((s) => [s.step, s]));
  const lines = [METRICS_CSV_COLUMNS.join(',')];
  for (const l of r.layers) {
    const s = byStep.get(l.step);
    lines.push([
      r.summary.training_id, l.step, l.layer, s?.runId, s?.tokens, s?.wallS, s?.trainS, s?.energyJ, s?.loss, s?.ce, s?.lr, s?.evalLoss,
      ...LAYER_COLUMNS.map((k) => l[k]), ...LIST_COLUMNS.map((k) => l[k]),
    ].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** `moe compare --csv`: one row per training and step. */
export function comparisonCsv(c: Comparison): string {
  const lines = ['training_id,name,router,step,tokens,wall_s,energy_j,loss,eval_loss'];
  for (const t of c.trainings) {
    for (const p of t.curve) lines.push([t.summary.training_id, JSON.stringify(t.summary.name), t.summary.router, p.step, p.tokens, p.wallS, p.energyJ, p.loss, p.evalLoss].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
