// A training of the lab one step at a time, with no store, file or process around it: the step loop of the Node lab
// (lab/trainer.ts adds the store, checkpoints and the stop signal around it) and what the browser lab runs in a Web
// Worker. Data, weights, noise and evaluations come from fixed seeds in a fixed order, so a config trained in the
// browser gives the losses and router metrics that `verdant moe train` gives (packages/moe/test/browser.test.ts).
import { invalidInput } from '@verdant/core/errors';
import type { Engine } from './engine.js';
import { MoeLayer, type RoutingRecord } from './layer.js';
import { deadExperts, layerMetrics, maxViolation, top1, top1ChangeFraction } from './metrics.js';
import { MoeLm, denseBaseline } from './model.js';
import { AdamW } from './optim.js';
import { Rng } from './rng.js';
import { sampleBatch, trainStep, type Batch } from './train.js';
import { lmOptionsOf, type TrainConfig } from './lab/config.js';
import type { StepLayerMetrics } from './lab/store.js';
import { splitTokens, tokenize } from './lab/text.js';

/** One step of a session: the losses, the clock and the router metrics of every MoE layer. */
export interface SessionStep {
  step: number;
  totalSteps: number;
  /** Total loss (cross-entropy + routing losses) and cross-entropy, nats per token. */
  loss: number;
  ce: number;
  lr: number;
  /** Held-out cross-entropy on eval steps (every evalInterval and the last), else null. */
  evalLoss: number | null;
  /** Tokens trained so far, and the seconds spent in training steps (evaluations not counted). */
  tokens: number;
  trainS: number;
  /** This step's training speed. */
  tokensPerS: number;
  /** Block index and metrics of each MoE layer. */
  layers: Array<{ layer: number; metrics: StepLayerMetrics }>;
}

/** What a checkpoint holds besides the weights and AdamW's moments: where the session is and its generators. */
export interface SessionState {
  step: number;
  tokens: number;
  trainS: number;
  rngData: ReturnType<Rng['save']>;
  rngNoise: ReturnType<Rng['save']>;
  /** Load vectors of the dead-expert window, by MoE layer. */
  window: number[][][];
  /** Top-1 expert of each probe token at the last evaluation, by MoE layer. */
  probeTop1: (Int32Array | null)[];
}

interface EvalResult {
  loss: number;
  loads: number[][];
  probeTop1: Int32Array[];
}

/**
 * A training of `config` (checked by parseTrainConfig) on `text`, stepped by the caller. The config's data field is
 * not read: the caller gives the text (the browser has no files). Dispose it to free the tensors.
 */
export class TrainingSession {
  readonly config: TrainConfig;
  readonly model: MoeLm;
  readonly vocab: number;
  /** The characters of a char-level vocabulary, in token order (null for bytes). */
  readonly chars: string[] | null;
  /** Block indices of the MoE layers. */
  readonly moeBlocks: number[];
  readonly opt: AdamW;
  private readonly engine: Engine;
  private readonly train: ArrayLike<number>;
  private readonly evalSet: Batch[];
  private dataRng: Rng;
  private noiseRng: Rng;
  private window: number[][][];
  private probeTop1: (Int32Array | null)[];
  private stepsDone = 0;
  private tokens = 0;
  private trainS = 0;
  private disposed = false;

  constructor(engine: Engine, config: TrainConfig, text: string) {
    if (typeof text !== 'string' || text.length === 0) throw invalidInput('text', 'is empty', 'give the text to train on');
    this.engine = engine;
    this.config = config;
    const enc = tokenize(text, config.tokenizer);
    const { train, heldOut } = splitTokens(enc, config.model.seqLen);
    this.train = train;
    this.vocab = enc.vocab;
    this.chars = enc.chars;
    const moeOptions = lmOptionsOf(config, enc.vocab);
    this.model = new MoeLm(engine, config.model.dense ? denseBaseline(moeOptions, config.model.dense) : moeOptions);
    this.opt = new AdamW(engine.tf, this.model.variables(), { ...config.optimizer, totalSteps: config.steps });
    const evalRng = new Rng(config.seed * 7919 + 3);
    this.evalSet = Array.from({ length: config.evalBatches }, () => sampleBatch(heldOut, config.batch, config.model.seqLen, evalRng));
    this.moeBlocks = this.model.blocks.flatMap((b, i) => (b.ffn instanceof MoeLayer ? [i] : []));
    this.dataRng = new Rng(config.seed * 2 + 1);
    this.noiseRng = new Rng(config.seed * 2 + 2);
    this.window = this.moeBlocks.map(() => []);
    this.probeTop1 = this.moeBlocks.map(() => null);
  }

  get step(): number {
    return this.stepsDone;
  }

  get done(): boolean {
    return this.stepsDone >= this.config.steps;
  }

  /** Experts of each MoE layer (0 for a dense model). */
  get experts(): number {
    return this.config.model.dense ? 0 : this.config.model.experts;
  }

  parameterCount(): { total: number; active: number } {
    return this.model.parameterCount();
  }

  /** Where the session is, for a checkpoint (with the model's variables and `opt.save()`). */
  saveState(): SessionState {
    return {
      step: this.stepsDone, tokens: this.tokens, trainS: this.trainS, rngData: this.dataRng.save(), rngNoise: this.noiseRng.save(),
      window: this.window, probeTop1: this.probeTop1,
    };
  }

  /** Continues from a checkpoint's state (its weights and AdamW's moments are loaded by the caller). */
  restoreState(state: SessionState): void {
    this.stepsDone = state.step;
    this.tokens = state.tokens;
    this.trainS = state.trainS;
    this.dataRng = Rng.restore(state.rngData);
    this.noiseRng = Rng.restore(state.rngNoise);
    this.window = state.window;
    this.probeTop1 = state.probeTop1;
  }

  /** Trains the next step (and evaluates on eval steps); an error once all steps are done. */
  next(): SessionStep {
    if (this.disposed) throw invalidInput('session', 'was disposed', 'start a new session');
    const c = this.config;
    if (this.done) throw invalidInput('steps', `all ${c.steps} steps are done`, 'start a new session to train more');
    const batch = sampleBatch(this.train, c.batch, c.model.seqLen, this.dataRng);
    const t0 = performance.now();
    const r = trainStep(this.engine, this.model, this.opt, batch, this.noiseRng);
    const stepS = (performance.now() - t0) / 1000;
    this.trainS += stepS;
    this.stepsDone++;
    const tokensPerStep = c.batch * c.model.seqLen;
    this.tokens += tokensPerStep;
    const moe = r.routings.filter((x): x is RoutingRecord => x !== null);
    const layers = moe.map((routing, l) => {
      const w = this.window[l]!;
      w.push(routing.loadBefore.slice());
      if (w.length > c.deadWindow) w.shift();
      const dead = deadExperts(w);
      const metrics: StepLayerMetrics = { ...layerMetrics(routing), dead: dead.dead, nearDead: dead.nearDead, globalMaxVio: null, top1Change: null };
      return { layer: this.moeBlocks[l]!, metrics };
    });
    let evalLoss: number | null = null;
    if (this.stepsDone % c.evalInterval === 0 || this.stepsDone === c.steps) {
      const ev = this.evaluate();
      evalLoss = ev.loss;
      layers.forEach((l, i) => {
        l.metrics.globalMaxVio = maxViolation(ev.loads[i]!);
        const before = this.probeTop1[i];
        if (before) l.metrics.top1Change = top1ChangeFraction(before, ev.probeTop1[i]!);
        this.probeTop1[i] = ev.probeTop1[i]!;
      });
    }
    return {
      step: this.stepsDone, totalSteps: c.steps, loss: r.loss, ce: r.ce, lr: r.lr, evalLoss, tokens: this.tokens, trainS: this.trainS,
      tokensPerS: stepS > 0 ? tokensPerStep / stepS : 0, layers,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.opt.dispose();
    this.model.dispose();
  }

  private evaluate(): EvalResult {
    let loss = 0;
    let loads: number[][] = [];
    let probeTop1: Int32Array[] = [];
    this.evalSet.forEach((b, i) => {
      let routings: (RoutingRecord | null)[] = [];
      loss += this.engine.tf.tidy(() => {
        const out = this.model.loss(b.tokens, b.targets, b.batch);
        routings = out.routings;
        return out.ce.dataSync()[0]!;
      });
      const moe = routings.filter((r): r is RoutingRecord => r !== null);
      if (i === 0) {
        loads = moe.map((r) => r.loadBefore.slice());
        probeTop1 = moe.map((r) => top1(r.probs, r.tokens, r.experts));
      } else moe.forEach((r, l) => r.loadBefore.forEach((v, e) => (loads[l]![e]! += v)));
    });
    return { loss: loss / this.evalSet.length, loads, probeTop1 };
  }
}
