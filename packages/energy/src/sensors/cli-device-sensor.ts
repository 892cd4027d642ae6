import { nowS } from '@verdant/core';
import type { EnergySensor, SensorKind, SensorReading } from './sensor.js';
import { AttributedCounter } from './attribution.js';

/** One device's figures from one CLI call; energy is the tool's cumulative counter, J. */
export interface DeviceSample {
  name?: string;
  powerW?: number;
  energyJ?: number;
}

export interface CliDeviceSensorOptions {
  id: string;
  kind: SensorKind;
  method: string;
  description: string;
  /** The device's key in the sample map (its index as the tool prints it). */
  key: string;
  /** Whether to report the energy counter (preferred) rather than power. */
  counter: boolean;
  sample: () => Promise<Map<string, DeviceSample>>;
}

/** A whole device read through a vendor CLI shared by its siblings (see sharedQuery). */
export class CliDeviceSensor implements EnergySensor {
  readonly id: string;
  readonly kind: SensorKind;
  readonly method: string;
  readonly description: string;
  readonly estimate = false;
  private readonly total = new AttributedCounter();

  constructor(private readonly options: CliDeviceSensorOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.method = options.method;
    this.description = options.description;
  }

  async read(): Promise<SensorReading> {
    const sample = (await this.options.sample()).get(this.options.key);
    const t = nowS();
    const value = this.options.counter ? sample?.energyJ : sample?.powerW;
    if (value === undefined) throw new Error(`${this.id}: ${this.method} returned no reading for this device`);
    // The counter is re-based to 0 at the first read and never runs backwards (device resets add 0).
    return this.options.counter ? { t, energyJ: this.total.add(value, 1) } : { t, powerW: value };
  }
}

const SCALE: Record<string, number> = { j: 1, mj: 1e-3, uj: 1e-6, 'µj': 1e-6, kj: 1e3, w: 1, mw: 1e-3, uw: 1e-6, 'µw': 1e-6 };

/**
 * A figure from vendor JSON: a number, a string such as "143.0" or "N/A", or {value, unit}. Returns it
 * in J or W (`unit` is the default when the tool gives none); undefined when not available.
 */
export function siValue(raw: unknown, defaultUnit: 'J' | 'W'): number | undefined {
  let value: unknown = raw;
  let unit = defaultUnit as string;
  if (raw !== null && typeof raw === 'object' && 'value' in raw) {
    value = (raw as { value: unknown }).value;
    unit = String((raw as { unit?: unknown }).unit ?? defaultUnit);
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d/.test(value) ? parseFloat(value) : NaN;
  const scale = SCALE[unit.trim().toLowerCase()];
  return Number.isFinite(n) && scale !== undefined ? n * scale : undefined;
}
