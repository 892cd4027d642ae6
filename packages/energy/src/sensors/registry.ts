import { ExitCode, VerdantError } from '@verdant/core';
import type { SensorSourceDescriptor } from './sensor.js';
import { amdSmiSensorSource } from './amd-smi.js';
import { cpuModelSensorSource } from './cpu-model.js';
import { fakeSensorSource } from './fake.js';
import { hlSmiSensorSource } from './hl-smi.js';
import { nvidiaSmiSensorSource } from './nvidia-smi.js';
import { nvmlSensorSource } from './nvml.js';
import { ramModelSensorSource } from './ram-model.js';
import { raplSensorSource } from './rapl.js';
import { rocmSmiSensorSource } from './rocm-smi.js';

/**
 * Every sensor source, one line each, in discovery order: families in the order of their first source,
 * and within a family the first source that finds devices wins (NVML before nvidia-smi).
 */
export const SENSOR_SOURCES = [
  fakeSensorSource,
  nvmlSensorSource,
  nvidiaSmiSensorSource,
  amdSmiSensorSource,
  rocmSmiSensorSource,
  hlSmiSensorSource,
  raplSensorSource,
  cpuModelSensorSource,
  ramModelSensorSource,
] as const;

/** The shipped families ("fake" | "nvidia" | "amd" | "gaudi" | "rapl" | "cpu-model" | "ram-model"). */
export type SensorFamily = (typeof SENSOR_SOURCES)[number]['family'];
/** The shipped sources ("nvml" | "nvidia-smi" | "amd-smi" | ...). */
export type SensorSourceName = (typeof SENSOR_SOURCES)[number]['name'];

/** The shipped families in discovery order. */
export const SENSOR_FAMILIES: readonly SensorFamily[] = [...new Set(SENSOR_SOURCES.map((s) => s.family))];

const registered: SensorSourceDescriptor[] = [...SENSOR_SOURCES];

/**
 * Adds a sensor source (a new family, or another way to read one) to every discovery after this call, after
 * the sources already registered; returns a function that removes it again. A name already registered, or
 * one that is a family's name in another family, is refused.
 */
export function registerSensorSource(source: SensorSourceDescriptor): () => void {
  // `only` and `exclude` take both kinds of name, so a name may not mean a source here and a family there.
  const clash = registered.find((s) => s.name === source.name || (s.family !== source.family && (s.family === source.name || s.name === source.family)));
  if (clash) {
    throw new VerdantError(`sensor source "${source.name}" (family "${source.family}") clashes with "${clash.name}" (family "${clash.family}")`, {
      field: 'sensor source',
      fix: 'give the source another name',
      exitCode: ExitCode.usage,
    });
  }
  registered.push(source);
  return () => {
    const i = registered.indexOf(source);
    if (i >= 0) registered.splice(i, 1);
  };
}

/** The registered sources in discovery order. */
export function sensorSources(): readonly SensorSourceDescriptor[] {
  return [...registered];
}

/** The registered families in discovery order. */
export function sensorFamilies(): string[] {
  return [...new Set(registered.map((s) => s.family))];
}
