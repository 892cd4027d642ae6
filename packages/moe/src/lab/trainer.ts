// The lab's training loop: seeded data, model and noise, AdamW, evaluations on a fixed held-out set, router metrics
// of every MoE layer at every step into the store, checkpoints that resume to the same bits.
import { ExitCode, VerdantError } from '@verdant/core';
import type { Engine } from '../engine.js';
import { initEngine } from '../engine.js';
import { MoeLayer, type RoutingRecord } from '../layer.js';
import { deadExperts, layerMetrics, maxViolation, top1, top1ChangeFraction } from '../metrics.js';
import { MoeLm, denseBaseline } from '../model.js';
import { AdamW } from '../optim.js';
import { Rng } from '../rng.js';
import { sampleBatch, trainStep, type Batch } from '../train.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointHeader } from './checkpoint.js';
import { configFingerprint, lmOptionsOf, type TrainConfig } from './config.js';
import { loadText, splitTokens, tokenize } from './corpus.js';
import type { MoeStore, StepLayerMetrics, StepRecord } from './store.js';

export interface TrainContext {
  /** The Verdant run measuring this attempt; a new training takes it as its id. */
  runId: string;
  /** Where steps and router metrics go (none: nothing is stored). */
  store?: MoeStore;
  engine?: Engine;
  /** Asked after every step: true saves a checkpoint and returns (the checkpoint-signal contract). */
  shouldStop?: () => boolean;
  /** After every step (the progress channel). */
  onStep?: (step: StepRecord, total: number) => void | Promise<void>;
}

export interface TrainOutcome {
  trainingId: string;
  /** completed: all steps done now; checkpointed: stopped on request, state saved; done-before: the checkpoint was already at the end. */
  status: 'completed' | 'checkpointed' | 'done-before';
  fromStep: number;
  stepsDone: number;
  totalSteps: number;
  tokens: number;
  trainS: number;
  /** Losses of the steps this attempt trained (step fromStep+1 onwards). */
  losses: number[];
  finalLoss: number | null;
  evalLoss: number | null;
  /** The last step's metrics of each MoE layer (block index `layer`). */
  layers: Array<{ layer: number; metrics: StepLayerMetrics }>;
  parameters: { total: number; active: number };
  vocab: number;
}

interface EvalResult {
  loss: number;
  loads: number[][];
  probeTop1: Int32Array[];
}

function evaluate(engine: Engine, model: MoeLm, batches: readonly Batch[]): EvalResult {
  let loss = 0;
  let loads: number[][] = [];
  let probeTop1: Int32Array[] = [];
  batches.forEach((b, i) => {
    let routings: (RoutingRecord | null)[] = [];
    loss += engine.tf.tidy(() => {
      const out = model.loss(b.tokens, b.targets, b.batch);
      routings = out.routings;
      return out.ce.dataSync()[0]!;
    });
    const moe = routings.filter((r): r is RoutingRecord => r !== null);
    if (i === 0) {
      loads = moe.map((r) => r.loadBefore.slice());
      probeTop1 = moe.map((r) => top1(r.probs, r.tokens, r.experts));
    } else moe.forEach((r, l) => r.loadBefore.forEach((v, e) => (loads[l]![e]! += v)));
  });
  return { loss: loss / batches.length, loads, probeTop1 };
}

/**
 * Trains `config` (already checked by parseTrainConfig). With a checkpoint directory that holds a checkpoint of the
 * same config it continues from there, to the same losses, weights and metrics as an uninterrupted run; a checkpoint
 * of another config is refused (field checkpointDir).
 */
export async function trainLab(config: TrainConfig, ctx: TrainContext): Promise<TrainOutcome> {
  const engine = ctx.engine ?? (await initEngine());
  const tfx = engine.tf;
  const enc = tokenize(loadText(config), config.tokenizer);
  const { train, heldOut } = splitTokens(enc, config.model.seqLen);
  const moeOptions = lmOptionsOf(config, enc.vocab);
  const model = new MoeLm(engine, config.model.dense ? denseBaseline(moeOptions, config.model.dense) : moeOptions);
  const variables = model.variables();
  const opt = new AdamW(tfx, variables, { ...config.optimizer, totalSteps: config.steps });
  const evalRng = new Rng(config.seed * 7919 + 3);
  const evalSet = Array.from({ length: config.evalBatches }, () => sampleBatch(heldOut, config.batch, config.model.seqLen, evalRng));
  const moeBlocks = model.blocks.flatMap((b, i) => (b.ffn instanceof MoeLayer ? [i] : []));
  const fingerprint = configFingerprint(config);

  let dataRng = new Rng(config.seed * 2 + 1);
  let noiseRng = new Rng(config.seed * 2 + 2);
  let step = 0;
  let tokens = 0;
  let trainS = 0;
  let trainingId = ctx.runId;
  let window: number[][][] = moeBlocks.map(() => []);
  let probeTop1: (Int32Array | null)[] = moeBlocks.map(() => null);
  const tokensPerStep = config.batch * config.model.seqLen;

  const saved = config.checkpointDir ? loadCheckpoint(config.checkpointDir) : undefined;
  if (saved) {
    const h = saved.header;
    if (h.fingerprint !== fingerprint) {
      throw new VerdantError(`the checkpoint in ${config.checkpointDir} is of another training config`, {
        field: 'checkpointDir',
        fix: 'train with the config it was saved with, or give another (empty) checkpoint directory',
        exitCode: ExitCode.usage,
      });
    }
    const n = variables.length;
    if (saved.arrays.length !== 3 * n) throw new VerdantError(`the checkpoint in ${config.checkpointDir} does not fit the model`, { field: 'checkpointDir', fix: 'remove it to start afresh', exitCode: ExitCode.usage });
    variables.forEach((v, i) => v.assign(tfx.tensor(saved.arrays[i]!, v.shape)));
    opt.load({ step: h.adamStep, m: saved.arrays.slice(n, 2 * n), v: saved.arrays.slice(2 * n) });
    model.blocks.forEach((b, i) => {
      const bias = h.biases[i];
      if (bias && b.ffn instanceof MoeLayer) b.ffn.bias = Float32Array.from(bias);
    });
    dataRng = Rng.restore(h.rngData);
    noiseRng = Rng.restore(h.rngNoise);
    step = h.step;
    tokens = h.tokens;
    trainS = h.trainS;
    trainingId = h.trainingId;
    window = h.window;
    probeTop1 = h.probeTop1.map((p) => (p ? Int32Array.from(p) : null));
  }
  const fromStep = step;

  const checkpoint = () => {
    if (!config.checkpointDir) return;
    const header: Omit<CheckpointHeader, 'sizes'> = {
      version: 1, fingerprint, trainingId, step, tokens, trainS,
      rngData: dataRng.save(), rngNoise: noiseRng.save(), adamStep: opt.step,
      biases: model.blocks.map((b) => (b.ffn instanceof MoeLayer && b.ffn.router.kind === 'aux-free' ? Array.from(b.ffn.bias) : null)),
      window, probeTop1: probeTop1.map((p) => (p ? Array.from(p) : null)),
    };
    const adam = opt.save();
    saveCheckpoint(config.checkpointDir, header, [...variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)), ...adam.m, ...adam.v]);
  };

  const summaryConfig = { ...config, vocab: enc.vocab, ...(enc.chars ? { chars: enc.chars.join('') } : {}), parameters: model.parameterCount() };
  await ctx.store?.begin({ id: trainingId, name: config.name, source: 'lab', config: summaryConfig, totalSteps: config.steps, runId: ctx.runId, fromStep });

  const losses: number[] = [];
  let lastLayers: Array<{ layer: number; metrics: StepLayerMetrics }> = [];
  let finalLoss: number | null = null;
  let evalLoss: number | null = null;
  let status: TrainOutcome['status'] = step >= config.steps ? 'done-before' : 'completed';
  try {
    while (step < config.steps) {
      const batch = sampleBatch(train, config.batch, config.model.seqLen, dataRng);
      const t0 = performance.now();
      const r = trainStep(engine, model, opt, batch, noiseRng);
      trainS += (performance.now() - t0) / 1000;
      step++;
      tokens += tokensPerStep;
      losses.push(r.loss);
      finalLoss = r.loss;
      const moe = r.routings.filter((x): x is RoutingRecord => x !== null);
      const layers = moe.map((routing, l) => {
        const w = window[l]!;
        w.push(routing.loadBefore.slice());
        if (w.length > config.deadWindow) w.shift();
        const dead = deadExperts(w);
        return { layer: moeBlocks[l]!, metrics: { ...layerMetrics(routing), dead: dead.dead, nearDead: dead.nearDead, globalMaxVio: null, top1Change: null } as StepLayerMetrics };
      });
      let stepEval: number | null = null;
      if (step % config.evalInterval === 0 || step === config.steps) {
        const ev = evaluate(engine, model, evalSet);
        stepEval = ev.loss;
        evalLoss = ev.loss;
        layers.forEach((l, i) => {
          l.metrics.globalMaxVio = maxViolation(ev.loads[i]!);
          const before = probeTop1[i];
          if (before) l.metrics.top1Change = top1ChangeFraction(before, ev.probeTop1[i]!);
          probeTop1[i] = ev.probeTop1[i]!;
        });
      }
      lastLayers = layers;
      const record: StepRecord = { step, runId: ctx.runId, t: Date.now() / 1000, trainS, tokens, loss: r.loss, ce: r.ce, lr: r.lr, evalLoss: stepEval };
      await ctx.store?.recordStep(trainingId, record, layers);
      await ctx.onStep?.(record, config.steps);
      if (step < config.steps && ctx.shouldStop?.()) {
        checkpoint();
        status = 'checkpointed';
        break;
      }
      if (config.checkpointInterval > 0 && step % config.checkpointInterval === 0) checkpoint();
    }
    if (status === 'completed') checkpoint(); // a restart after the end finds it done
    await ctx.store?.setStatus(trainingId, status === 'checkpointed' ? 'checkpointed' : 'succeeded');
  } catch (e) {
    await ctx.store?.setStatus(trainingId, 'failed').catch(() => undefined);
    throw e;
  } finally {
    opt.dispose();
    model.dispose();
  }
  return {
    trainingId, status, fromStep, stepsDone: step, totalSteps: config.steps, tokens, trainS, losses, finalLoss, evalLoss,
    layers: lastLayers, parameters: summaryConfig.parameters, vocab: enc.vocab,
  };
}
