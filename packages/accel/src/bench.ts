import { hostname } from 'node:os';
import { constantLookup, invalidInput, type SampleRow, type Store } from '@verdant/core';
import { track } from '@verdant/energy';
import { PRECISIONS, type Precision } from './devices.js';
import type { GemmPoint, ProfileMeasurements, TrainingStepPoint } from './measurements.js';
import { saveProfile, type Profile } from './store.js';

/** One size of the GEMM sweep (kept under its first name). */
export type GemmResult = GemmPoint;

/**
 * A training step to measure: what the caller composes (the CLI passes @verdant/moe's `trainingStepWorkload`, the
 * MoE lab's step; accel does not depend on the lab).
 */
export interface TrainingWorkload {
  /** What is trained, in words ("MoE lab reference: 4 layers, d_model 256, 8 experts …"). */
  model: string;
  /** Tokens one step trains on (batch × sequence). */
  tokensPerStep: number;
  paramsTotal?: number;
  /** Parameters active per token: FLOP/s is reported as 6 × this × tokens/s. */
  paramsActive?: number;
  /** Default fp32. */
  precision?: string;
  /** One full step: forward, backward, optimizer update. */
  step(): void | Promise<void>;
  /** Frees what the workload holds, after the bench. */
  dispose?(): void;
}

export interface CpuBenchOptions {
  /** Square matrix sizes; default 64, 128, 256, 384. */
  sizes?: number[];
  /** Seconds per size (and for the copy); default 1.5. */
  secondsPerSize?: number;
  /** Bytes of the array copied for the memory bandwidth; default 64 MiB, 0 skips. */
  bandwidthBytes?: number;
  /** A training step to time after the sweep (the MoE lab's); none by default. */
  training?: TrainingWorkload;
  /** Seconds of timed training steps (after one warm-up step); default 5. */
  trainingSeconds?: number;
  /** Set to false to skip storing the profile. */
  save?: boolean;
  /** Environment for sensor discovery (default process.env; VERDANT_FAKE_SENSORS in tests). */
  env?: NodeJS.ProcessEnv;
}

export interface CpuBenchResult {
  sweep: GemmPoint[];
  /** Average power of the CPU and memory sensors during the best GEMM case, W, from the tracker's samples (null when no sensor answered). */
  powerW: number | null;
  /** How the tracker's CPU and memory sensors measured ("rapl", "model estimate" …). */
  powerMethod: string;
  /** True when every CPU and memory sensor is an estimate (no RAPL: the tracker's TDP model): the power is not measured. */
  powerEstimated: boolean;
  /** J per 10¹² FLOPs at the best case. */
  jPerTflop: number | null;
  /** Bytes read + written per second by a copy in memory; null when skipped. */
  memoryBandwidthBytesPerS: number | null;
  trainingStep: TrainingStepPoint | null;
  /** All of the above as kept in the profile's meta. */
  measurements: ProfileMeasurements;
  /** Energy of the whole bench run, J. */
  energyJ: number;
  runId: string;
  /** The GEMM profile (kind 'gemm'): an achievable peak and the power under it; never a utilization. */
  profile: Profile | null;
  /** The training step as a profile (kind 'training', its 6·N_active·tokens/s): the measured utilization figure. */
  trainingProfile: Profile | null;
  /** What a reader must know (an estimated power …). */
  warnings: string[];
}

/** A span of a bench, epoch seconds. */
export interface BenchWindow {
  t0: number;
  t1: number;
}

/**
 * Energy and average power of a window from a run's stored samples: each sample covers (t − dt, t] and counts
 * in proportion to its overlap. `group` chooses how sensors count: 'sum' adds every sensor given (a CPU and its
 * memory), 'busiest' takes the one sensor that drew the most (the accelerator the bench ran on, among the node's
 * others). Null when no sample of those sensors overlaps the window.
 */
export function windowEnergy(samples: readonly SampleRow[], w: BenchWindow, sensorIds: ReadonlySet<string>, group: 'sum' | 'busiest' = 'sum'): { energyJ: number; powerW: number } | null {
  const per = new Map<string, { e: number; covered: number }>();
  for (const s of samples) {
    if (!sensorIds.has(s.sensor_id)) continue;
    const t = Number(s.t);
    const dt = Number(s.dt);
    const overlap = Math.min(t, w.t1) - Math.max(t - dt, w.t0);
    if (!(overlap > 0) || !(dt > 0)) continue;
    const acc = per.get(s.sensor_id) ?? { e: 0, covered: 0 };
    acc.e += (Number(s.energy_j) * overlap) / dt;
    acc.covered += overlap;
    per.set(s.sensor_id, acc);
  }
  const powers = [...per.values()].filter((v) => v.covered > 0).map((v) => v.e / v.covered);
  if (powers.length === 0) return null;
  const powerW = group === 'busiest' ? Math.max(...powers) : powers.reduce((a, b) => a + b, 0);
  return { powerW, energyJ: powerW * (w.t1 - w.t0) };
}

/** Sensor kinds of a CPU's own draw: package (RAPL), memory, and the models that stand in for them. */
export const CPU_SENSOR_KINDS: ReadonlySet<string> = new Set(['cpu', 'dram', 'model']);

/**
 * Stores a measured training step as a training profile (its 6·N_active·tokens/s: the utilization figure the
 * model uses), when it has a rate and a precision the catalog knows; null otherwise.
 */
export async function saveTrainingProfile(
  store: Store,
  deviceId: string,
  step: TrainingStepPoint | null,
  measurements: ProfileMeasurements,
  o: { source: string; host: string; powerEstimated: boolean },
): Promise<Profile | null> {
  if (!step || step.flopsPerS === null || !(step.flopsPerS > 0) || !PRECISIONS.includes(step.precision as Precision)) return null;
  return saveProfile(store, {
    deviceId,
    precision: step.precision as Precision,
    provenance: 'measured',
    achievedFlops: step.flopsPerS,
    powerW: step.powerW,
    scalingEfficiency: null,
    source: o.source,
    host: o.host,
    meta: { kind: 'training', ...(o.powerEstimated ? { powerEstimated: true } : {}), workload: `training step: ${step.model}, ${step.tokensPerS.toFixed(0)} tokens/s on one device`, measurements },
  });
}

const jPerTflopOf = (energyJ: number | null, flops: number, seconds: number): number | null => (energyJ === null || !(flops > 0) ? null : energyJ / ((flops * seconds) / 1e12));

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
const nowEpoch = (): number => Date.now() / 1000;

/** C = A·B for n×n Float32Arrays, i-k-j order (rows of B streamed), one thread. */
function gemm(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k]!;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j]! += aik * b[bk + j]!;
    }
  }
}

interface Timed {
  calls: number;
  seconds: number;
  window: BenchWindow;
}

/** Calls `fn` (after one warm-up call) until `seconds` have passed, yielding to the event loop between calls (the tracker samples). */
async function timeCalls(fn: () => void | Promise<void>, seconds: number): Promise<Timed> {
  await fn();
  let calls = 0;
  const t0 = nowEpoch();
  const p0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    await fn();
    calls++;
    elapsed = performance.now() - p0;
    await yieldToLoop();
  }
  return { calls, seconds: elapsed / 1000, window: { t0, t1: t0 + elapsed / 1000 } };
}

function checkTraining(w: TrainingWorkload | undefined, seconds: number | undefined): void {
  if (seconds !== undefined && !(seconds > 0 && seconds <= 600)) throw invalidInput('trainingSeconds', `must be between 0 and 600 seconds, got ${seconds}`);
  if (!w) return;
  if (!(Number.isInteger(w.tokensPerStep) && w.tokensPerStep > 0)) throw invalidInput('training.tokensPerStep', `must be a whole number ≥ 1, got ${w.tokensPerStep}`);
  if (typeof w.step !== 'function') throw invalidInput('training.step', 'must be a function running one training step');
}

/**
 * A GEMM sweep on this CPU in Node (one thread, fp32 storage), a copy in memory and, when given, a training step
 * (the MoE lab's: the CLI passes it in), all in one run under the tracker ("accel bench cpu" in the store). Each
 * case's energy is taken from the run's samples over its own window. Stored as a measured fp32 profile of the
 * `cpu` device: the best achieved FLOP/s and the average power during that case, with everything else measured
 * (sweep, J per TFLOP, bandwidth, tokens/s and J/token) in its meta. `recommend` then uses it for CPU offers
 * (provenance measured).
 */
export async function benchCpu(store: Store, opts: CpuBenchOptions = {}): Promise<CpuBenchResult> {
  const sizes = opts.sizes ?? [64, 128, 256, 384];
  const seconds = opts.secondsPerSize ?? 1.5;
  const bwBytes = opts.bandwidthBytes ?? 64 * 2 ** 20;
  if (sizes.length === 0) throw invalidInput('sizes', 'give at least one matrix size', 'e.g. 64,128,256');
  for (const n of sizes) if (!(Number.isInteger(n) && n >= 8 && n <= 2048)) throw invalidInput('sizes', `matrix size must be a whole number from 8 to 2048, got ${n}`);
  if (!(seconds > 0 && seconds <= 60)) throw invalidInput('secondsPerSize', `must be between 0 and 60 seconds, got ${seconds}`);
  if (!(Number.isInteger(bwBytes) && bwBytes >= 0 && bwBytes <= 2 ** 31)) throw invalidInput('bandwidthBytes', `must be from 0 to 2048 MiB, got ${bwBytes / 2 ** 20} MiB`, 'e.g. 64 (MiB); 0 skips the copy');
  checkTraining(opts.training, opts.trainingSeconds);
  const cases: Array<{ n: number; t: Timed }> = [];
  let copy: (Timed & { bytesPerCopy: number }) | undefined;
  let train: Timed | undefined;
  let tracked;
  try {
    tracked = await track(
      async () => {
        for (const n of sizes) {
          const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000);
          const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000);
          const c = new Float32Array(n * n);
          cases.push({ n, t: await timeCalls(() => gemm(n, a, b, c), seconds) });
        }
        if (bwBytes > 0) {
          const src = new Float64Array(Math.max(1, Math.floor(bwBytes / 8))).fill(1);
          const dst = new Float64Array(src.length);
          copy = { ...(await timeCalls(() => dst.set(src), seconds)), bytesPerCopy: 2 * src.byteLength };
        }
        if (opts.training) train = await timeCalls(() => opts.training!.step(), opts.trainingSeconds ?? 5);
      },
      { name: 'accel bench cpu', lookup: constantLookup(0, 'none', 'accel bench (no intensity)'), store, intervalS: 0.5, pue: 1, ...(opts.env ? { env: opts.env } : {}) },
    );
  } finally {
    opts.training?.dispose?.();
  }
  const { snapshot, runId } = tracked;
  const samples = await store.samples(runId);
  // The CPU's own draw: its package and memory sensors (and the models that stand in for them), never a GPU's idle power.
  const mine = snapshot.sensors.filter((s) => CPU_SENSOR_KINDS.has(s.kind));
  const all = new Set(mine.map((s) => s.id));
  const methods = [...new Set(mine.map((s) => `${s.method}${s.estimate ? ' (estimate)' : ''}`))].join(', ') || 'no sensor';
  const powerEstimated = mine.length > 0 && mine.every((s) => s.estimate);
  const energyOf = (w: BenchWindow) => windowEnergy(samples, w, all);
  const sweep: GemmPoint[] = cases.map(({ n, t }) => {
    const flops = (2 * n ** 3 * t.calls) / t.seconds;
    const e = energyOf(t.window);
    return { precision: 'fp32', n, multiplies: t.calls, seconds: t.seconds, flops, energyJ: e?.energyJ ?? null, powerW: e?.powerW ?? null, jPerTflop: jPerTflopOf(e?.energyJ ?? null, flops, t.seconds) };
  });
  const best = sweep.reduce((x, y) => (y.flops > x.flops ? y : x));
  const memoryBandwidthBytesPerS = copy ? (copy.bytesPerCopy * copy.calls) / copy.seconds : null;
  let trainingStep: TrainingStepPoint | null = null;
  if (opts.training && train) {
    const w = opts.training;
    const e = energyOf(train.window);
    const tokens = w.tokensPerStep * train.calls;
    const tokensPerS = tokens / train.seconds;
    trainingStep = {
      model: w.model,
      precision: w.precision ?? 'fp32',
      paramsTotal: w.paramsTotal ?? null,
      paramsActive: w.paramsActive ?? null,
      tokensPerStep: w.tokensPerStep,
      steps: train.calls,
      seconds: train.seconds,
      tokensPerS,
      flopsPerS: w.paramsActive ? 6 * w.paramsActive * tokensPerS : null,
      energyJ: e?.energyJ ?? null,
      powerW: e?.powerW ?? null,
      jPerToken: e ? e.energyJ / tokens : null,
    };
  }
  const measurements: ProfileMeasurements = { runId, backend: 'node', deviceName: 'this CPU (one Node thread)', sweep, jPerTflop: best.jPerTflop, memoryBandwidthBytesPerS, trainingStep, powerMethod: methods };
  const warnings: string[] = [];
  if (powerEstimated) warnings.push(`no power meter answered (${methods}): the power is the tracker's estimate, kept with the profile but shown as a default, not as measured`);
  const estimated = powerEstimated ? { powerEstimated: true } : {};
  const save = opts.save !== false;
  const profile = save
    ? await saveProfile(store, {
        deviceId: 'cpu',
        precision: 'fp32',
        provenance: 'measured',
        achievedFlops: best.flops,
        powerW: best.powerW,
        scalingEfficiency: null,
        source: `verdant accel bench: GEMM ${best.n}×${best.n}, one Node thread, run ${runId}; power from ${methods}`,
        host: hostname(),
        meta: { kind: 'gemm', ...estimated, workload: `GEMM sweep fp32 (${sizes.join(', ')}), one Node thread${trainingStep ? `; training step: ${trainingStep.model}` : ''}`, measurements },
      })
    : null;
  const trainingProfile = save ? await saveTrainingProfile(store, 'cpu', trainingStep, measurements, { source: `verdant accel bench: training step, one Node thread, run ${runId}; power from ${methods}`, host: hostname(), powerEstimated }) : null;
  return { sweep, powerW: best.powerW, powerMethod: methods, powerEstimated, jPerTflop: best.jPerTflop, memoryBandwidthBytesPerS, trainingStep, measurements, energyJ: snapshot.energyJ, runId, profile, trainingProfile, warnings };
}
