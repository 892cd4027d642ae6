// What `verdant accel bench` measures beside a profile's rate, kept in the profile's meta (a leaf module: the store
// and the benches both use these types).
import type { Precision } from './devices.js';

/** One GEMM case of a bench: square n×n multiplies in one precision, with the energy of its window when sensors answered. */
export interface GemmPoint {
  precision: Precision;
  n: number;
  multiplies: number;
  seconds: number;
  /** Achieved FLOP/s (2·n³ per multiply). */
  flops: number;
  /** Energy of the case's window from the device's sensors, J; null when no sensor answered. */
  energyJ: number | null;
  powerW: number | null;
  /** Energy per 10¹² FLOPs, J. */
  jPerTflop: number | null;
}

/** A training step measured by a bench. */
export interface TrainingStepPoint {
  /** What was trained ("MoE lab reference …", "PyTorch MoE large …"). */
  model: string;
  precision: string;
  paramsTotal: number | null;
  paramsActive: number | null;
  tokensPerStep: number;
  steps: number;
  seconds: number;
  tokensPerS: number;
  /** 6 × active parameters per token × tokens/s; null when the workload did not say its parameters. */
  flopsPerS: number | null;
  energyJ: number | null;
  powerW: number | null;
  jPerToken: number | null;
}

/** Everything one bench run measured on one device (kept with each profile it made). */
export interface ProfileMeasurements {
  runId: string;
  /** node (the Node bench), or the PyTorch script's backend: cpu, cuda, rocm, hpu. */
  backend: string;
  deviceName: string;
  /** The cases of this profile's precision. */
  sweep: GemmPoint[];
  /** J per 10¹² FLOPs at the profile's rate (the case it was taken from). */
  jPerTflop: number | null;
  /** A copy in device memory: bytes read + written per second. */
  memoryBandwidthBytesPerS: number | null;
  trainingStep: TrainingStepPoint | null;
  /** How the power was measured ("nvidia-smi", "rapl", "fixture" …). */
  powerMethod: string;
}

/** The measurements as the faces show them (snake_case, units in the names). */
export const measurementsJson = (m: ProfileMeasurements) => ({
  run_id: m.runId,
  backend: m.backend,
  device_name: m.deviceName,
  power_method: m.powerMethod,
  j_per_tflop: m.jPerTflop,
  memory_bandwidth_bytes_per_s: m.memoryBandwidthBytesPerS,
  sweep: m.sweep.map((s) => ({ precision: s.precision, n: s.n, multiplies: s.multiplies, seconds: s.seconds, tflops: s.flops / 1e12, energy_j: s.energyJ, power_w: s.powerW, j_per_tflop: s.jPerTflop })),
  training_step: m.trainingStep && {
    model: m.trainingStep.model,
    precision: m.trainingStep.precision,
    params_total: m.trainingStep.paramsTotal,
    params_active: m.trainingStep.paramsActive,
    tokens_per_step: m.trainingStep.tokensPerStep,
    steps: m.trainingStep.steps,
    seconds: m.trainingStep.seconds,
    tokens_per_s: m.trainingStep.tokensPerS,
    flops_per_s: m.trainingStep.flopsPerS,
    energy_j: m.trainingStep.energyJ,
    power_w: m.trainingStep.powerW,
    j_per_token: m.trainingStep.jPerToken,
  },
});
