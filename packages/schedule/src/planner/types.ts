import type { IntensityPoint } from '@verdant/core';

/** How a job may be split. Each resume after a pause costs `pauseOverheadS` extra seconds of running. */
export interface Interruptible {
  /** Shortest allowed chunk of running, seconds. */
  minChunkS: number;
  /** Extra running time each resume costs (restore, warm-up), seconds. */
  pauseOverheadS: number;
}

export interface JobSpec {
  /** Optional label carried into the plan. */
  id?: string;
  /** Running time needed, seconds. */
  durationS: number;
  /** Earliest start, epoch seconds ("now" for the saving). */
  earliestStart: number;
  /** Latest finish, epoch seconds. */
  deadline: number;
  /** Average power while running, W. Give this or `energyJ`. */
  powerW?: number;
  /** Energy for the whole run, J (power = energyJ / durationS). */
  energyJ?: number;
  /** Absent or false: one contiguous run. */
  interruptible?: Interruptible | false;
  /** Capacity units (GPUs, slots) the job holds while it runs; multi-job planning only. Default 1. */
  units?: number;
}

/** A price series point: currency per kWh over [t, t + resolutionS). */
export interface PricePoint {
  t: number;
  resolutionS: number;
  perKwh: number;
}

/**
 * What to minimise. 'carbon' (default), 'cost' (needs prices), or a weighted mix: each signal is divided by its
 * mean over the planning window before weighting, so the weights compare like with like.
 */
export type Objective = 'carbon' | 'cost' | { carbon: number; cost: number };

export interface PlanOptions {
  objective?: Objective;
  prices?: readonly PricePoint[];
}

/** One contiguous run, epoch seconds. */
export interface Chunk {
  start: number;
  end: number;
}

export interface JobPlan {
  id?: string;
  zone: string;
  /** Start of the first chunk. */
  start: number;
  /** End of the last chunk. */
  end: number;
  chunks: Chunk[];
  /** Energy including pause overheads, J. */
  energyJ: number;
  /** Expected emissions of the plan, g CO2e. */
  emissionsG: number;
  /** Emissions of running uninterrupted from the earliest start, g CO2e. */
  baselineEmissionsG: number;
  /** baseline - plan, g CO2e (>= 0 for the carbon objective). */
  savingG: number;
  /** saving / baseline, 0..1 (0 when the baseline is 0). */
  savingFraction: number;
  /** With prices: cost of the plan and of the baseline, currency. */
  cost?: number;
  baselineCost?: number;
  objective: Objective;
}

/** An interruptible job's window on the slot grid, for the chunked schedulers (interruptible.ts, cheapest-slots.ts). */
export interface ChunkedProblem {
  durationS: number;
  from: number;
  to: number;
  minChunkS: number;
  pauseOverheadS: number;
}

export type { IntensityPoint };
