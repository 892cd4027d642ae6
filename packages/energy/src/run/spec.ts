import {
  SAMPLING_INTERVAL_RANGE_S,
  checkGroupId,
  checkHostName,
  invalidInput,
  nowS,
  parseDuration,
  parseEnergy,
  parseMass,
  parsePositive,
  parsePue,
  parseSamplingInterval,
  parseTime,
} from '@verdant/core';
import { energyUnitOf, massUnitOf, parseOnExceed, type Budget } from '../policy/budget.js';
import { checkRamAttribution, type RamAttribution } from '../sensors/sensor.js';

/** The files `measureCommand` writes into `outputDir`. */
export const RUN_OUTPUT_FILES = ['emissions.csv', 'run.json'] as const;

/**
 * What a measured run is asked to do, as a caller gives it: numbers in SI units, or strings where the library reads
 * units ("200ms", "500Wh", "2kg", an ISO time). Errors name these fields; a face maps them to its own names.
 */
export interface RunSpecInput {
  /** The command and its arguments; spawned directly, never through a shell. */
  argv: readonly string[];
  /** A name for the run; default the command. */
  name?: string;
  /** Sampling interval, 100 ms to 1 h: seconds, or a duration such as "200ms" (a bare number is seconds). Default 1 s. */
  intervalS?: number | string;
  /** Power usage effectiveness of the facility, 1.0 to 3.0. Default 1. */
  pue?: number | string;
  /** A directory for `emissions.csv` (CodeCarbon's columns) and `run.json`; created and probed before the command starts. */
  outputDir?: string;
  /** A Prometheus Pushgateway (http or https URL) to push live metrics to. */
  pushgatewayUrl?: string;
  /** Energy budget: joules, or an energy with its unit ("500Wh"; a bare number in a string is kWh). */
  maxEnergyJ?: number | string;
  /** Emissions budget: grams CO2e, or a mass with its unit ("2kg"; a bare number is grams). */
  maxEmissionsG?: number | string;
  /** What to do past a budget: warn (default), stop or pause. */
  onExceed?: string;
  /** Seconds between SIGTERM and SIGKILL when stopping, or a duration. Default 10 s. */
  graceS?: number | string;
  /** How the RAM model charges memory when no DRAM sensor is readable: rss (default) or machine. */
  ramMode?: string;
  /** The intensity trace the caller charges the run against (resolved outside this package); checked with replayYear. */
  traceFile?: string;
  /** With traceFile: the trace year read at the run's month, day and hour (UTC). */
  replayYear?: number | string;
  /** Pause while the grid is dirtier than pauseAboveG, resume below resumeBelowG. */
  carbonAware?: boolean;
  /** gCO2e/kWh above which a carbon-aware run pauses; giving it asks for carbon-aware running. */
  pauseAboveG?: number | string;
  /** gCO2e/kWh below which a paused run resumes; below pauseAboveG (default 90% of it). */
  resumeBelowG?: number | string;
  /** Carbon-aware: the latest finish (epoch seconds or an ISO time); never paused so long that it would be missed. */
  deadline?: number | string;
  /** Carbon-aware: running time the command needs in all (default: from its progress). */
  expectedDurationS?: number | string;
  /**
   * The run group to join: one job on several hosts or tasks, each measured by its own process, shown as one.
   * Default: from the environment (a Slurm job step, a torchrun job; see `runGroupOf`), else none.
   */
  group?: string;
  /** The host the run is recorded under; default VERDANT_HOSTNAME, else the machine's host name. */
  host?: string;
}

/** Carbon-aware pausing as @verdant/schedule's `carbonAwareController` takes it (gCO2e/kWh, epoch seconds, seconds). */
export interface CarbonAwareSpec {
  pauseAbove: number;
  resumeBelow: number;
  deadline?: number;
  expectedDurationS?: number;
}

/** A checked run: what `measureCommand` takes with the intensity lookup and the store. */
export interface RunSpec {
  argv: string[];
  name?: string;
  intervalS: number;
  pue: number;
  outputDir?: string;
  pushgatewayUrl?: string;
  /** Present when a limit was given. */
  budget?: Budget;
  ramMode: RamAttribution;
  traceFile?: string;
  replayYear?: number;
  carbon?: CarbonAwareSpec;
  group?: string;
  host?: string;
}

const given = <T>(v: T | undefined): v is T => v !== undefined && (typeof v !== 'string' || v.trim() !== '');

function interval(value: number | string, field: string): number {
  if (typeof value === 'string') return parseSamplingInterval(value, field);
  if (!(value >= SAMPLING_INTERVAL_RANGE_S.min && value <= SAMPLING_INTERVAL_RANGE_S.max)) {
    throw invalidInput(field, `must be between 100ms and 1h, got ${value} s`, 'give seconds between 0.1 and 3600');
  }
  return value;
}

/** A non-negative amount in SI units, or a string in the units `parse` reads. */
function amount(value: number | string, field: string, unit: string, parse: (v: string, field: string) => number): number {
  if (typeof value === 'string') return parse(value, field);
  if (!Number.isFinite(value) || value < 0) throw invalidInput(field, `must be a non-negative number of ${unit}, got ${value}`);
  return value;
}

const positive = (value: number | string, field: string): number => parsePositive(String(value), field);

/** The Pushgateway must be an http(s) URL with a host; the value is not echoed (it may carry credentials). */
function checkPushgatewayUrl(value: string, field: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalidInput(field, 'is not an http(s) URL', "give the Pushgateway's address, e.g. http://localhost:9091");
  }
}

function budgetOf(input: RunSpecInput): Budget | undefined {
  const onExceed = parseOnExceed(input.onExceed ?? 'warn', 'onExceed');
  const graceS = parseDuration(input.graceS ?? 10, 'graceS');
  const energy = input.maxEnergyJ;
  const mass = input.maxEmissionsG;
  if (energy === undefined && mass === undefined) return undefined;
  return {
    onExceed,
    graceS,
    ...(energy !== undefined ? { maxEnergyJ: amount(energy, 'maxEnergyJ', 'joules', parseEnergy), energyUnit: typeof energy === 'string' ? energyUnitOf(energy) : 'J' } : {}),
    ...(mass !== undefined ? { maxEmissionsG: amount(mass, 'maxEmissionsG', 'grams', parseMass), emissionsUnit: typeof mass === 'string' ? massUnitOf(mass) : 'g' } : {}),
  };
}

function replayYearOf(input: RunSpecInput): number | undefined {
  const year = input.replayYear;
  if (year === undefined) return undefined;
  if (!given(input.traceFile)) throw invalidInput('replayYear', 'only applies with traceFile', 'give the trace to replay in traceFile, or leave the year out');
  if (!/^\s*\d{4}\s*$/.test(String(year))) throw invalidInput('replayYear', `must be a year such as 2023, got "${year}"`, "give the year of the trace to map onto the run's dates");
  return Number(year);
}

function carbonOf(input: RunSpecInput): CarbonAwareSpec | undefined {
  if (!input.carbonAware && !given(input.pauseAboveG) && !given(input.resumeBelowG)) {
    // A deadline only bounds carbon-aware pausing: given alone it would be silently ignored.
    for (const field of ['deadline', 'expectedDurationS'] as const) {
      if (given(input[field])) throw invalidInput(field, 'only applies with carbonAware', 'add carbonAware with pauseAboveG, or leave it out');
    }
    return undefined;
  }
  if (!given(input.pauseAboveG)) throw invalidInput('pauseAboveG', 'is required with carbonAware', 'give the intensity above which to pause, e.g. 300 (gCO2e/kWh)');
  const pauseAbove = positive(input.pauseAboveG, 'pauseAboveG');
  const resumeBelow = given(input.resumeBelowG) ? positive(input.resumeBelowG, 'resumeBelowG') : pauseAbove * 0.9;
  if (resumeBelow >= pauseAbove) {
    throw invalidInput('resumeBelowG', `must be below pauseAboveG (${pauseAbove}) for hysteresis, got ${resumeBelow}`, 'give a lower value, e.g. 90% of pauseAboveG');
  }
  const carbon: CarbonAwareSpec = { pauseAbove, resumeBelow };
  if (given(input.deadline)) {
    const deadline = typeof input.deadline === 'string' ? parseTime(input.deadline, 'deadline') : input.deadline;
    if (!Number.isFinite(deadline)) throw invalidInput('deadline', `must be a time, got ${deadline}`, 'give epoch seconds or an ISO time such as 2030-01-01T06:00Z');
    if (deadline <= nowS()) throw invalidInput('deadline', 'is in the past', 'give a future time such as 2030-01-01T06:00Z');
    carbon.deadline = deadline;
  }
  if (given(input.expectedDurationS)) carbon.expectedDurationS = parseDuration(input.expectedDurationS, 'expectedDurationS');
  return carbon;
}

/**
 * Checks everything a measured run is asked before anything starts, so bad input never costs a run: throws a
 * VerdantError (exit 2) naming the field of RunSpecInput. Touches no file: the command, the output directory
 * and the store are checked by `measureCommand`, in that order, before the command is spawned.
 */
export function parseRunSpec(input: RunSpecInput): RunSpec {
  const argv = [...input.argv];
  if (argv.length === 0 || !argv[0]) throw invalidInput('argv', 'names no command', 'give the command to run and its arguments');
  const intervalS = interval(input.intervalS ?? 1, 'intervalS');
  const pue = parsePue(String(input.pue ?? 1), 'pue');
  if (input.pushgatewayUrl !== undefined) checkPushgatewayUrl(input.pushgatewayUrl, 'pushgatewayUrl');
  const budget = budgetOf(input);
  const replayYear = replayYearOf(input);
  const carbon = carbonOf(input);
  const ramMode = checkRamAttribution(input.ramMode ?? 'rss', 'ramMode');
  if (input.outputDir !== undefined && input.outputDir.trim() === '') throw invalidInput('outputDir', 'is empty', 'give a directory path');
  const group = input.group !== undefined ? checkGroupId(input.group, 'group') : undefined;
  const host = input.host !== undefined ? checkHostName(input.host, 'host') : undefined;
  return {
    argv,
    ...(given(input.name) ? { name: input.name } : {}),
    intervalS,
    pue,
    ...(input.outputDir !== undefined ? { outputDir: input.outputDir } : {}),
    ...(input.pushgatewayUrl !== undefined ? { pushgatewayUrl: input.pushgatewayUrl } : {}),
    ...(budget ? { budget } : {}),
    ramMode,
    ...(given(input.traceFile) ? { traceFile: input.traceFile } : {}),
    ...(replayYear !== undefined ? { replayYear } : {}),
    ...(carbon ? { carbon } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(host !== undefined ? { host } : {}),
  };
}
