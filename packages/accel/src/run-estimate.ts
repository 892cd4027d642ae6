import { emissionsG, invalidInput, joulesToKwh, type IntensityLookup, type Store } from '@verdant/core';
import { PRECISIONS, deviceById, loadDevices, type Device } from './devices.js';
import { MODEL_DEFAULTS, powerProvenance, profileKind } from './model.js';
import { sourced, type Sourced } from './provenance.js';
import { storedProfiles, type Profile } from './store.js';

/**
 * `verdant estimate`: a before-run estimate of a job whose length is known (device × count × hours in a zone),
 * on the accel catalog. Device power is the best profile's (measured, then published) when one has a power,
 * else idle + (TDP − idle) × utilization from the catalog (idle: the catalog's, else a stated default share
 * of TDP), as the accel model computes it. The intensity is charged hour by hour.
 */
export interface RunEstimateInput {
  /** Device id or alias from the catalog (`verdant accel devices`). */
  device: string;
  count: number;
  hours: number;
  lookup: IntensityLookup;
  /** Start time, epoch seconds (the intensity over [start, start + hours] is charged). */
  start: number;
  /**
   * Average load between idle and TDP. Given, it overrides a profile's power; absent, a profile's power is
   * used, else RUN_ESTIMATE_UTILIZATION.
   */
  utilization?: number;
  /** Facility power usage effectiveness; default 1 (the devices alone). */
  pue?: number;
}

export interface RunEstimate {
  device: Device;
  count: number;
  durationS: number;
  /** Power of one device, with where it came from. */
  devicePowerW: Sourced;
  /** All devices × PUE, W. */
  powerW: number;
  energyJ: number;
  emissionsG: number;
  intensityGPerKwh: number;
  zone: string;
  intensitySource: string;
  method: string;
}

/** The load `verdant estimate` assumes when neither --utilization nor a profile with power is given. */
export const RUN_ESTIMATE_UTILIZATION = 0.8;

/** Longest run `verdant estimate` accepts, hours (ten years: longer is a unit mistake). */
export const RUN_ESTIMATE_MAX_HOURS = 10 * 365 * 24;

/**
 * The power profile that wins for a device (any precision): measured before published; then bf16 (the training
 * default), then the other precisions in catalog order; then a training profile before a GEMM one; then newest,
 * then by id, so that the choice never depends on the store's row order.
 */
export function powerProfile(profiles: readonly Profile[], deviceId: string): Profile | undefined {
  const rankPrecision = (p: Profile): number => (p.precision === 'bf16' ? -1 : PRECISIONS.indexOf(p.precision));
  const mine = profiles.filter((p) => p.deviceId === deviceId && p.powerW !== null);
  const sorted = [...mine].sort(
    (a, b) =>
      Number(a.provenance !== 'measured') - Number(b.provenance !== 'measured') ||
      rankPrecision(a) - rankPrecision(b) ||
      Number(profileKind(a) !== 'training') - Number(profileKind(b) !== 'training') ||
      b.recordedAt - a.recordedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return sorted[0];
}

/** Checks the input's fields (`device`, `count`, `hours`, `utilization`, `pue`) before anything is read. */
export function checkRunEstimate(input: Omit<RunEstimateInput, 'lookup' | 'start'>, devices = loadDevices()): Device {
  if (!Number.isInteger(input.count) || input.count < 1) throw invalidInput('count', `must be a whole number >= 1, got ${input.count}`);
  if (!(input.hours > 0)) throw invalidInput('hours', `must be greater than 0, got ${input.hours}`);
  if (input.hours > RUN_ESTIMATE_MAX_HOURS) throw invalidInput('hours', `${input.hours} h is more than ten years (${RUN_ESTIMATE_MAX_HOURS} h)`, 'give the run length in hours, e.g. 72 (or a duration such as 3d)');
  if (input.utilization !== undefined && !(input.utilization > 0 && input.utilization <= 1)) throw invalidInput('utilization', `must be in (0, 1], got ${input.utilization}`);
  if (input.pue !== undefined && !(input.pue >= 1 && input.pue <= 3)) throw invalidInput('pue', `must be between 1.0 and 3.0, got ${input.pue}`);
  return deviceById(input.device, 'device', devices);
}

/** The estimate from profiles already read (pure). Errors name the input's fields. */
export function estimateRunWith(input: RunEstimateInput, profiles: readonly Profile[] = [], devices = loadDevices()): RunEstimate {
  const device = checkRunEstimate(input, devices);
  const pue = input.pue ?? 1;
  const profile = input.utilization === undefined ? powerProfile(profiles, device.id) : undefined;
  let per: Sourced;
  let how: string;
  if (profile) {
    const estimated = profile.meta?.powerEstimated === true;
    per = sourced(profile.powerW!, powerProvenance(profile), `profile ${profile.id} (${profile.source})${estimated ? '; estimated by the tracker (no power meter answered), not measured' : ''}`);
    how = `${profile.provenance} profile ${estimated ? 'estimated ' : ''}power ${profile.powerW!.toFixed(0)} W per device`;
  } else {
    if (device.tdpW === null) {
      throw invalidInput(
        'device',
        `${device.id} has no TDP in the catalog (${device.note || 'not published'}) and no measured or published profile with a power`,
        `give a power profile (verdant accel profile add ${device.id} --power-w <W> --source <url> …, or verdant accel bench for the cpu), or choose another device (verdant accel devices)`,
      );
    }
    const u = input.utilization ?? RUN_ESTIMATE_UTILIZATION;
    const idle = device.idleW ?? device.tdpW * MODEL_DEFAULTS.idleFractionOfTdp;
    const idleNote = device.idleW !== null ? `idle ${idle} W` : `idle ${MODEL_DEFAULTS.idleFractionOfTdp} × TDP (default)`;
    per = sourced(idle + (device.tdpW - idle) * u, input.utilization === undefined ? 'default' : 'input', `${idleNote} + (TDP ${device.tdpW} W − idle) × ${u} utilization; TDP from ${device.sourceUrl || 'the catalog'}`);
    how = `${idleNote} + (catalog TDP − idle) × ${u} utilization`;
  }
  const powerW = per.value * input.count * pue;
  const durationS = input.hours * 3600;
  const steps = Math.max(1, Math.ceil(input.hours));
  let g = 0;
  for (let i = 0; i < steps; i++) {
    const stepS = Math.min(3600, durationS - i * 3600);
    g += emissionsG(powerW * stepS, input.lookup.at(input.start + i * 3600 + stepS / 2));
  }
  const energyJ = powerW * durationS;
  return {
    device,
    count: input.count,
    durationS,
    devicePowerW: per,
    powerW,
    energyJ,
    emissionsG: g,
    intensityGPerKwh: energyJ > 0 ? g / joulesToKwh(energyJ) : 0,
    zone: input.lookup.zone,
    intensitySource: input.lookup.source,
    method: `${how} x PUE ${pue}`,
  };
}

/** `verdant estimate`: as estimateRunWith, with the store's profiles when a store is given. */
export async function estimateRun(input: RunEstimateInput, store?: Store): Promise<RunEstimate> {
  checkRunEstimate(input);
  const profiles = store ? await storedProfiles(store) : [];
  return estimateRunWith(input, profiles);
}

/** The JSON face of a run estimate (`verdant estimate --json`). */
export const runEstimateJson = (e: RunEstimate) => ({
  device: { id: e.device.id, name: e.device.name, vendor: e.device.vendor, tdp_w: e.device.tdpW, source_url: e.device.sourceUrl },
  count: e.count,
  duration_s: e.durationS,
  device_power_w: { value: e.devicePowerW.value, provenance: e.devicePowerW.provenance, source: e.devicePowerW.source },
  power_w: e.powerW,
  energy_j: e.energyJ,
  emissions_g: e.emissionsG,
  intensity_g_per_kwh: e.intensityGPerKwh,
  zone: e.zone,
  intensity_source: e.intensitySource,
  method: e.method,
});
