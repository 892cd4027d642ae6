// Router options (validated up front) and the non-differentiable half of routing: which expert gets which token,
// and which assignments the capacity drops. Plain arrays in, plain arrays out; the layer builds the gates and the
// losses on them with the engine.
import { invalidInput } from '@verdant/core/errors';

export type RouterKind = 'switch' | 'topk' | 'gshard' | 'expert-choice' | 'aux-free' | 'noisy-topk';
export const ROUTER_KINDS: readonly RouterKind[] = ['switch', 'topk', 'gshard', 'expert-choice', 'aux-free', 'noisy-topk'];
export type DropPolicy = 'position' | 'probability';

/**
 * A router. `kind` picks the method and its defaults; the other fields override them where the method has them
 * (a field a method does not have is an error, not ignored).
 * - switch: Switch Transformer top-1 softmax, capacity 1.25, load-balancing loss 0.01.
 * - topk: Mixtral-style top-k (k 2) with weights renormalised over the k chosen (softmax 'post'), dropless.
 * - gshard: GShard top-2, weights normalised over the two, capacity 1.25; second choices are placed after all first choices.
 * - expert-choice: each expert takes its `ceil(capacityFactor·T/E)` best tokens (capacity factor 2). It sees every
 *   token of the batch at once, so in a causal language model it sees the future.
 * - aux-free: DeepSeek-V3 sigmoid scores, top-k (k 2) on score + bias, the bias used for selection only and moved by
 *   `biasUpdateRate·sign(mean load − load)` after each step; optional sequence-wise auxiliary loss; dropless.
 * - noisy-topk: Shazeer et al. noisy top-k gating (learned noise scale, training only), k 2, dropless.
 */
export interface RouterOptions {
  kind: RouterKind;
  /** Experts per token (token-choice routers). */
  k?: number;
  /** 'pre': softmax over all experts, then top-k; 'post': top-k on the logits, softmax over the k chosen. */
  softmax?: 'pre' | 'post';
  /** Renormalise the k chosen weights to sum to 1 (pre-softmax and sigmoid scores). */
  normalize?: boolean;
  /** Capacity per expert `ceil(capacityFactor·T·k/E)` (expert choice: `ceil(capacityFactor·T/E)`); null: dropless. */
  capacityFactor?: number | null;
  /** Which assignments an over-full expert keeps: by position (first choices first, then token order) or by router probability. */
  dropPolicy?: DropPolicy;
  /** α of the Switch load-balancing loss α·E·Σ f_i·P_i. */
  auxLossCoef?: number;
  /** β of the router z-loss β·mean(logsumexp(logits)²). */
  zLossCoef?: number;
  /** γ of the aux-free bias update. */
  biasUpdateRate?: number;
  /** α of DeepSeek-V3's sequence-wise balance loss (aux-free). */
  seqAuxLossCoef?: number;
}

export interface ResolvedRouter {
  kind: RouterKind;
  choice: 'token' | 'expert';
  scoring: 'softmax' | 'sigmoid';
  /** Experts per token; for expert choice, null. */
  k: number | null;
  softmax: 'pre' | 'post';
  normalize: boolean;
  capacityFactor: number | null;
  dropPolicy: DropPolicy;
  auxLossCoef: number;
  zLossCoef: number;
  biasUpdateRate: number;
  seqAuxLossCoef: number;
  noise: boolean;
}

type Field = Exclude<keyof RouterOptions, 'kind'>;

const DEFAULTS: Record<RouterKind, { allowed: Field[]; resolved: ResolvedRouter }> = {
  switch: {
    allowed: ['capacityFactor', 'dropPolicy', 'auxLossCoef', 'zLossCoef'],
    resolved: base('switch', { k: 1, softmax: 'pre', normalize: false, capacityFactor: 1.25 }),
  },
  topk: {
    allowed: ['k', 'softmax', 'normalize', 'capacityFactor', 'dropPolicy', 'auxLossCoef', 'zLossCoef'],
    resolved: base('topk', { k: 2, softmax: 'post', normalize: true, capacityFactor: null }),
  },
  gshard: {
    allowed: ['capacityFactor', 'dropPolicy', 'auxLossCoef', 'zLossCoef'],
    resolved: base('gshard', { k: 2, softmax: 'pre', normalize: true, capacityFactor: 1.25 }),
  },
  'expert-choice': {
    allowed: ['capacityFactor', 'zLossCoef'],
    resolved: base('expert-choice', { choice: 'expert', k: null, capacityFactor: 2, auxLossCoef: 0 }),
  },
  'aux-free': {
    allowed: ['k', 'normalize', 'capacityFactor', 'dropPolicy', 'zLossCoef', 'biasUpdateRate', 'seqAuxLossCoef'],
    resolved: base('aux-free', { scoring: 'sigmoid', k: 2, normalize: true, capacityFactor: null, auxLossCoef: 0, biasUpdateRate: 0.001 }),
  },
  'noisy-topk': {
    allowed: ['k', 'capacityFactor', 'dropPolicy', 'auxLossCoef', 'zLossCoef'],
    resolved: base('noisy-topk', { k: 2, softmax: 'post', normalize: true, capacityFactor: null, noise: true }),
  },
};

function base(kind: RouterKind, over: Partial<ResolvedRouter>): ResolvedRouter {
  return {
    kind,
    choice: 'token',
    scoring: 'softmax',
    k: 1,
    softmax: 'pre',
    normalize: false,
    capacityFactor: 1.25,
    dropPolicy: 'position',
    auxLossCoef: 0.01,
    zLossCoef: 0,
    biasUpdateRate: 0,
    seqAuxLossCoef: 0,
    noise: false,
    ...over,
  };
}

/** Validate router options against the number of experts and fill in the method's defaults. */
export function resolveRouter(options: RouterOptions, experts: number, field = 'router'): ResolvedRouter {
  if (options === null || typeof options !== 'object') {
    throw invalidInput(field, 'must be an object with a "kind"', `e.g. { kind: 'switch' }; kinds: ${ROUTER_KINDS.join(', ')}`);
  }
  const spec = DEFAULTS[options.kind];
  if (!spec || !Object.hasOwn(DEFAULTS, options.kind)) {
    throw invalidInput(`${field}.kind`, `unknown router "${String(options.kind)}"`, `use one of ${ROUTER_KINDS.join(', ')}`);
  }
  const r: ResolvedRouter = { ...spec.resolved };
  for (const key of Object.keys(options) as (keyof RouterOptions)[]) {
    if (key === 'kind' || options[key] === undefined) continue;
    if (!(spec.allowed as string[]).includes(key)) {
      throw invalidInput(`${field}.${key}`, `the ${options.kind} router has no "${key}"`,
        `remove it; the ${options.kind} router takes ${spec.allowed.join(', ')}`);
    }
  }
  const f = (k: string) => `${field}.${k}`;
  if (options.k !== undefined) {
    if (!Number.isInteger(options.k) || options.k < 1 || options.k > experts) {
      throw invalidInput(f('k'), `must be a whole number from 1 to the number of experts (${experts}), got ${options.k}`);
    }
    r.k = options.k;
  }
  if (r.k !== null && r.k > experts) {
    throw invalidInput('experts', `the ${options.kind} router picks ${r.k} experts per token but there are ${experts}`, `use at least ${r.k} experts`);
  }
  if (options.softmax !== undefined) {
    if (options.softmax !== 'pre' && options.softmax !== 'post') throw invalidInput(f('softmax'), `must be "pre" or "post", got "${String(options.softmax)}"`);
    r.softmax = options.softmax;
  }
  if (options.normalize !== undefined) {
    if (typeof options.normalize !== 'boolean') throw invalidInput(f('normalize'), `must be true or false, got ${String(options.normalize)}`);
    if (r.scoring === 'softmax' && r.softmax === 'post' && !options.normalize) {
      throw invalidInput(f('normalize'), 'a post-softmax router always normalises over the k chosen', 'use softmax: "pre" for unnormalised weights');
    }
    r.normalize = options.normalize;
  }
  if (options.capacityFactor !== undefined) {
    const c = options.capacityFactor;
    if (c !== null && !(typeof c === 'number' && Number.isFinite(c) && c > 0)) {
      throw invalidInput(f('capacityFactor'), `must be a number > 0, or null for no capacity limit, got ${String(c)}`);
    }
    if (c === null && r.choice === 'expert') {
      throw invalidInput(f('capacityFactor'), 'expert choice needs a capacity', 'give a number > 0 (2 is usual)');
    }
    r.capacityFactor = c;
  }
  if (options.dropPolicy !== undefined) {
    if (options.dropPolicy !== 'position' && options.dropPolicy !== 'probability') {
      throw invalidInput(f('dropPolicy'), `must be "position" or "probability", got "${String(options.dropPolicy)}"`);
    }
    r.dropPolicy = options.dropPolicy;
  }
  const coef = (key: 'auxLossCoef' | 'zLossCoef' | 'biasUpdateRate' | 'seqAuxLossCoef') => {
    const v = options[key];
    if (v === undefined) return;
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw invalidInput(f(key), `must be a number >= 0, got ${String(v)}`);
    r[key] = v;
  };
  coef('auxLossCoef');
  coef('zLossCoef');
  coef('biasUpdateRate');
  coef('seqAuxLossCoef');
  return r;
}

/** Capacity per expert: ceil(cf·T·k/E) for token choice, ceil(cf·T/E) for expert choice (at most T); null when dropless. */
export function expertCapacity(router: ResolvedRouter, tokens: number, experts: number): number | null {
  if (router.capacityFactor === null) return null;
  const c = Math.ceil((router.capacityFactor * tokens * (router.k ?? 1)) / experts);
  return router.choice === 'expert' ? Math.min(tokens, c) : c;
}

/** The k highest of each row of a [rows, cols] matrix, highest first (ties: lower column first). */
export function topKRows(values: ArrayLike<number>, rows: number, cols: number, k: number): Int32Array {
  const out = new Int32Array(rows * k);
  const idx = new Array<number>(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) idx[c] = c;
    idx.sort((a, b) => values[o + b]! - values[o + a]! || a - b);
    for (let j = 0; j < k; j++) out[r * k + j] = idx[j]!;
  }
  return out;
}

/**
 * Which token-choice assignments survive the capacity. `selected[t·k + j]` is token t's j-th choice; `priority` the
 * router probability of that assignment. By position an expert keeps assignments in the order of all first choices
 * (token order), then all second choices, and so on (GShard); by probability, the most probable first.
 * Returns 1 (kept) or 0 (dropped) per assignment.
 */
export function applyCapacity(
  selected: Int32Array, tokens: number, k: number, experts: number, capacity: number | null,
  policy: DropPolicy, priority: ArrayLike<number>,
): Uint8Array {
  const n = tokens * k;
  const kept = new Uint8Array(n);
  if (capacity === null) return kept.fill(1);
  const order = new Array<number>(n);
  // Slot-major order: assignment (t, j) comes at j·T + t.
  for (let j = 0; j < k; j++) for (let t = 0; t < tokens; t++) order[j * tokens + t] = t * k + j;
  if (policy === 'probability') {
    const rank = new Map(order.map((a, i) => [a, i]));
    order.sort((a, b) => priority[b]! - priority[a]! || rank.get(a)! - rank.get(b)!);
  }
  const used = new Int32Array(experts);
  for (const a of order) {
    const e = selected[a]!;
    if (used[e]! < capacity) {
      used[e] = used[e]! + 1;
      kept[a] = 1;
    }
  }
  return kept;
}

/** Expert choice: expert e takes the `capacity` tokens with the highest score in column e (ties: earlier token). Returns [E·capacity] token numbers. */
export function expertChoice(scores: ArrayLike<number>, tokens: number, experts: number, capacity: number): Int32Array {
  const out = new Int32Array(experts * capacity);
  const idx = new Array<number>(tokens);
  for (let e = 0; e < experts; e++) {
    for (let t = 0; t < tokens; t++) idx[t] = t;
    idx.sort((a, b) => scores[b * experts + e]! - scores[a * experts + e]! || a - b);
    for (let c = 0; c < capacity; c++) out[e * capacity + c] = idx[c]!;
  }
  return out;
}

/** Assignments per expert: `selected` values counted, only where `kept` is 1 when given. */
export function countPerExpert(selected: ArrayLike<number>, experts: number, kept?: ArrayLike<number>): number[] {
  const counts = new Array<number>(experts).fill(0);
  for (let i = 0; i < selected.length; i++) if (!kept || kept[i]) counts[selected[i]!]!++;
  return counts;
}

/** DeepSeek-V3's aux-free update: b_i += γ·sign(mean load − load_i). */
export function updatedBias(bias: ArrayLike<number>, load: ArrayLike<number>, rate: number): Float32Array {
  const n = bias.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += load[i]!;
  mean /= n;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = bias[i]! + rate * Math.sign(mean - load[i]!);
  return out;
}
