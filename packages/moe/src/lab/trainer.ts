// The lab's training: the step loop of a TrainingSession (seeded data, model and noise, AdamW, evaluations on a fixed
// held-out set, router metrics of every MoE layer) with every step's metrics into the store, the stop signal, and
// checkpoints that resume to the same bits.
import { ExitCode, VerdantError } from '@verdant/core';
import type { Engine } from '../engine.js';
import { initEngine } from '../engine.js';
import { MoeLayer } from '../layer.js';
import { TrainingSession } from '../session.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointHeader } from './checkpoint.js';
import { configFingerprint, type TrainConfig } from './config.js';
import { loadText } from './corpus.js';
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

/**
 * Trains `config` (already checked by parseTrainConfig). With a checkpoint directory that holds a checkpoint of the
 * same config it continues from there, to the same losses, weights and metrics as an uninterrupted run; a checkpoint
 * of another config is refused (field checkpointDir).
 */
export async function trainLab(config: TrainConfig, ctx: TrainContext): Promise<TrainOutcome> {
  const engine = ctx.engine ?? (await initEngine());
  const tfx = engine.tf;
  const session = new TrainingSession(engine, config, loadText(config));
  // Disposed on every path: a refused checkpoint or a store that fails to begin must not leak the model's tensors
  // (callers in one process share one engine).
  try {
    const { model, opt } = session;
    const variables = model.variables();
    const fingerprint = configFingerprint(config);
    let trainingId = ctx.runId;

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
      variables.forEach((v, i) => {
        const x = tfx.tensor(saved.arrays[i]!, v.shape);
        v.assign(x);
        x.dispose();
      });
      opt.load({ step: h.adamStep, m: saved.arrays.slice(n, 2 * n), v: saved.arrays.slice(2 * n) });
      model.blocks.forEach((b, i) => {
        const bias = h.biases[i];
        if (bias && b.ffn instanceof MoeLayer) b.ffn.bias = Float32Array.from(bias);
      });
      session.restoreState({
        step: h.step, tokens: h.tokens, trainS: h.trainS, rngData: h.rngData, rngNoise: h.rngNoise, window: h.window,
        probeTop1: h.probeTop1.map((p) => (p ? Int32Array.from(p) : null)),
      });
      trainingId = h.trainingId;
    }
    const fromStep = session.step;

    const checkpoint = () => {
      if (!config.checkpointDir) return;
      const st = session.saveState();
      const header: Omit<CheckpointHeader, 'sizes'> = {
        version: 1, fingerprint, trainingId, step: st.step, tokens: st.tokens, trainS: st.trainS,
        rngData: st.rngData, rngNoise: st.rngNoise, adamStep: opt.step,
        biases: model.blocks.map((b) => (b.ffn instanceof MoeLayer && b.ffn.router.kind === 'aux-free' ? Array.from(b.ffn.bias) : null)),
        window: st.window, probeTop1: st.probeTop1.map((p) => (p ? Array.from(p) : null)),
      };
      const adam = opt.save();
      saveCheckpoint(config.checkpointDir, header, [...variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)), ...adam.m, ...adam.v]);
    };

    const summaryConfig = { ...config, vocab: session.vocab, ...(session.chars ? { chars: session.chars.join('') } : {}), parameters: model.parameterCount() };
    await ctx.store?.begin({ id: trainingId, name: config.name, source: 'lab', config: summaryConfig, totalSteps: config.steps, runId: ctx.runId, fromStep });

    const losses: number[] = [];
    let lastLayers: Array<{ layer: number; metrics: StepLayerMetrics }> = [];
    let finalLoss: number | null = null;
    let evalLoss: number | null = null;
    let status: TrainOutcome['status'] = session.done ? 'done-before' : 'completed';
    try {
      while (!session.done) {
        const s = session.next();
        losses.push(s.loss);
        finalLoss = s.loss;
        if (s.evalLoss !== null) evalLoss = s.evalLoss;
        lastLayers = s.layers;
        const record: StepRecord = { step: s.step, runId: ctx.runId, t: Date.now() / 1000, trainS: s.trainS, tokens: s.tokens, loss: s.loss, ce: s.ce, lr: s.lr, evalLoss: s.evalLoss };
        await ctx.store?.recordStep(trainingId, record, s.layers);
        await ctx.onStep?.(record, config.steps);
        if (!session.done && ctx.shouldStop?.()) {
          checkpoint();
          status = 'checkpointed';
          break;
        }
        if (config.checkpointInterval > 0 && s.step % config.checkpointInterval === 0) checkpoint();
      }
      if (status === 'completed') checkpoint(); // a restart after the end finds it done
      await ctx.store?.setStatus(trainingId, status === 'checkpointed' ? 'checkpointed' : 'succeeded');
    } catch (e) {
      await ctx.store?.setStatus(trainingId, 'failed').catch(() => undefined);
      throw e;
    }
    const end = session.saveState();
    return {
      trainingId, status, fromStep, stepsDone: end.step, totalSteps: config.steps, tokens: end.tokens, trainS: end.trainS, losses, finalLoss, evalLoss,
      layers: lastLayers, parameters: summaryConfig.parameters, vocab: session.vocab,
    };
  } finally {
    session.dispose();
  }
}
