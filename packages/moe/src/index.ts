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
export { TrainingSession } from './session.js';
export type { SessionStep } from './session.js';

// The lab: `verdant moe train|show|compare|sweep` as library calls
export { parseTrainConfig, lmOptionsOf, configFingerprint, MODEL_SIZES, BUNDLED_CORPORA } from './lab/config.js';
export type { TrainConfig, TrainConfigInput, ModelConfig, OptimizerConfig, Tokenizer, BundledCorpus, ModelSize } from './lab/config.js';
export { mobyDick, syntheticText, tokenize, MOBY_DICK_PROVENANCE } from './lab/corpus.js';
export { MoeStore } from './lab/store.js';
export type { StepLayerMetrics, LayerStep, StepRecord, Training, MoeDatabase } from './lab/store.js';
export { trainLab } from './lab/trainer.js';
export type { TrainContext, TrainOutcome } from './lab/trainer.js';
export { moeTrain, trainingSummary, checkpointSignals, MOE_CHILD_ENV } from './lab/run.js';
export type { MoeTrainOptions, MoeTrainResult, TrainSummary } from './lab/run.js';
export { trainingReport, compareTrainings, listTrainings, reportCsv, comparisonCsv, METRICS_CSV_COLUMNS } from './lab/report.js';
export type { TrainingReport, Comparison, TrainingListItem } from './lab/report.js';
export { trainingStepWorkload } from './lab/workload.js';
export type { TrainingStepWorkload, TrainingStepWorkloadOptions } from './lab/workload.js';
export { expandGrid, runSweep } from './lab/sweep.js';
export type { SweepOptions, SweepResult } from './lab/sweep.js';
export { MoeChannel, ingestChannel, parseChannelLayer, moeRunChannel, MOE_FILE_ENV } from './lab/channel.js';
export { runStudy, studyConfigs, studyTable, lossChartSpec, energyChartSpec, maxVioChartSpec, loadChartSpec, STUDY_ARMS, DEFAULT_STUDY_ARMS, STUDY_BASE } from './lab/study.js';
export type { StudyArm, StudyArmConfig, StudyOptions, StudyRow, StudyResult } from './lab/study.js';
