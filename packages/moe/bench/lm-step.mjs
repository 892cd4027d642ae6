// The lab's side of the training-step benchmark (run by train-step.bench.mjs, one process per model):
// node lm-step.mjs [--steps N] [--warmup N] [--dense]. Prints "warm" after the warm-up steps, then one JSON line.
import { parseArgs } from 'node:util';
import { AdamW, MoeLm, Rng, denseBaseline, initEngine, sampleBatch, trainStep } from '@verdant/moe';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '3' }, warmup: { type: 'string', default: '1' }, dense: { type: 'boolean', default: false } } });
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const B = 16;
const S = 128;
/** The reference config of issue 10. */
export const REFERENCE = {
  vocab: 256, seqLen: S, dModel: 256, heads: 4, layers: 4, seed: 1,
  ffn: { kind: 'moe', experts: 8, dHidden: 1024, router: { kind: 'gshard', capacityFactor: 1.25 } },
};
const engine = await initEngine();
const model = new MoeLm(engine, values.dense ? denseBaseline(REFERENCE, 'active') : REFERENCE);
const opt = new AdamW(engine.tf, model.variables(), { lr: 1e-3, totalSteps: warmup + steps });
const rng = new Rng(1);
const data = Uint8Array.from({ length: 100_000 }, () => Math.floor(rng.next() * 256));
for (let i = 0; i < warmup; i++) trainStep(engine, model, opt, sampleBatch(data, B, S, rng), rng);
console.log('warm');
const t0 = performance.now();
for (let i = 0; i < steps; i++) trainStep(engine, model, opt, sampleBatch(data, B, S, rng), rng);
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ tokens_per_s: (steps * B * S) / s, step_s: s / steps, steps, backend: engine.backend, dense: values.dense }));
