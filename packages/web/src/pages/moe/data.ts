// The MoE lab's API objects (GET /api/moe/..., the same as `verdant moe list|show|compare --json`) and the
// series the pages draw from them.

import type { LayerStep, TrainSummary } from '@verdant/moe/browser';

export type { LayerStep };
/** A training's summary (the library's TrainSummary, without the last layers the list leaves out). */
export type MoeSummary = Omit<TrainSummary, 'layers'>;

export interface MoeListItem extends MoeSummary {
  source: string;
  created_at: number;
  updated_at: number;
}

export interface MoeStep {
  step: number;
  runId: string;
  t: number;
  trainS: number;
  tokens: number;
  loss: number | null;
  ce: number | null;
  lr: number | null;
  evalLoss: number | null;
  wallS: number;
  energyJ: number | null;
}

export interface MoeReport {
  summary: MoeSummary & { layers: LayerStep[] };
  config: Record<string, unknown>;
  steps: MoeStep[];
  layers: LayerStep[];
}

export interface MoeComparison {
  trainings: Array<{
    summary: MoeSummary & { layers: LayerStep[] };
    curve: Array<{ step: number; tokens: number; wallS: number; energyJ: number | null; loss: number | null; evalLoss: number | null }>;
  }>;
}

/** Statuses in which a training may still gain steps (the page polls for them). */
export const LIVE_STATUSES = new Set(['running']);

/** Statuses of a training that may be resumed (the page looks now and then, to follow a resumed attempt). */
export const RESUMABLE_STATUSES = new Set(['checkpointed']);

/**
 * Expert Choice sees the whole batch, the future of a causal LM included: the library's note saying so (its
 * summary carries it), or the same words where an older store's summary lacks it.
 */
export function futureCaveat(s: Pick<MoeSummary, 'router' | 'notes'>): string | undefined {
  if (s.router !== 'expert-choice') return undefined;
  return s.notes.find((n) => /future/.test(n)) ?? 'expert choice sees every token of a batch, the future included: its loss is not comparable with token-choice routers\' as a next-token predictor';
}

/**
 * The `?after_step=` cursor of a page that holds `have`: its last step, or the training's step count where that is
 * lower (an attempt resumed from an earlier checkpoint rewrites the steps after it; the summary is read before the
 * steps, so every step up to its count is among those the page holds).
 */
export function liveCursor(have: MoeReport): number {
  let last = 0;
  for (const s of have.steps) if (s.step > last) last = s.step;
  return Math.max(0, Math.min(last, have.summary.steps));
}

/**
 * A report with the rows of a later `?after_step=after` one: the held rows after `after` are replaced by the new ones
 * (a step rewritten by a resumed attempt takes the newer rows).
 */
export function mergeReport(have: MoeReport, more: MoeReport, after: number): MoeReport {
  return {
    summary: more.summary,
    config: more.config,
    steps: [...have.steps.filter((s) => s.step <= after), ...more.steps],
    layers: [...have.layers.filter((l) => l.step <= after), ...more.layers],
  };
}

/** The layer rows by MoE layer (block index), each in step order; with the steps they cover. */
export interface ByLayer {
  layers: number[];
  experts: number;
  steps: number[];
  /** rows[i][j]: layer layers[i] at steps[j] (undefined where a step lacks that layer). */
  rows: Array<Array<LayerStep | undefined>>;
}

export function byLayer(rows: readonly LayerStep[]): ByLayer {
  const layers = [...new Set(rows.map((r) => r.layer))].sort((a, b) => a - b);
  const steps = [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
  const li = new Map(layers.map((l, i) => [l, i]));
  const si = new Map(steps.map((s, j) => [s, j]));
  const out: Array<Array<LayerStep | undefined>> = layers.map(() => new Array<LayerStep | undefined>(steps.length));
  let experts = 0;
  for (const r of rows) {
    out[li.get(r.layer)!]![si.get(r.step)!] = r;
    experts = Math.max(experts, r.loadBefore.length);
  }
  return { layers, experts, steps, rows: out };
}

/** uPlot data: x = steps, one series per layer of `pick` (null where it does not apply). */
export function perLayer(b: ByLayer, pick: (r: LayerStep) => number | null): [number[], ...Array<Array<number | null>>] {
  return [b.steps, ...b.rows.map((row) => row.map((r) => (r ? pick(r) : null)))];
}

/** Each expert's load relative to the fair share (the mean load before capacity): 1 is balanced, 0 idle. */
export function relativeLoad(r: LayerStep, after: boolean): number[] {
  const total = r.loadBefore.reduce((a, b) => a + b, 0);
  const mean = total / Math.max(1, r.loadBefore.length);
  const load = after ? r.loadAfter : r.loadBefore;
  return load.map((l) => (mean > 0 ? l / mean : 0));
}

/**
 * Curves of several trainings on one x axis (uPlot wants one): the union of their x values, each curve null where
 * it has no point (drawn across the gaps).
 */
export function unionCurves(curves: ReadonlyArray<ReadonlyArray<{ x: number | null; y: number | null }>>): [number[], ...Array<Array<number | null>>] {
  const xs = [...new Set(curves.flatMap((c) => c.filter((p) => p.x !== null && p.y !== null).map((p) => p.x!)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const y = new Array<number | null>(xs.length).fill(null);
    for (const p of c) if (p.x !== null && p.y !== null) y[at.get(p.x)!] = p.y;
    return y;
  });
  return [xs, ...ys];
}

/** Viridis (perceptually uniform, legible to the colour-blind, on light and dark backgrounds), 9 stops. */
export const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}
const STOPS = VIRIDIS.map(hex);

/** The colour of v in [0, 1] (clamped) on the viridis scale, as RGB. */
export function colourAt(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

export const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
