import { invalidInput } from '@verdant/core';
import { PRECISIONS, type Device, type Precision } from './devices.js';
import { sourced, type Sourced } from './provenance.js';
import type { Profile } from './store.js';

/** A training job to place. Counts of parameters and tokens are plain numbers (7e9, 2e12). */
export interface JobInput {
  /** All parameters (what must be held in memory). */
  paramsTotal: number;
  /** Parameters active per token (MoE); default paramsTotal. */
  paramsActive?: number;
  /** Training tokens. */
  tokens: number;
  /** Default bf16. */
  precision?: Precision;
  /**
   * A throughput measured on a reference device instead of the default utilization: tokens/s on `count`
   * devices of `deviceId`. Its utilization (achieved ÷ dense peak) is applied to every device.
   */
  measured?: { tokensPerS: number; deviceId: string; count: number };
  /** Bytes of weights, gradients and optimizer state per parameter; default 16 (mixed precision + Adam). */
  optimizerBytesPerParam?: number;
  /** Extra memory for activations and buffers as a fraction of the model state; default 0.2. */
  memoryOverhead?: number;
  /** Fraction of dense peak achieved (overrides profiles and the default). */
  utilization?: number;
  /** Throughput kept per doubling of the device count (overrides profiles and the default). */
  scalingPerDoubling?: number;
  /** Host power (CPUs, memory, network) as a fraction of the devices' power; default 0.2. */
  hostOverhead?: number;
  /** Power usage effectiveness of the data centre; default 1.2. */
  pue?: number;
}

/** Defaults, each stated where it is used (provenance "default"). */
export const MODEL_DEFAULTS = {
  precision: 'bf16' as Precision,
  optimizerBytesPerParam: 16,
  memoryOverhead: 0.2,
  utilization: 0.4,
  scalingPerDoubling: 0.97,
  idleFractionOfTdp: 0.2,
  hostOverhead: 0.2,
  pue: 1.2,
};

/** What the model says of one device × count, every figure with its source. */
export interface DeviceEstimate {
  deviceId: string;
  count: number;
  precision: Precision;
  /** FLOPs of the job: 6 × active parameters × tokens. */
  flops: number;
  durationS: number;
  /** Achieved FLOP/s of all devices together (scaling included). */
  achievedFlops: number;
  /** Facility power while running (devices + host) × PUE, W. */
  facilityPowerW: number;
  energyJ: number;
  figures: {
    peakFlops: Sourced;
    utilization: Sourced;
    scaling: Sourced;
    devicePowerW: Sourced;
    idleW: Sourced;
    hostOverhead: Sourced;
    pue: Sourced;
    memoryBytesNeeded: Sourced;
  };
}

/** A device × count the model cannot use, with why. */
export interface Exclusion {
  deviceId: string;
  count: number;
  /** 'memory': this count cannot hold the model (a larger one may); 'figures': the device lacks a figure at any count. */
  kind: 'memory' | 'figures';
  reason: string;
}

const positive = (v: number | undefined, field: string, fix: string): void => {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalidInput(field, `must be a positive number, got ${v}`, fix);
};

/** Checks a job before anything is computed; errors name the field. */
export function checkJob(job: JobInput): Required<Pick<JobInput, 'precision'>> & JobInput {
  positive(job.paramsTotal, 'paramsTotal', 'give the parameter count, e.g. 7e9');
  if (job.paramsTotal === undefined) throw invalidInput('paramsTotal', 'is required', 'give the parameter count, e.g. 7e9');
  positive(job.tokens, 'tokens', 'give the training tokens, e.g. 2e12');
  if (job.tokens === undefined) throw invalidInput('tokens', 'is required', 'give the training tokens, e.g. 2e12');
  positive(job.paramsActive, 'paramsActive', 'give the active parameters per token (MoE), at most the total');
  if (job.paramsActive !== undefined && job.paramsActive > job.paramsTotal) throw invalidInput('paramsActive', `${job.paramsActive} is more than the total ${job.paramsTotal}`, 'active parameters are a subset of the total');
  const precision = job.precision ?? MODEL_DEFAULTS.precision;
  if (!PRECISIONS.includes(precision)) throw invalidInput('precision', `unknown precision "${precision}"`, `use one of ${PRECISIONS.join(', ')}`);
  positive(job.optimizerBytesPerParam, 'optimizerBytesPerParam', 'e.g. 16 for mixed precision with Adam');
  if (job.memoryOverhead !== undefined && !(job.memoryOverhead >= 0)) throw invalidInput('memoryOverhead', `must be ≥ 0, got ${job.memoryOverhead}`);
  for (const [f, v] of [['utilization', job.utilization], ['scalingPerDoubling', job.scalingPerDoubling]] as const) {
    if (v !== undefined && !(v > 0 && v <= 1)) throw invalidInput(f, `must be in (0, 1], got ${v}`);
  }
  if (job.hostOverhead !== undefined && !(job.hostOverhead >= 0)) throw invalidInput('hostOverhead', `must be ≥ 0, got ${job.hostOverhead}`);
  if (job.pue !== undefined && !(job.pue >= 1 && job.pue <= 3)) throw invalidInput('pue', `must be between 1.0 and 3.0, got ${job.pue}`);
  if (job.measured) {
    positive(job.measured.tokensPerS, 'measured.tokensPerS', 'tokens per second measured on the reference devices');
    positive(job.measured.count, 'measured.count', 'how many reference devices the throughput was measured on');
  }
  return { ...job, precision };
}

/** What a profile's rate is: a training rate (the default; a utilization figure) or a GEMM sweep's best case (an achievable peak). */
export const profileKind = (p: Profile): 'training' | 'gemm' => p.meta?.kind ?? 'training';

/**
 * The best training profile for a device and precision, the one whose rate is a utilization figure: measured
 * before published, newest first (profiles come newest first). GEMM profiles (`accel bench`'s sweep) are an
 * achievable peak, not a training rate: they never set the utilization (see `gemmProfile`).
 */
export function bestProfile(profiles: readonly Profile[], deviceId: string, precision: Precision): Profile | undefined {
  const mine = profiles.filter((p) => p.deviceId === deviceId && p.precision === precision && profileKind(p) === 'training');
  return mine.find((p) => p.provenance === 'measured') ?? mine.find((p) => p.provenance === 'published');
}

/** The newest GEMM profile of a device and precision: an achievable peak (used where the datasheet has none) and its power. */
export function gemmProfile(profiles: readonly Profile[], deviceId: string, precision: Precision): Profile | undefined {
  return profiles.find((p) => p.deviceId === deviceId && p.precision === precision && profileKind(p) === 'gemm');
}

/** The provenance of a profile's power: a tracker estimate (the TDP model, no RAPL) is not a measurement. */
export const powerProvenance = (p: Profile): Sourced['provenance'] => (p.meta?.powerEstimated ? 'default' : p.provenance);

/** The throughput kept on `count` devices at `perDoubling` per doubling of the count. */
export const scalingFactor = (perDoubling: number, count: number): number => (count <= 1 ? 1 : perDoubling ** Math.log2(count));

/**
 * Time, power and energy of a job on `count` devices: time = 6·N_active·D ÷ (count × peak × utilization ×
 * scaling); power = idle + (TDP − idle) × utilization per device, plus host overhead, times PUE.
 * A device with no figure for the job's precision or power, or whose `count` cannot hold the model, is an
 * Exclusion saying why.
 */
export function estimateOnDevice(job: JobInput, device: Device, count: number, profiles: readonly Profile[] = [], reference?: Device): DeviceEstimate | Exclusion {
  const j = checkJob(job);
  const precision = j.precision;
  const nActive = j.paramsActive ?? j.paramsTotal;
  const flops = 6 * nActive * j.tokens;
  const bytesPerParam = j.optimizerBytesPerParam ?? MODEL_DEFAULTS.optimizerBytesPerParam;
  const overhead = j.memoryOverhead ?? MODEL_DEFAULTS.memoryOverhead;
  const needBytes = j.paramsTotal * bytesPerParam * (1 + overhead);
  const memSrc = `${j.paramsTotal.toExponential(2)} params × ${bytesPerParam} B${j.optimizerBytesPerParam === undefined ? ' (default)' : ''} × (1 + ${overhead} overhead)`;
  const exclude = (reason: string, kind: Exclusion['kind'] = 'figures'): Exclusion => ({ deviceId: device.id, count, kind, reason });
  if (device.memoryBytes !== null && count * device.memoryBytes < needBytes) {
    return exclude(`needs ${(needBytes / 1e9).toFixed(0)} GB (${memSrc}); ${count} × ${(device.memoryBytes / 1e9).toFixed(0)} GB = ${((count * device.memoryBytes) / 1e9).toFixed(0)} GB cannot hold it`, 'memory');
  }
  const profile = bestProfile(profiles, device.id, precision);
  const gemm = gemmProfile(profiles, device.id, precision);
  const peak = device.densePeakFlops[precision] ?? gemm?.achievedFlops ?? null;
  let peakS: Sourced;
  let util: Sourced;
  if (device.densePeakFlops[precision] !== null) peakS = sourced(peak!, 'spec', device.sourceUrl);
  else if (gemm) peakS = sourced(gemm.achievedFlops, gemm.provenance, `no dense ${precision} peak on the datasheet; the best GEMM case of profile ${gemm.id} stands in (${gemm.source})`);
  else if (profile) peakS = sourced(profile.achievedFlops, profile.provenance, `no dense ${precision} peak on the datasheet; the profile's achieved rate stands in`);
  else return exclude(`no dense ${precision} peak in the catalog (${device.note || 'not published'}) and no measured or published profile`);
  if (j.utilization !== undefined) util = sourced(j.utilization, 'input', 'given');
  else if (j.measured && reference) {
    const refPeak = reference.densePeakFlops[precision];
    if (refPeak === null) throw invalidInput('measured.deviceId', `the reference device ${reference.id} has no dense ${precision} peak to relate the throughput to`, 'measure on a device the catalog has a peak for, or give utilization');
    const perDevice = (6 * nActive * j.measured.tokensPerS) / j.measured.count / scalingFactor(j.scalingPerDoubling ?? MODEL_DEFAULTS.scalingPerDoubling, j.measured.count);
    util = sourced(Math.min(1, perDevice / refPeak), 'measured', `${j.measured.tokensPerS} tokens/s on ${j.measured.count} × ${reference.id}`);
  } else if (profile) util = sourced(peak !== null ? Math.min(1, profile.achievedFlops / peak) : 1, profile.provenance, `profile ${profile.id} (${profile.source})`);
  else util = sourced(MODEL_DEFAULTS.utilization, 'default', `default: ${MODEL_DEFAULTS.utilization} of dense peak (typical large-model training)`);

  const perDoubling = j.scalingPerDoubling ?? profile?.scalingEfficiency ?? undefined;
  const scaling = perDoubling !== undefined
    ? sourced(scalingFactor(perDoubling, count), j.scalingPerDoubling !== undefined ? 'input' : profile!.provenance, `${perDoubling} per doubling of ${count} devices`)
    : sourced(scalingFactor(MODEL_DEFAULTS.scalingPerDoubling, count), 'default', `default: ${MODEL_DEFAULTS.scalingPerDoubling} kept per doubling of the device count`);

  // Power: the training profile's, else a measured GEMM profile's (the device's draw under load), else idle + (TDP − idle) × utilization.
  const powered = profile?.powerW != null ? profile : gemm?.powerW != null ? gemm : undefined;
  let powerS: Sourced;
  let idleS: Sourced;
  if (powered) {
    powerS = sourced(powered.powerW!, powerProvenance(powered), `profile ${powered.id} (${powered.source})${powered.meta?.powerEstimated ? '; estimated by the tracker (no power meter answered), not measured' : ''}`);
    idleS = sourced(device.idleW ?? 0, device.idleW !== null ? 'spec' : 'default', 'included in the profile power');
  } else {
    if (device.tdpW === null) return exclude(`no TDP in the catalog (${device.note || 'not published'}) and no profile with power`);
    idleS = device.idleW !== null ? sourced(device.idleW, 'spec', device.sourceUrl) : sourced(device.tdpW * MODEL_DEFAULTS.idleFractionOfTdp, 'default', `default: ${MODEL_DEFAULTS.idleFractionOfTdp} of TDP (vendors publish no idle power)`);
    powerS = sourced(idleS.value + (device.tdpW - idleS.value) * util.value, util.provenance === 'default' ? 'default' : util.provenance, `idle + (TDP ${device.tdpW} W − idle) × utilization ${util.value.toFixed(2)}`);
  }
  const host = j.hostOverhead !== undefined ? sourced(j.hostOverhead, 'input', 'given') : sourced(MODEL_DEFAULTS.hostOverhead, 'default', `default: host ${MODEL_DEFAULTS.hostOverhead} of device power`);
  const pue = j.pue !== undefined ? sourced(j.pue, 'input', 'given') : sourced(MODEL_DEFAULTS.pue, 'default', `default PUE ${MODEL_DEFAULTS.pue}`);

  const perDeviceFlops = peakS.value * util.value;
  const achieved = count * perDeviceFlops * scaling.value;
  const durationS = flops / achieved;
  const facilityPowerW = count * powerS.value * (1 + host.value) * pue.value;
  return {
    deviceId: device.id,
    count,
    precision,
    flops,
    durationS,
    achievedFlops: achieved,
    facilityPowerW,
    energyJ: facilityPowerW * durationS,
    figures: { peakFlops: peakS, utilization: util, scaling, devicePowerW: powerS, idleW: idleS, hostOverhead: host, pue, memoryBytesNeeded: sourced(needBytes, j.optimizerBytesPerParam === undefined ? 'default' : 'input', memSrc) },
  };
}

export const isExclusion = (e: DeviceEstimate | Exclusion): e is Exclusion => 'reason' in e;
