import type { Command } from 'commander';
import type { DeadlinePolicy, SimulationRequest } from '@verdant/schedule';
import { action } from '../options/action.js';
import { collect, printJson } from '../options/print.js';

type Core = typeof import('@verdant/core');

/** What the table's figures mean; "±" is explained only where a cell shows one, with its unit. */
function legend(scenario: string, rows: readonly { runs: number }[]): string {
  const base = 'savings in emissions, % of running each job at its nominal time';
  const what = scenario === 'periodic' ? `${base}; column ±Wh: the job may start up to W hours earlier or later` : base;
  const seeds = Math.max(...rows.map((r) => r.runs));
  return seeds > 1 ? `${what}; "x% ±y": mean and standard deviation over ${seeds} noise seeds, in percentage points` : what;
}

interface Options {
  scenario: string;
  zone: string[];
  year: string[];
  trace: string[];
  timeZone?: string;
  window: string[];
  deadline: string[];
  interruptible?: boolean;
  minChunk?: string;
  noise: string[];
  seeds?: string;
  jobs?: string;
  at?: string;
  duration?: string;
  period?: string;
  csv?: string;
  svg?: string;
  json?: boolean;
}

/** The request the options describe; every value is read (and refused, naming its flag) before anything runs. */
function request(o: Options, { invalidInput, parseDuration, parseWholeNumber }: Core): SimulationRequest {
  const number = (flag: string, v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw invalidInput(flag, `must be a number, got "${v}"`);
    return n;
  };
  const deadline = (v: string): DeadlinePolicy => {
    if (v === 'next-workday' || v === 'semi-weekly') return { kind: v };
    throw invalidInput('--deadline', `unknown deadline policy "${v}"`, 'use next-workday or semi-weekly (or --window <h> for a fixed slack)');
  };
  const timeOfDay = (v: string): number => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw invalidInput('--at', `cannot read "${v}" as a time of day`, 'write HH:MM, e.g. 01:00');
    return Number(m[1]) * 3600 + Number(m[2]) * 60;
  };
  const periodic = {
    ...(o.at ? { timeOfDayS: timeOfDay(o.at) } : {}),
    ...(o.duration ? { durationS: parseDuration(o.duration, '--duration') } : {}),
    ...(o.period ? { periodS: parseDuration(o.period, '--period') } : {}),
  };
  return {
    scenario: o.scenario as SimulationRequest['scenario'],
    zones: o.zone,
    years: o.year.map((y) => parseWholeNumber(y, '--year')),
    traceFiles: o.trace,
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    windowsH: o.window.map((w) => number('--window', w)),
    deadlines: o.deadline.map(deadline),
    interruptible: !!o.interruptible,
    ...(o.minChunk ? { minChunkS: parseDuration(o.minChunk, '--min-chunk') } : {}),
    noise: o.noise.length ? o.noise.map((x) => number('--noise', x)) : [0],
    ...(o.seeds ? { seeds: parseWholeNumber(o.seeds, '--seeds', 1) } : {}),
    periodic,
    ...(o.jobs ? { ml: { count: parseWholeNumber(o.jobs, '--jobs', 1) } } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('Replay a year of grid intensity: how much would shifting jobs in time have saved?')
    .option('--scenario <name>', 'periodic (a nightly job shifted by ±W) or ml (ML jobs from office hours to a deadline)', 'periodic')
    .option('--zone <zone>', 'shipped zone: BR, ES, NO, US-CAL-CISO (repeatable; default all four)', collect, [])
    .option('--year <year>', 'year of the shipped traces: 2021, 2022, 2023 (repeatable; default all)', collect, [])
    .option('--trace <file>', 'replay this trace file instead (repeatable)', collect, [])
    .option('--time-zone <iana>', "local time zone for office hours and time of day (default: the zone's)")
    .option('--window <h>', 'periodic: flexibility ±hours (repeatable; default 2, 4, 8); ml: fixed slack after the original finish', collect, [])
    .option('--deadline <policy>', 'ml: next-workday or semi-weekly (repeatable; default both)', collect, [])
    .option('--interruptible', 'jobs may pause and resume (planned in chunks)')
    .option('--min-chunk <duration>', 'interruptible: shortest chunk of running, e.g. 1h (default 0)')
    .option('--noise <fraction>', 'forecast error: std of Gaussian noise as a fraction of the mean (repeatable; default 0)', collect, [])
    .option('--seeds <n>', 'noise seeds per noise level (default 10)')
    .option('--jobs <n>', 'ml: jobs per year (default 3387)')
    .option('--at <HH:MM>', 'periodic: local start time (default 01:00)')
    .option('--duration <duration>', 'periodic: run length (default 30m)')
    .option('--period <duration>', 'periodic: time between runs (default 1d)')
    .option('--csv <file>', 'write the results as CSV')
    .option('--svg <file>', 'write a chart of the savings as SVG')
    .option('--json', 'print JSON')
    .action(
      action(async (o: Options) => {
        const [core, { formatTable, renderSavingsSvg, runSimulation, toCsv }] = await Promise.all([import('@verdant/core'), import('@verdant/schedule')]);
        const { checkOutputFile, writeOutputFile } = core;
        const req = request(o, core);
        if (o.csv !== undefined) checkOutputFile(o.csv, '--csv', 'savings.csv');
        if (o.svg !== undefined) checkOutputFile(o.svg, '--svg', 'savings.svg');
        const result = await runSimulation(req);
        if (o.csv !== undefined) await writeOutputFile(o.csv, toCsv(result.rows), '--csv');
        if (o.svg !== undefined) {
          const title = result.scenario === 'periodic' ? 'Scenario I: periodic job shifted within ±W' : 'Scenario II: ML jobs shifted to a deadline';
          await writeOutputFile(o.svg, await renderSavingsSvg(result.rows, title), '--svg');
        }
        if (o.json) return printJson({ ...result, csv: o.csv ?? null, svg: o.svg ?? null });
        process.stdout.write(`${formatTable(result.rows)}\n`);
        process.stdout.write(`${legend(result.scenario, result.rows)}\n`);
      }),
    );
}
