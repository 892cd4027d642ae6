import { invalidInput } from '@verdant/core';

/** One device or domain whose energy Verdant can read. Discovered, never assumed. */
export type SensorKind = 'gpu' | 'cpu' | 'dram' | 'accelerator' | 'model';

export interface SensorReading {
  /** Epoch seconds at which the reading was taken. */
  t: number;
  /** Cumulative energy since an arbitrary origin, J (preferred: counters integrate exactly). */
  energyJ?: number;
  /** Instantaneous (or interval-average) power, W, when no counter exists. */
  powerW?: number;
}

export interface EnergySensor {
  /** "gpu:0", "cpu:package-0", "dram:0", "hpu:3", "model:cpu". */
  readonly id: string;
  readonly kind: SensorKind;
  /** How the figure is produced, shown to the user: "nvml-energy-counter", "rapl", "tdp-model", ... */
  readonly method: string;
  /** A human description: device name, how a shared device is attributed, ... */
  readonly description: string;
  /** True for modelled figures (TDP share, RAM size) rather than measured ones. */
  readonly estimate: boolean;
  read(): Promise<SensorReading>;
  /**
   * The same reading taken synchronously, for sensors whose source answers at once (procfs, sysfs, memory): when
   * every sensor has one, the tracker samples without a promise per sensor, a good part of a sample's own cost.
   * Throws where read() would reject.
   */
  readNow?(): SensorReading;
  close?(): Promise<void>;
}

/** What discovery needs to know about the run being measured. */
export interface DiscoveryContext {
  env: NodeJS.ProcessEnv;
  sysfsRoot: string;
  procfsRoot: string;
  /** Root pid of the measured process tree (set once the command has started). */
  rootPid: () => number | undefined;
  /** Notes for the user (permission problems and how to fix them, fallbacks taken). */
  warn: (message: string) => void;
}

/** A source of sensors for one device family; returns [] when the family is absent. */
export interface SensorSource {
  readonly name: string;
  discover(ctx: DiscoveryContext): Promise<EnergySensor[]>;
  /** Read after discover(): its sensors are the only ones (a test fixture that stands in for the machine). */
  readonly exclusive?: boolean;
}

/**
 * How the RAM model charges memory: 'rss' (default) the run's own resident memory (its process tree's RSS), the
 * share a user expects to be attributed to the run; 'machine' all memory installed in the machine (DRAM draws
 * refresh power whether used or not, which is what a DRAM RAPL domain would measure), so parallel runs each
 * carry the whole machine's RAM.
 */
export type RamAttribution = 'rss' | 'machine';

export const RAM_ATTRIBUTIONS: readonly RamAttribution[] = ['rss', 'machine'];

/** `value` when it is a RamAttribution; anything else is bad input (exit 2) naming `field`. */
export function checkRamAttribution(value: unknown, field: string): RamAttribution {
  if (RAM_ATTRIBUTIONS.includes(value as RamAttribution)) return value as RamAttribution;
  throw invalidInput(field, `unknown RAM attribution "${String(value)}"`, `use one of: ${RAM_ATTRIBUTIONS.join(', ')}`);
}

/** What a source may take from the caller of discovery. */
export interface SensorSourceOptions {
  /** How the RAM model charges memory ('rss' or 'machine'). */
  ram?: RamAttribution;
}

/**
 * One way to read one device family, as discovery's registry (sensors/registry.ts) lists it. A family may
 * have several sources (NVIDIA: NVML, then nvidia-smi): the first in registry order that finds devices wins.
 * Both the source's `name` and its `family` are accepted by `only` / `exclude`.
 */
export interface SensorSourceDescriptor<F extends string = string, N extends string = string> {
  /** "nvml", "nvidia-smi", "hl-smi", "rapl", "cpu-model". */
  readonly name: N;
  /** "nvidia", "gaudi", "rapl", "cpu-model". */
  readonly family: F;
  /**
   * 'fixture': tried first, on its own; when its source reports `exclusive`, nothing else is discovered.
   * 'measured': devices that report energy or power; every family at once.
   * 'model': an estimate, tried only when no measured sensor of the kind it `fills` was found.
   */
  readonly stage: 'fixture' | 'measured' | 'model';
  /** For a model: the kind of measured sensor whose absence it fills ('cpu', 'dram'). */
  readonly fills?: SensorKind;
  create(options: SensorSourceOptions): SensorSource;
}

/** Keeps the source's literal name and family in its type, so the registry's names are a type too. */
export function defineSensorSource<const F extends string, const N extends string>(d: SensorSourceDescriptor<F, N>): SensorSourceDescriptor<F, N> {
  return d;
}
