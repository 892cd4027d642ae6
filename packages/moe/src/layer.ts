// One Mixture-of-Experts FFN layer: a router, E expert FFNs, the routing losses. Input and output are [T, d]
// (T tokens of a batch, flattened); the output is the experts' weighted sum only, so a token every expert dropped
// gets 0 here and passes through the block's residual unchanged.
import type * as tf from '@tensorflow/tfjs';
import { invalidInput } from '@verdant/core/errors';
import type { Engine } from './engine.js';
import { Rng } from './rng.js';
import {
  applyCapacity, countPerExpert, expertCapacity, expertChoice, resolveRouter, topKRows, updatedBias,
  type ResolvedRouter, type RouterOptions,
} from './router.js';

export type Activation = 'gelu' | 'relu';

export interface MoeLayerOptions {
  dModel: number;
  /** Hidden width of each expert FFN. */
  dHidden: number;
  experts: number;
  router: RouterOptions;
  /** 'gelu' (tanh approximation, default) or 'relu'. */
  activation?: Activation;
  /** Seed of the initial weights. */
  seed?: number;
  /** Standard deviation of the initial weights (normal, biases 0); default 0.02. */
  initStd?: number;
}

export interface MoeForwardOptions {
  /** Training: the noisy router adds its noise (needs `rng`). */
  training?: boolean;
  rng?: Rng;
  /** Tokens per sequence, for the sequence-wise aux loss (T must be a multiple); default T. */
  sequenceLength?: number;
}

/** What the router did on one forward pass, as plain numbers (the input of the metrics). */
export interface RoutingRecord {
  router: ResolvedRouter['kind'];
  tokens: number;
  experts: number;
  /** Experts per token (token choice); null for expert choice. */
  k: number | null;
  /** Per-expert capacity; null when dropless. */
  capacity: number | null;
  logits: Float32Array;
  /** Router probabilities [T·E]: softmax, or sigmoid scores normalised over the experts. */
  probs: Float32Array;
  /** Token choice: token t's j-th expert at t·k + j; expert choice: expert e's c-th token at e·C + c. */
  selected: Int32Array;
  /** Token choice: 1 where the assignment survived the capacity. */
  kept: Uint8Array;
  /** Gate weight of each assignment, aligned with `selected`. */
  gates: Float32Array;
  /** Assignments per expert before and after the capacity. */
  loadBefore: number[];
  loadAfter: number[];
  /** Unscaled losses: Switch load balance E·Σ f_i·P_i, z-loss mean(logsumexp²), and the sequence-wise balance (aux-free). */
  auxLoss: number;
  zLoss: number;
  seqAuxLoss: number;
  /** Selection bias used on this pass (aux-free), else null. */
  bias: number[] | null;
}

export interface MoeForward {
  y: tf.Tensor2D;
  /** The scaled routing losses to add to the task loss (α·aux + β·z + seq). */
  loss: tf.Scalar;
  routing: RoutingRecord;
}

export interface ExpertWeights {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

export class MoeLayer {
  readonly router: ResolvedRouter;
  readonly dModel: number;
  readonly dHidden: number;
  readonly experts: number;
  readonly activation: Activation;
  readonly wRouter: tf.Variable;
  readonly wNoise: tf.Variable | null;
  readonly expertWeights: ExpertWeights[];
  /** The aux-free selection bias (zeros for other routers). */
  bias: Float32Array;

  constructor(private readonly engine: Engine, options: MoeLayerOptions, field = 'moe') {
    const o = validateLayerOptions(options, field);
    this.router = resolveRouter(options.router, o.experts, `${field}.router`);
    this.dModel = o.dModel;
    this.dHidden = o.dHidden;
    this.experts = o.experts;
    this.activation = o.activation;
    const tfx = engine.tf;
    const rng = new Rng(o.seed);
    // A variable shares its initial tensor's data and holds it: the initial tensor is freed here, or dispose()
    // would leave it (and that data) behind.
    const own = (t: tf.Tensor): tf.Variable => {
      const v = tfx.variable(t);
      t.dispose();
      return v;
    };
    const normal = (shape: number[]) => tfx.tensor(rng.normals(shape.reduce((a, b) => a * b, 1), o.initStd), shape);
    this.wRouter = own(normal([o.dModel, o.experts]));
    this.wNoise = this.router.noise ? own(normal([o.dModel, o.experts])) : null;
    this.expertWeights = [];
    for (let e = 0; e < o.experts; e++) {
      this.expertWeights.push({
        w1: own(normal([o.dModel, o.dHidden])),
        b1: own(tfx.zeros([o.dHidden])),
        w2: own(normal([o.dHidden, o.dModel])),
        b2: own(tfx.zeros([o.dModel])),
      });
    }
    this.bias = new Float32Array(o.experts);
  }

  /** Every trainable variable, router first, then each expert's w1, b1, w2, b2. */
  variables(): tf.Variable[] {
    const v: tf.Variable[] = [this.wRouter];
    if (this.wNoise) v.push(this.wNoise);
    for (const e of this.expertWeights) v.push(e.w1, e.b1, e.w2, e.b2);
    return v;
  }

  /** Free the weights. */
  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }

  forward(x: tf.Tensor2D, options: MoeForwardOptions = {}): MoeForward {
    const tfx = this.engine.tf;
    const eng = this.engine;
    const r = this.router;
    const [T, d] = x.shape;
    const E = this.experts;
    if (d !== this.dModel) throw invalidInput('x', `has width ${d}, the layer expects ${this.dModel}`);
    const S = options.sequenceLength ?? T;
    if (!Number.isInteger(S) || S < 1 || T % S !== 0) {
      throw invalidInput('sequenceLength', `must divide the ${T} tokens, got ${S}`);
    }
    if (options.training && r.noise && !options.rng) {
      throw invalidInput('rng', 'the noisy router needs a random generator in training', 'pass rng: new Rng(seed)');
    }

    let logits = eng.linear(x, this.wRouter as unknown as tf.Tensor2D);
    if (options.training && r.noise && this.wNoise && options.rng) {
      const scale = tfx.softplus(eng.linear(x, this.wNoise as unknown as tf.Tensor2D));
      logits = tfx.add(logits, tfx.mul(tfx.tensor2d(options.rng.normals(T * E), [T, E]), scale));
    }
    const logitsArr = logits.dataSync() as Float32Array;
    let scores: tf.Tensor2D; // what the gates are read from: softmax probabilities or sigmoid scores
    let probs: tf.Tensor2D; // distributions over experts (for P_i and the metrics)
    if (r.scoring === 'sigmoid') {
      scores = tfx.sigmoid(logits);
      probs = tfx.div(scores, tfx.sum(scores, 1, true));
    } else {
      scores = tfx.softmax(logits);
      probs = scores;
    }
    const scoresArr = scores.dataSync() as Float32Array;
    const probsArr = probs === scores ? scoresArr : (probs.dataSync() as Float32Array);
    const capacity = expertCapacity(r, T, E);

    let selected: Int32Array;
    let kept: Uint8Array;
    let gates: tf.Tensor1D;
    let assignTokens: Int32Array; // token of each assignment
    let loadBefore: number[];
    if (r.choice === 'expert') {
      const C = capacity!;
      selected = expertChoice(probsArr, T, E, C);
      kept = new Uint8Array(selected.length).fill(1);
      assignTokens = selected;
      const flat = Int32Array.from(selected, (t, i) => t * E + Math.floor(i / C));
      gates = eng.gather1d(tfx.reshape(scores, [T * E]), flat);
      loadBefore = new Array<number>(E).fill(C);
    } else {
      const k = r.k!;
      let selectBy: ArrayLike<number> = r.scoring === 'sigmoid' ? scoresArr : logitsArr;
      if (r.kind === 'aux-free') {
        const biased = new Float32Array(T * E);
        for (let i = 0; i < T * E; i++) biased[i] = scoresArr[i]! + this.bias[i % E]!;
        selectBy = biased;
      }
      selected = topKRows(selectBy, T, E, k);
      const flat = Int32Array.from(selected, (e, i) => Math.floor(i / k) * E + e);
      const priority = Float32Array.from(flat, (i) => probsArr[i]!);
      kept = applyCapacity(selected, T, k, E, capacity, r.dropPolicy, priority);
      assignTokens = Int32Array.from(selected, (_e, i) => Math.floor(i / k));
      if (r.scoring === 'softmax' && r.softmax === 'post') {
        gates = tfx.reshape(tfx.softmax(tfx.reshape(eng.gather1d(tfx.reshape(logits, [T * E]), flat), [T, k])), [T * k]);
      } else {
        const g = tfx.reshape(eng.gather1d(tfx.reshape(scores, [T * E]), flat), [T, k]);
        gates = tfx.reshape(r.normalize ? tfx.div(g, tfx.sum(g, 1, true)) : g, [T * k]);
      }
      loadBefore = countPerExpert(selected, E);
    }
    const loadAfter = r.choice === 'expert' ? loadBefore.slice() : countPerExpert(selected, E, kept);

    // Experts: each runs on its kept assignments; outputs weighted by the gates and summed back per token.
    const parts: tf.Tensor2D[] = [];
    const partTokens: number[] = [];
    for (let e = 0; e < E; e++) {
      const idx: number[] = [];
      for (let a = 0; a < selected.length; a++) {
        const expert = r.choice === 'expert' ? Math.floor(a / capacity!) : selected[a]!;
        if (expert === e && kept[a]) idx.push(a);
      }
      if (idx.length === 0) continue;
      const toks = idx.map((a) => assignTokens[a]!);
      const w = this.expertWeights[e]!;
      const h = this.act(eng.linear(eng.gatherRows(x, toks), w.w1 as unknown as tf.Tensor2D, w.b1 as unknown as tf.Tensor1D));
      const ye = eng.linear(h, w.w2 as unknown as tf.Tensor2D, w.b2 as unknown as tf.Tensor1D);
      parts.push(tfx.mul(ye, tfx.reshape(eng.gather1d(gates, idx), [idx.length, 1])));
      partTokens.push(...toks);
    }
    const y = parts.length === 0 ? tfx.zeros([T, d]) as tf.Tensor2D
      : eng.scatterAddRows(parts.length === 1 ? parts[0]! : tfx.concat(parts, 0), partTokens, T);

    // Losses.
    const z = tfx.mean(tfx.square(tfx.logSumExp(logits, 1)));
    let aux: tf.Scalar = tfx.scalar(0);
    if (r.choice === 'token') {
      const f = tfx.tensor1d(loadBefore.map((c) => c / (T * r.k!)));
      aux = tfx.mul(E, tfx.sum(tfx.mul(f, tfx.mean(probs, 0))));
    }
    let seqAux: tf.Scalar = tfx.scalar(0);
    if (r.kind === 'aux-free') {
      const B = T / S;
      const k = r.k!;
      const f = new Float32Array(B * E);
      for (let a = 0; a < selected.length; a++) {
        const b = Math.floor(Math.floor(a / k) / S);
        f[b * E + selected[a]!]! += E / (k * S);
      }
      const pSeq = tfx.mean(tfx.reshape(probs, [B, S, E]), 1);
      seqAux = tfx.div(tfx.sum(tfx.mul(tfx.tensor2d(f, [B, E]), pSeq)), B);
    }
    const loss = tfx.addN([tfx.mul(r.auxLossCoef, aux), tfx.mul(r.zLossCoef, z), tfx.mul(r.seqAuxLossCoef, seqAux)]) as tf.Scalar;

    const routing: RoutingRecord = {
      router: r.kind,
      tokens: T,
      experts: E,
      k: r.k,
      capacity,
      logits: logitsArr,
      probs: probsArr,
      selected,
      kept,
      gates: gates.dataSync() as Float32Array,
      loadBefore,
      loadAfter,
      auxLoss: r.choice === 'token' ? aux.dataSync()[0]! : Number.NaN,
      zLoss: z.dataSync()[0]!,
      seqAuxLoss: r.kind === 'aux-free' ? seqAux.dataSync()[0]! : Number.NaN,
      bias: r.kind === 'aux-free' ? Array.from(this.bias) : null,
    };
    return { y, loss, routing };
  }

  /** After an optimizer step: the aux-free router moves its bias towards balance (a no-op for other routers). */
  afterStep(routing: RoutingRecord): void {
    if (this.router.kind !== 'aux-free') return;
    this.bias = updatedBias(this.bias, routing.loadBefore, this.router.biasUpdateRate);
  }

  private act(h: tf.Tensor2D): tf.Tensor2D {
    return activate(this.engine, h, this.activation);
  }
}

/** The FFN activation; GELU is the tanh approximation 0.5·h·(1 + tanh(√(2/π)·(h + 0.044715·h³))). */
export function activate(engine: Engine, h: tf.Tensor2D, kind: Activation): tf.Tensor2D {
  const tfx = engine.tf;
  if (kind === 'relu') return tfx.relu(h);
  // h·h·h, not pow(h, 3): Pow is ~4x slower than two multiplies on wasm.
  const inner = tfx.mul(Math.sqrt(2 / Math.PI), tfx.add(h, tfx.mul(0.044715, tfx.mul(tfx.mul(h, h), h))));
  return tfx.mul(tfx.mul(0.5, h), tfx.add(1, tfx.tanh(inner)));
}

interface LayerShape {
  dModel: number;
  dHidden: number;
  experts: number;
  activation: Activation;
  seed: number;
  initStd: number;
}

function validateLayerOptions(o: MoeLayerOptions, field: string): LayerShape {
  if (o === null || typeof o !== 'object') throw invalidInput(field, 'must be an object', 'give { dModel, dHidden, experts, router }');
  const whole = (key: 'dModel' | 'dHidden' | 'experts', min: number) => {
    const v = o[key];
    if (!Number.isInteger(v) || v < min) throw invalidInput(`${field}.${key}`, `must be a whole number >= ${min}, got ${String(v)}`);
    return v;
  };
  const activation = o.activation ?? 'gelu';
  if (activation !== 'gelu' && activation !== 'relu') {
    throw invalidInput(`${field}.activation`, `unknown activation "${String(activation)}"`, 'use "gelu" or "relu"');
  }
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw invalidInput(`${field}.seed`, `must be a whole number, got ${String(seed)}`);
  const initStd = o.initStd ?? 0.02;
  if (!(Number.isFinite(initStd) && initStd > 0)) throw invalidInput(`${field}.initStd`, `must be a number > 0, got ${String(initStd)}`);
  return { dModel: whole('dModel', 1), dHidden: whole('dHidden', 1), experts: whole('experts', 1), activation, seed, initStd };
}
