// AdamW (decoupled weight decay) with a linear warm-up and a cosine decay of the learning rate.
import type * as tf from '@tensorflow/tfjs';
import { invalidInput } from '@verdant/core/errors';
import type { Tf } from './engine.js';

export interface AdamWOptions {
  /** Peak learning rate. */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied to matrices only (not to biases, norms' gains or 1-D tensors). */
  weightDecay?: number;
  /** Steps of linear warm-up from lr/warmupSteps to lr. */
  warmupSteps?: number;
  /** Steps of the whole run: the cosine decays from lr to minLrRatio·lr at this step. */
  totalSteps: number;
  minLrRatio?: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  clipNorm?: number;
}

type Resolved = Required<AdamWOptions>;

export function resolveAdamW(o: AdamWOptions, field = 'optimizer'): Resolved {
  if (o === null || typeof o !== 'object') throw invalidInput(field, 'must be an object', 'give at least { lr, totalSteps }');
  const r: Resolved = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, warmupSteps: 0, minLrRatio: 0.1, clipNorm: 1, ...o };
  const num = (key: keyof Resolved, ok: (v: number) => boolean, want: string) => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalidInput(`${field}.${key}`, `must be ${want}, got ${String(v)}`);
  };
  num('lr', (v) => v > 0, 'a number > 0');
  num('beta1', (v) => v >= 0 && v < 1, 'in [0, 1)');
  num('beta2', (v) => v >= 0 && v < 1, 'in [0, 1)');
  num('eps', (v) => v > 0, 'a number > 0');
  num('weightDecay', (v) => v >= 0, 'a number >= 0');
  num('warmupSteps', (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  num('totalSteps', (v) => Number.isInteger(v) && v >= 1, 'a whole number >= 1');
  num('minLrRatio', (v) => v >= 0 && v <= 1, 'in [0, 1]');
  num('clipNorm', (v) => v >= 0, 'a number >= 0 (0: no clipping)');
  if (r.warmupSteps > r.totalSteps) {
    throw invalidInput(`${field}.warmupSteps`, `${r.warmupSteps} is more than the ${r.totalSteps} steps`, 'use fewer warm-up steps than steps');
  }
  return r;
}

/** Learning rate at step `step` (0-based): linear warm-up, then cosine from lr down to minLrRatio·lr. */
export function learningRate(step: number, o: Resolved): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (step - o.warmupSteps) / span);
  const min = o.lr * o.minLrRatio;
  return min + 0.5 * (o.lr - min) * (1 + Math.cos(Math.PI * progress));
}

export class AdamW {
  readonly options: Resolved;
  /** Steps taken. */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(private readonly tfx: Tf, private readonly params: tf.Variable[], options: AdamWOptions) {
    this.options = resolveAdamW(options);
    // Each initial tensor freed once its variable holds the data (dispose() frees the variables).
    const zeros = (p: tf.Variable): tf.Variable => {
      const t = tfx.zerosLike(p);
      const v = tfx.variable(t, false);
      t.dispose();
      return v;
    };
    this.m = params.map(zeros);
    this.v = params.map(zeros);
  }

  /** Apply one update; `grads` by variable name (as tf.variableGrads returns them); a missing gradient counts as 0. Returns the learning rate used. */
  apply(grads: Record<string, tf.Tensor>): number {
    const tfx = this.tfx;
    const o = this.options;
    const lr = learningRate(this.step, o);
    this.step++;
    const t = this.step;
    const c1 = 1 - o.beta1 ** t;
    const c2 = 1 - o.beta2 ** t;
    tfx.tidy(() => {
      let scale = 1;
      if (o.clipNorm > 0) {
        const sq = Object.values(grads).map((g) => tfx.sum(tfx.square(g)));
        const norm = sq.length === 0 ? 0 : Math.sqrt((tfx.addN(sq).dataSync()[0])!);
        if (norm > o.clipNorm) scale = o.clipNorm / norm;
      }
      this.params.forEach((p, i) => {
        const g0 = grads[p.name];
        const g = g0 ? (scale === 1 ? g0 : tfx.mul(g0, scale)) : tfx.zerosLike(p);
        const m = tfx.add(tfx.mul(this.m[i]!, o.beta1), tfx.mul(g, 1 - o.beta1));
        const v = tfx.add(tfx.mul(this.v[i]!, o.beta2), tfx.mul(tfx.square(g), 1 - o.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        let update = tfx.div(tfx.div(m, c1), tfx.add(tfx.sqrt(tfx.div(v, c2)), o.eps));
        if (o.weightDecay > 0 && p.rank >= 2) update = tfx.add(update, tfx.mul(p, o.weightDecay));
        p.assign(tfx.sub(p, tfx.mul(update, lr)));
      });
    });
    return lr;
  }

  /** The moments and the step count, to save in a checkpoint (`load` puts them back). */
  save(): { step: number; m: Float32Array[]; v: Float32Array[] } {
    return {
      step: this.step,
      m: this.m.map((t) => t.dataSync() as Float32Array),
      v: this.v.map((t) => t.dataSync() as Float32Array),
    };
  }

  load(saved: { step: number; m: readonly Float32Array[]; v: readonly Float32Array[] }): void {
    if (saved.m.length !== this.m.length || saved.v.length !== this.v.length) {
      throw new RangeError(`the saved optimizer has ${saved.m.length} moments, this one ${this.m.length}`);
    }
    this.step = saved.step;
    const set = (t: tf.Variable, data: Float32Array) => {
      const x = this.tfx.tensor(data, t.shape);
      t.assign(x);
      x.dispose();
    };
    this.m.forEach((t, i) => set(t, saved.m[i]!));
    this.v.forEach((t, i) => set(t, saved.v[i]!));
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
