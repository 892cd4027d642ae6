// The lab's training step as a workload for `verdant accel bench` (the CLI passes it to @verdant/accel's benchCpu:
// accel does not depend on the lab). A full step of the lab's language model: forward, backward, AdamW.
import { invalidInput } from '@verdant/core';
import { initEngine } from '../engine.js';
import { MoeLm } from '../model.js';
import { AdamW } from '../optim.js';
import { Rng } from '../rng.js';
import { sampleBatch, trainStep } from '../train.js';
import { MODEL_SIZES, type ModelSize } from './config.js';

/** One training step to time, with what a bench reports of it (structurally @verdant/accel's TrainingWorkload). */
export interface TrainingStepWorkload {
  model: string;
  tokensPerStep: number;
  paramsTotal: number;
  paramsActive: number;
  precision: 'fp32';
  step(): void;
  dispose(): void;
}

export interface TrainingStepWorkloadOptions {
  /** Model size of the lab (default reference: issue 10's configuration). */
  size?: ModelSize;
  /** Sequences per step (default 16, the reference benchmark's). */
  batch?: number;
}

/**
 * The MoE lab's training step on the lab's engine (TensorFlow.js wasm, one thread): the model of `size` with a GShard
 * top-2 router at capacity factor 1.25 in every block, byte vocabulary, random tokens from a fixed seed; as
 * packages/moe/bench/lm-step.mjs times it.
 */
export async function trainingStepWorkload(opts: TrainingStepWorkloadOptions = {}): Promise<TrainingStepWorkload> {
  const size = opts.size ?? 'reference';
  const batch = opts.batch ?? 16;
  if (!(size in MODEL_SIZES)) throw invalidInput('size', `must be one of ${Object.keys(MODEL_SIZES).join(', ')}, got ${JSON.stringify(size)}`);
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= 1024)) throw invalidInput('batch', `must be a whole number from 1 to 1024, got ${batch}`);
  const m = MODEL_SIZES[size];
  const engine = await initEngine();
  const model = new MoeLm(engine, {
    vocab: 256, seqLen: m.seqLen, dModel: m.dModel, heads: m.heads, layers: m.layers, seed: 1,
    ffn: { kind: 'moe', experts: m.experts, dHidden: m.dHidden, every: m.every, router: { kind: 'gshard', capacityFactor: 1.25 } },
  });
  const opt = new AdamW(engine.tf, model.variables(), { lr: 1e-3, totalSteps: 1_000_000 });
  const rng = new Rng(1);
  const data = Uint8Array.from({ length: 100_000 }, () => Math.floor(rng.next() * 256));
  const { total, active } = model.parameterCount();
  return {
    model: `MoE lab ${size}: ${m.layers} layers, d_model ${m.dModel}, ${m.experts} experts of width ${m.dHidden}, GShard top-2; batch ${batch} × ${m.seqLen} (TensorFlow.js ${engine.backend}, one thread)`,
    tokensPerStep: batch * m.seqLen,
    paramsTotal: total,
    paramsActive: active,
    precision: 'fp32',
    step: () => void trainStep(engine, model, opt, sampleBatch(data, batch, m.seqLen, rng), rng),
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}
