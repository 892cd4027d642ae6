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
export interface SensorProvider {
  readonly name: string;
  discover(ctx: DiscoveryContext): Promise<EnergySensor[]>;
}
