import { emissionsG, invalidInput, joulesToKwh, type IntensityLookup } from '@verdant/core';
import { findDevice, type DeviceSpec } from './devices.js';

export interface EstimateInput {
  device: string;
  count: number;
  hours: number;
  lookup: IntensityLookup;
  /** Start time, epoch seconds (the intensity over [start, start + hours] is used). */
  start: number;
  /** Fraction of the power limit drawn on average. */
  utilization?: number;
  pue?: number;
}

export interface Estimate {
  device: DeviceSpec;
  count: number;
  duration_s: number;
  power_w: number;
  energy_j: number;
  emissions_g: number;
  intensity_g_per_kwh: number;
  zone: string;
  intensity_source: string;
  method: string;
}

/**
 * A before-run estimate: power from the catalog x count x utilization x PUE, charged hour by hour. Errors name
 * the input's fields (`device`, `count`, `hours`, `utilization`).
 */
export function estimateRun(input: EstimateInput): Estimate {
  if (!Number.isInteger(input.count) || input.count < 1) throw invalidInput('count', `must be a whole number >= 1, got ${input.count}`);
  if (!(input.hours > 0)) throw invalidInput('hours', `must be greater than 0, got ${input.hours}`);
  const utilization = input.utilization ?? 0.8;
  if (!(utilization > 0 && utilization <= 1)) throw invalidInput('utilization', `must be in (0, 1], got ${utilization}`);
  const pue = input.pue ?? 1;
  const device = findDevice(input.device);
  const powerW = device.powerW * input.count * utilization * pue;
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
    duration_s: durationS,
    power_w: powerW,
    energy_j: energyJ,
    emissions_g: g,
    intensity_g_per_kwh: energyJ > 0 ? g / joulesToKwh(energyJ) : 0,
    zone: input.lookup.zone,
    intensity_source: input.lookup.source,
    method: `catalog power limit x ${utilization} utilization x PUE ${pue}`,
  };
}
