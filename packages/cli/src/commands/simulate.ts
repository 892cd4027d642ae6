import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { invalidInput, parseDuration } from '@verdant/core';
import type { DeadlinePolicy, SimulationRequest } from '@verdant/schedule';
import { action, printJson } from '../shared.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function number(flag: string, v: string, integer = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw invalidInput(flag, `must be ${integer ? 'a whole number' : 'a number'}, got "${v}"`);
  }
  return n;
}

function deadline(v: string): DeadlinePolicy {
  if (v === 'next-workday' || v === 'semi-weekly') return { kind: v };
  throw invalidInput('--deadline', `unknown deadline policy "${v}"`, 'use next-workday or semi-weekly (or --window <h> for a fixed slack)');
}

function timeOfDay(v: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw invalidInput('--at', `cannot read "${v}" as a time of day`, 'write HH:MM, e.g. 01:00');
  return Number(m[1]) * 3600 + Number(m[2]) * 60;
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

function request(o: Options): SimulationRequest {
  const periodic = {
    ...(o.at ? { timeOfDayS: timeOfDay(o.at) } : {}),
    ...(o.duration ? { durationS: parseDuration(o.duration, '--duration') } : {}),
    ...(o.period ? { periodS: parseDuration(o.period, '--period') } : {}),
  };
  return {
    scenario: o.scenario as SimulationRequest['scenario'],
    zones: o.zone,
    years: o.year.map((y) => number('--year', y, true)),
    traceFiles: o.trace,
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    windowsH: o.window.map((w) => number('--window', w)),
    deadlines: o.deadline.map(deadline),
    interruptible: !!o.interruptible,
    ...(o.minChunk ? { minChunkS: parseDuration(o.minChunk, '--min-chunk') } : {}),
    noise: o.noise.length ? o.noise.map((x) => number('--noise', x)) : [0],
    ...(o.seeds ? { seeds: number('--seeds', o.seeds, true) } : {}),
    periodic,
    ...(o.jobs ? { ml: { count: number('--jobs', o.jobs, true) } } : {}),
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
        const { formatTable, renderSavingsSvg, runSimulation, toCsv } = await import('@verdant/schedule');
        const result = await runSimulation(request(o));
        if (o.csv) await writeFile(o.csv, toCsv(result.rows));
        if (o.svg) {
          const title = result.scenario === 'periodic' ? 'Scenario I: periodic job shifted within ±W' : 'Scenario II: ML jobs shifted to a deadline';
          await writeFile(o.svg, await renderSavingsSvg(result.rows, title));
        }
        if (o.json) return printJson({ ...result, csv: o.csv ?? null, svg: o.svg ?? null });
        process.stdout.write(`${formatTable(result.rows)}\n`);
        process.stdout.write('savings vs. running at the nominal time (± std over noise seeds)\n');
      }),
    );
}
