// Router metrics of one MoE layer, as pure functions of plain numbers: the same formulas serve the lab's layers and
// any router logits read from elsewhere. Loads count assignments (a top-2 token counts once at each of its experts).
import type { RoutingRecord } from './layer.js';

export interface LayerMetrics {
  /** Assignments per expert before and after the capacity. */
  loadBefore: number[];
  loadAfter: number[];
  /** Each expert's share of the assignments before the capacity (sums to 1). */
  share: number[];
  /** Coefficient of variation of the load before capacity: population std / mean. */
  cv: number;
  /** MaxVio (DeepSeek-V3): (max load − mean load) / mean load, before capacity. */
  maxVio: number;
  /** Mean over tokens of the entropy of the router's distribution, nats (at most ln E). */
  tokenEntropy: number;
  /** Entropy of the mean distribution over the batch, nats. */
  marginalEntropy: number;
  /** Share of the assignments the capacity dropped (0 for expert choice). */
  droppedFraction: number;
  /** Share of tokens that reach no expert (all choices dropped; for expert choice, chosen by none). */
  unroutedFraction: number;
  /** Unscaled losses (NaN where the router has none). */
  auxLoss: number;
  zLoss: number;
  seqAuxLoss: number;
  bias: number[] | null;
  /** Expert choice: mean experts per token; token choice: null. */
  expertsPerToken: number | null;
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

/** Shares of a load vector (all zeros when nothing was routed). */
export function loadShare(load: ArrayLike<number>): number[] {
  const total = sum(load);
  return Array.from(load, (l) => (total > 0 ? l / total : 0));
}

/** Population standard deviation over the mean; 0 for an empty load. */
export function coefficientOfVariation(load: ArrayLike<number>): number {
  const n = load.length;
  const mean = sum(load) / n;
  if (!(mean > 0)) return 0;
  let v = 0;
  for (let i = 0; i < n; i++) v += (load[i]! - mean) ** 2;
  return Math.sqrt(v / n) / mean;
}

/** (max − mean) / mean; 0 for an empty load. */
export function maxViolation(load: ArrayLike<number>): number {
  const mean = sum(load) / load.length;
  if (!(mean > 0)) return 0;
  return (Math.max(...Array.from(load)) - mean) / mean;
}

function entropy(p: ArrayLike<number>, offset: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) {
    const v = p[offset + i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/** Mean per-token entropy of a [T·E] row-major probability matrix, nats. */
export function tokenEntropy(probs: ArrayLike<number>, tokens: number, experts: number): number {
  let h = 0;
  for (let t = 0; t < tokens; t++) h += entropy(probs, t * experts, experts);
  return tokens > 0 ? h / tokens : 0;
}

/** Entropy of the batch-mean distribution of a [T·E] probability matrix, nats. */
export function marginalEntropy(probs: ArrayLike<number>, tokens: number, experts: number): number {
  const mean = new Float64Array(experts);
  for (let t = 0; t < tokens; t++) for (let e = 0; e < experts; e++) mean[e]! += probs[t * experts + e]! / tokens;
  return entropy(mean, 0, experts);
}

/** Highest-probability expert of each token. */
export function top1(probs: ArrayLike<number>, tokens: number, experts: number): Int32Array {
  const out = new Int32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    let best = 0;
    for (let e = 1; e < experts; e++) if (probs[t * experts + e]! > probs[t * experts + best]!) best = e;
    out[t] = best;
  }
  return out;
}

/** Routing stability: the share of a fixed probe batch whose top-1 expert changed between two evaluations. */
export function top1ChangeFraction(before: ArrayLike<number>, after: ArrayLike<number>): number {
  if (before.length !== after.length) throw new RangeError(`probe batches differ in size: ${before.length} and ${after.length}`);
  let changed = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed++;
  return before.length > 0 ? changed / before.length : 0;
}

/** How many experts each token reached (expert choice: `selected` holds E·C token numbers). */
export function expertsPerTokenCounts(selected: ArrayLike<number>, tokens: number): number[] {
  const c = new Array<number>(tokens).fill(0);
  for (let i = 0; i < selected.length; i++) c[selected[i]!]!++;
  return c;
}

export interface DeadExperts {
  /** Experts with no assignment in any step of the window. */
  dead: number[];
  /** Experts whose mean share over the window is below `threshold`/E (dead ones included). */
  nearDead: number[];
}

/**
 * Dead and near-dead experts over a window of steps (each entry a load vector, e.g. `loadBefore` of the last W
 * steps). `threshold` is a fraction of the fair share 1/E (default 0.1).
 */
export function deadExperts(window: readonly (readonly number[])[], threshold = 0.1): DeadExperts {
  if (window.length === 0) return { dead: [], nearDead: [] };
  const E = window[0]!.length;
  const meanShare = new Float64Array(E);
  const seen = new Uint8Array(E);
  for (const load of window) {
    const share = loadShare(load);
    for (let e = 0; e < E; e++) {
      meanShare[e]! += share[e]! / window.length;
      if (load[e]! > 0) seen[e] = 1;
    }
  }
  const dead: number[] = [];
  const nearDead: number[] = [];
  for (let e = 0; e < E; e++) {
    if (!seen[e]) dead.push(e);
    if (meanShare[e]! < threshold / E) nearDead.push(e);
  }
  return { dead, nearDead };
}

/** Every per-step metric of one layer from what its router did. */
export function layerMetrics(r: RoutingRecord): LayerMetrics {
  const { tokens: T, experts: E } = r;
  const assignments = r.selected.length;
  const keptCount = sum(r.kept);
  let unrouted = 0;
  let expertsPerToken: number | null = null;
  if (r.k === null) {
    const per = expertsPerTokenCounts(r.selected, T);
    unrouted = per.filter((c) => c === 0).length;
    expertsPerToken = T > 0 ? sum(per) / T : 0;
  } else {
    for (let t = 0; t < T; t++) {
      let any = false;
      for (let j = 0; j < r.k; j++) if (r.kept[t * r.k + j]) any = true;
      if (!any) unrouted++;
    }
  }
  return {
    loadBefore: r.loadBefore.slice(),
    loadAfter: r.loadAfter.slice(),
    share: loadShare(r.loadBefore),
    cv: coefficientOfVariation(r.loadBefore),
    maxVio: maxViolation(r.loadBefore),
    tokenEntropy: tokenEntropy(r.probs, T, E),
    marginalEntropy: marginalEntropy(r.probs, T, E),
    droppedFraction: assignments > 0 ? 1 - keptCount / assignments : 0,
    unroutedFraction: T > 0 ? unrouted / T : 0,
    auxLoss: r.auxLoss,
    zLoss: r.zLoss,
    seqAuxLoss: r.seqAuxLoss,
    bias: r.bias ? r.bias.slice() : null,
    expertsPerToken,
  };
}
