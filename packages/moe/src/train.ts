// One deterministic training step, byte-level data and batches drawn from a seeded generator.
import { invalidInput } from '@verdant/core/errors';
import type { Engine } from './engine.js';
import type { RoutingRecord } from './layer.js';
import type { MoeLm } from './model.js';
import type { AdamW } from './optim.js';
import { Rng } from './rng.js';

/** UTF-8 bytes of a text: the byte-level vocabulary (256). */
export function encodeBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export interface Batch {
  tokens: Int32Array;
  targets: Int32Array;
  batch: number;
  seqLen: number;
}

/** `batch` windows of `seqLen + 1` tokens at random offsets of `data`; targets are the inputs shifted by one. */
export function sampleBatch(data: ArrayLike<number>, batch: number, seqLen: number, rng: Rng): Batch {
  if (!Number.isInteger(batch) || batch < 1) throw invalidInput('batch', `must be a whole number >= 1, got ${String(batch)}`);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw invalidInput('seqLen', `must be a whole number >= 1, got ${String(seqLen)}`);
  if (data.length < seqLen + 1) {
    throw invalidInput('data', `has ${data.length} tokens, fewer than one sequence of ${seqLen} + 1`, 'use a longer text or a shorter sequence');
  }
  const tokens = new Int32Array(batch * seqLen);
  const targets = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    const at = Math.floor(rng.next() * (data.length - seqLen));
    for (let s = 0; s < seqLen; s++) {
      tokens[b * seqLen + s] = data[at + s]!;
      targets[b * seqLen + s] = data[at + s + 1]!;
    }
  }
  return { tokens, targets, batch, seqLen };
}

export interface StepResult {
  /** Total loss (cross-entropy + routing losses) and cross-entropy alone, nats per token. */
  loss: number;
  ce: number;
  lr: number;
  routings: (RoutingRecord | null)[];
}

/** Forward, backward, AdamW update and the aux-free bias update; `rng` drives the noisy routers. */
export function trainStep(engine: Engine, model: MoeLm, optimizer: AdamW, b: Batch, rng: Rng): StepResult {
  const tfx = engine.tf;
  let routings: (RoutingRecord | null)[] = [];
  let ce = 0;
  let loss = 0;
  let lr = 0;
  tfx.tidy(() => {
    const { value, grads } = tfx.variableGrads(() => {
      const out = model.loss(b.tokens, b.targets, b.batch, { training: true, rng });
      routings = out.routings;
      ce = out.ce.dataSync()[0]!;
      return out.loss;
    }, model.variables());
    loss = value.dataSync()[0]!;
    lr = optimizer.apply(grads);
  });
  model.afterStep(routings);
  return { loss, ce, lr, routings };
}

/** Mean cross-entropy of a batch without training (nats per token). */
export function evalLoss(engine: Engine, model: MoeLm, b: Batch): number {
  return engine.tf.tidy(() => model.loss(b.tokens, b.targets, b.batch).ce.dataSync()[0]!);
}
