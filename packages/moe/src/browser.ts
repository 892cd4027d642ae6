// The browser-safe part of @verdant/moe (`@verdant/moe/browser`): the engine, models, routers, optimizer, training
// step, router metrics, the training config and a step-by-step training session. Nothing here imports a Node module,
// the store or @verdant/energy, so a bundler can build it for a web page (the dashboard's browser lab runs it in a
// Web Worker). The Node lab (store, trainer, checkpoints, runs, sweeps) is the package's main entry.
export { initEngine, makeEngine, tfKernels, registerSegmentSumKernel, WASM_FILES } from './engine.js';
export type { Engine, EngineBackend, EngineKernels, EngineOptions, Tf, WasmFile } from './engine.js';
export { Rng } from './rng.js';
export {
  ROUTER_KINDS, resolveRouter, expertCapacity, topKRows, applyCapacity, expertChoice, countPerExpert, updatedBias,
} from './router.js';
export type { RouterKind, RouterOptions, ResolvedRouter, DropPolicy } from './router.js';
export { MoeLayer, activate } from './layer.js';
export type { Activation, MoeLayerOptions, MoeForwardOptions, MoeForward, RoutingRecord, ExpertWeights } from './layer.js';
export {
  layerMetrics, loadShare, coefficientOfVariation, maxViolation, tokenEntropy, marginalEntropy, top1, top1ChangeFraction,
  expertsPerTokenCounts, deadExperts,
} from './metrics.js';
export type { LayerMetrics, DeadExperts } from './metrics.js';
export { MoeLm, denseBaseline, validateLmOptions } from './model.js';
export type { LmOptions, FfnOptions, LmForwardOptions, LmLoss } from './model.js';
export { AdamW, learningRate, resolveAdamW } from './optim.js';
export type { AdamWOptions } from './optim.js';
export { encodeBytes, sampleBatch, trainStep, evalLoss } from './train.js';
export type { Batch, StepResult } from './train.js';
export { parseTrainConfig, lmOptionsOf, configFingerprint, MODEL_SIZES, BUNDLED_CORPORA } from './lab/config.js';
export type { TrainConfig, TrainConfigInput, ModelConfig, OptimizerConfig, Tokenizer, BundledCorpus, ModelSize } from './lab/config.js';
export { syntheticText, tokenize, splitTokens } from './lab/text.js';
export type { Encoded } from './lab/text.js';
export { TrainingSession } from './session.js';
export type { SessionStep } from './session.js';
export type { StepLayerMetrics, LayerStep } from './lab/store.js';
// The JSON of `verdant moe show --json` and /api/moe (types only: nothing of the Node side is bundled).
export type { TrainSummary } from './lab/run.js';
export { VerdantError, isVerdantError } from '@verdant/core/errors';
