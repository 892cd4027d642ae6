// A decoder-only language model: token + learned position embedding, pre-norm blocks (causal multi-head attention,
// then a dense FFN or a MoE FFN), a final norm and the output tied to the token embedding.
import type * as tf from '@tensorflow/tfjs';
import { invalidInput } from '@verdant/core/errors';
import type { Engine } from './engine.js';
import { MoeLayer, activate, type Activation, type RoutingRecord } from './layer.js';
import { Rng } from './rng.js';
import type { RouterOptions } from './router.js';

export type FfnOptions =
  | { kind: 'dense'; dHidden: number }
  | {
    kind: 'moe';
    experts: number;
    /** Hidden width of each expert. */
    dHidden: number;
    router: RouterOptions;
    /** 1: a MoE FFN in every block; 2: every other block (the 2nd, 4th, …), dense FFNs of `denseHidden` between. */
    every?: 1 | 2;
    /** Width of the dense FFNs between MoE blocks when `every` is 2 (default dHidden). */
    denseHidden?: number;
  };

export interface LmOptions {
  vocab: number;
  /** Longest sequence (the position table's size). */
  seqLen: number;
  dModel: number;
  heads: number;
  layers: number;
  ffn: FfnOptions;
  activation?: Activation;
  seed?: number;
  /** Standard deviation of the initial weights (default 0.02). */
  initStd?: number;
}

export interface LmForwardOptions {
  training?: boolean;
  rng?: Rng;
}

export interface LmLoss {
  /** Cross-entropy + the routing losses, what the optimizer minimises. */
  loss: tf.Scalar;
  /** Mean cross-entropy per token, nats. */
  ce: tf.Scalar;
  /** What each block's router did (null for a dense block). */
  routings: (RoutingRecord | null)[];
}

interface Dense {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

interface Block {
  ln1: { g: tf.Variable; b: tf.Variable };
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  ln2: { g: tf.Variable; b: tf.Variable };
  ffn: Dense | MoeLayer;
}

export function validateLmOptions(o: LmOptions, field = 'model'): void {
  if (o === null || typeof o !== 'object') throw invalidInput(field, 'must be an object', 'give { vocab, seqLen, dModel, heads, layers, ffn }');
  for (const key of ['vocab', 'seqLen', 'dModel', 'heads', 'layers'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw invalidInput(`${field}.${key}`, `must be a whole number >= 1, got ${String(o[key])}`);
  }
  if (o.dModel % o.heads !== 0) {
    throw invalidInput(`${field}.heads`, `${o.heads} heads do not divide dModel ${o.dModel}`, 'pick a number of heads that divides dModel');
  }
  const f = o.ffn;
  if (!f || (f.kind !== 'dense' && f.kind !== 'moe')) throw invalidInput(`${field}.ffn.kind`, `must be "dense" or "moe", got ${String((f as { kind?: unknown } | undefined)?.kind)}`);
  if (!Number.isInteger(f.dHidden) || f.dHidden < 1) throw invalidInput(`${field}.ffn.dHidden`, `must be a whole number >= 1, got ${String(f.dHidden)}`);
  if (f.kind === 'moe') {
    if (f.every !== undefined && f.every !== 1 && f.every !== 2) throw invalidInput(`${field}.ffn.every`, `must be 1 or 2, got ${String(f.every)}`);
    if (f.denseHidden !== undefined && (!Number.isInteger(f.denseHidden) || f.denseHidden < 1)) {
      throw invalidInput(`${field}.ffn.denseHidden`, `must be a whole number >= 1, got ${String(f.denseHidden)}`);
    }
  }
}

/**
 * The dense model to compare a MoE model with: 'active' gives its FFN the width k × expert width (the same
 * parameters per token; expert choice counts its capacity factor as k), 'total' the width E × expert width.
 */
export function denseBaseline(o: LmOptions, match: 'active' | 'total'): LmOptions {
  validateLmOptions(o);
  if (o.ffn.kind !== 'moe') throw invalidInput('model.ffn.kind', 'the model is dense already', 'give a MoE model');
  const ffn = o.ffn;
  let k = ffn.router.k ?? (ffn.router.kind === 'switch' ? 1 : 2);
  if (ffn.router.kind === 'expert-choice') k = ffn.router.capacityFactor ?? 2;
  const width = Math.round((match === 'active' ? k : ffn.experts) * ffn.dHidden);
  return { ...o, ffn: { kind: 'dense', dHidden: width } };
}

export class MoeLm {
  readonly options: LmOptions;
  readonly tokEmb: tf.Variable;
  readonly posEmb: tf.Variable;
  readonly blocks: Block[];
  readonly lnF: { g: tf.Variable; b: tf.Variable };
  private readonly activation: Activation;

  constructor(private readonly engine: Engine, options: LmOptions) {
    validateLmOptions(options);
    this.options = options;
    this.activation = options.activation ?? 'gelu';
    const tfx = engine.tf;
    const std = options.initStd ?? 0.02;
    const seed = options.seed ?? 0;
    const rng = new Rng(seed);
    const { vocab, seqLen, dModel: d, layers } = options;
    // A variable shares its initial tensor's data and holds it: the initial tensor is freed here, or dispose()
    // would leave it (and that data) behind.
    const own = (t: tf.Tensor): tf.Variable => {
      const v = tfx.variable(t);
      t.dispose();
      return v;
    };
    const normal = (shape: number[], s = std) => own(tfx.tensor(rng.normals(shape.reduce((a, b) => a * b, 1), s), shape));
    const ln = () => ({ g: own(tfx.ones([d])), b: own(tfx.zeros([d])) });
    this.tokEmb = normal([vocab, d]);
    this.posEmb = normal([seqLen, d]);
    this.blocks = [];
    const f = options.ffn;
    // Residual projections scaled by 1/sqrt(2·layers) (GPT-2).
    const outStd = std / Math.sqrt(2 * layers);
    for (let l = 0; l < layers; l++) {
      const moeHere = f.kind === 'moe' && ((f.every ?? 1) === 1 || l % 2 === 1);
      let ffn: Dense | MoeLayer;
      if (f.kind === 'moe' && moeHere) {
        ffn = new MoeLayer(engine, {
          dModel: d, dHidden: f.dHidden, experts: f.experts, router: f.router, activation: this.activation,
          seed: seed * 1000 + l + 1, initStd: std,
        }, `model.layers[${l}].moe`);
      } else {
        const h = f.kind === 'moe' ? (f.denseHidden ?? f.dHidden) : f.dHidden;
        ffn = { w1: normal([d, h]), b1: own(tfx.zeros([h])), w2: normal([h, d], outStd), b2: own(tfx.zeros([d])) };
      }
      this.blocks.push({
        ln1: ln(), wq: normal([d, d]), wk: normal([d, d]), wv: normal([d, d]), wo: normal([d, d], outStd), ln2: ln(), ffn,
      });
    }
    this.lnF = ln();
  }

  variables(): tf.Variable[] {
    const v: tf.Variable[] = [this.tokEmb, this.posEmb];
    for (const b of this.blocks) {
      v.push(b.ln1.g, b.ln1.b, b.wq, b.wk, b.wv, b.wo, b.ln2.g, b.ln2.b);
      if (b.ffn instanceof MoeLayer) v.push(...b.ffn.variables());
      else v.push(b.ffn.w1, b.ffn.b1, b.ffn.w2, b.ffn.b2);
    }
    v.push(this.lnF.g, this.lnF.b);
    return v;
  }

  /** Total parameters, and those one token uses (embedding counted once; a MoE layer counts k experts). */
  parameterCount(): { total: number; active: number } {
    let total = 0;
    let inactive = 0;
    for (const v of this.variables()) total += v.size;
    for (const b of this.blocks) {
      if (!(b.ffn instanceof MoeLayer)) continue;
      const per = b.ffn.dModel * b.ffn.dHidden * 2 + b.ffn.dHidden + b.ffn.dModel;
      const k = b.ffn.router.k ?? b.ffn.router.capacityFactor ?? 1;
      inactive += Math.round(per * (b.ffn.experts - k));
    }
    return { total, active: total - inactive };
  }

  moeLayers(): MoeLayer[] {
    return this.blocks.flatMap((b) => (b.ffn instanceof MoeLayer ? [b.ffn] : []));
  }

  /** Logits [B·S, vocab] of `tokens` (B sequences of S, row-major), and the routing losses and records. */
  forward(tokens: Int32Array, batch: number, options: LmForwardOptions = {}): { logits: tf.Tensor2D; routingLoss: tf.Scalar; routings: (RoutingRecord | null)[] } {
    const tfx = this.engine.tf;
    const eng = this.engine;
    const { dModel: d, heads, vocab } = this.options;
    const N = tokens.length;
    const S = N / batch;
    if (!Number.isInteger(S) || S < 1 || S > this.options.seqLen) {
      throw invalidInput('tokens', `${N} tokens do not make ${batch} sequences of at most ${this.options.seqLen}`);
    }
    for (let i = 0; i < N; i++) {
      if (!(tokens[i]! >= 0 && tokens[i]! < vocab)) throw invalidInput('tokens', `token ${tokens[i]} at ${i} is outside the vocabulary of ${vocab}`);
    }
    const dh = d / heads;
    const pos = tfx.slice(this.posEmb, [0, 0], [S, d]);
    let x = tfx.reshape(tfx.add(tfx.reshape(eng.gatherRows(this.tokEmb as unknown as tf.Tensor2D, tokens), [batch, S, d]), pos), [N, d]) as tf.Tensor2D;
    const mask = tfx.tensor2d(causalMask(S), [S, S]);
    const routings: (RoutingRecord | null)[] = [];
    const losses: tf.Scalar[] = [];
    const heads3 = (t: tf.Tensor2D) => tfx.reshape(tfx.transpose(tfx.reshape(t, [batch, S, heads, dh]), [0, 2, 1, 3]), [batch * heads, S, dh]) as tf.Tensor3D;
    for (const b of this.blocks) {
      const h = this.layerNorm(x, b.ln1);
      const q = heads3(eng.linear(h, b.wq as unknown as tf.Tensor2D));
      const k = heads3(eng.linear(h, b.wk as unknown as tf.Tensor2D));
      const v = heads3(eng.linear(h, b.wv as unknown as tf.Tensor2D));
      const kT = tfx.transpose(k, [0, 2, 1]) as tf.Tensor3D;
      const scores = tfx.add(tfx.mul(eng.bmm(q, kT), 1 / Math.sqrt(dh)), mask);
      const att = eng.bmm(tfx.softmax(scores) as tf.Tensor3D, v);
      const merged = tfx.reshape(tfx.transpose(tfx.reshape(att, [batch, heads, S, dh]), [0, 2, 1, 3]), [N, d]) as tf.Tensor2D;
      x = tfx.add(x, eng.linear(merged, b.wo as unknown as tf.Tensor2D));
      const h2 = this.layerNorm(x, b.ln2);
      if (b.ffn instanceof MoeLayer) {
        const out = b.ffn.forward(h2, { training: options.training, rng: options.rng, sequenceLength: S });
        x = tfx.add(x, out.y);
        routings.push(out.routing);
        losses.push(out.loss);
      } else {
        const f = b.ffn;
        const inner = this.act(eng.linear(h2, f.w1 as unknown as tf.Tensor2D, f.b1 as unknown as tf.Tensor1D));
        x = tfx.add(x, eng.linear(inner, f.w2 as unknown as tf.Tensor2D, f.b2 as unknown as tf.Tensor1D));
        routings.push(null);
      }
    }
    const hF = this.layerNorm(x, this.lnF);
    const logits = eng.linear(hF, tfx.transpose(this.tokEmb) as tf.Tensor2D);
    const routingLoss = (losses.length === 0 ? tfx.scalar(0) : losses.length === 1 ? losses[0]! : tfx.addN(losses)) as tf.Scalar;
    return { logits, routingLoss, routings };
  }

  /** Next-token loss: `targets[i]` is the token after `tokens[i]`. */
  loss(tokens: Int32Array, targets: Int32Array, batch: number, options: LmForwardOptions = {}): LmLoss {
    const tfx = this.engine.tf;
    const { logits, routingLoss, routings } = this.forward(tokens, batch, options);
    const logp = tfx.logSoftmax(logits);
    const ce = tfx.neg(tfx.mean(tfx.sum(tfx.mul(logp, tfx.oneHot(tfx.tensor1d(targets, 'int32'), this.options.vocab)), 1))) as tf.Scalar;
    return { loss: tfx.add(ce, routingLoss) as tf.Scalar, ce, routings };
  }

  /** After an optimizer step: aux-free routers move their biases. */
  afterStep(routings: readonly (RoutingRecord | null)[]): void {
    this.blocks.forEach((b, i) => {
      const r = routings[i];
      if (b.ffn instanceof MoeLayer && r) b.ffn.afterStep(r);
    });
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }

  private layerNorm(x: tf.Tensor2D, p: { g: tf.Variable; b: tf.Variable }): tf.Tensor2D {
    const tfx = this.engine.tf;
    const { mean, variance } = tfx.moments(x, 1, true);
    return tfx.add(tfx.mul(tfx.div(tfx.sub(x, mean), tfx.sqrt(tfx.add(variance, 1e-5))), p.g), p.b);
  }

  private act(h: tf.Tensor2D): tf.Tensor2D {
    return activate(this.engine, h, this.activation);
  }
}

function causalMask(S: number): Float32Array {
  const m = new Float32Array(S * S);
  for (let i = 0; i < S; i++) for (let j = i + 1; j < S; j++) m[i * S + j] = -1e9;
  return m;
}
