import type { Command } from 'commander';
import { VerdantError, invalidInput, isVerdantError, nowS, parseDuration, parseEnergy, parseTime, toIso } from '@verdant/core';
import type { Objective, PlanRequest, PlanResult } from '@verdant/schedule';
import { action, printJson } from '../shared.js';
import { parseSignal, withIntensity } from './intensity.js';

export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Options plan and compare-regions share. */
export interface PlanOptions {
  duration: string;
  deadline?: string;
  earliest?: string;
  region: string[];
  interruptible?: boolean;
  minChunk?: string;
  pauseOverhead?: string;
  power?: string;
  energy?: string;
  trace: string[];
  objective: string;
  prices?: string;
  carbonWeight: string;
  costWeight: string;
  signal: string;
  json?: boolean;
}

export function addPlanOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--duration <duration>', 'running time the job needs, e.g. 90m or 3h')
    .option('--earliest <time>', 'earliest start (ISO 8601 or epoch seconds); default now')
    .option('--deadline <time>', 'latest finish: a time, or a duration after the earliest start (e.g. 12h); default 24 h after the run could end')
    .option('--region <zone>', 'grid zone, country code or cloud region to consider (repeatable)', collect, [])
    .option('--interruptible', 'the job may pause and resume (planned in chunks)')
    .option('--min-chunk <duration>', 'interruptible: shortest chunk of running (default 0)')
    .option('--pause-overhead <duration>', 'interruptible: extra running time each resume costs (default 0)')
    .option('--power <W>', 'average power while running, e.g. 300 or 1.2kW (without it or --energy, windows are ranked by intensity alone)')
    .option('--energy <kWh>', 'energy for the whole run instead of --power, e.g. 2kWh')
    .option('--trace <file>', 'plan over a trace as a perfect forecast: a file, or shipped such as ES:2023 (repeatable)', collect, [])
    .option('--objective <name>', 'carbon, cost (needs --prices) or mix', 'carbon')
    .option('--prices <file>', 'CSV with time,price_per_kwh for the cost and mix objectives')
    .option('--carbon-weight <w>', 'mix: weight of carbon', '1')
    .option('--cost-weight <w>', 'mix: weight of cost', '1')
    .option('--signal <signal>', 'average or marginal', 'average')
    .option('--json', 'print JSON');
}

function parsePower(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(w|kw|mw)?\s*$/i.exec(v);
  if (!m) throw invalidInput('--power', `cannot read "${v}" as a power`, 'write watts, e.g. 300 or 300W or 1.2kW');
  const scale = { w: 1, kw: 1e3, mw: 1e6 }[(m[2] ?? 'w').toLowerCase() as 'w' | 'kw' | 'mw'];
  return Number(m[1]) * scale;
}

function weight(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw invalidInput(flag, `must be a non-negative number, got "${v}"`);
  return n;
}

function objective(o: PlanOptions): Objective {
  if (o.objective === 'carbon' || o.objective === 'cost') return o.objective;
  if (o.objective === 'mix') return { carbon: weight('--carbon-weight', o.carbonWeight), cost: weight('--cost-weight', o.costWeight) };
  throw invalidInput('--objective', `unknown objective "${o.objective}"`, 'use carbon, cost or mix');
}

/** A deadline is a time, or a duration after the earliest start ("12h"). */
function deadline(v: string, earliest: number): number {
  try {
    return parseTime(v, '--deadline');
  } catch (e) {
    try {
      return earliest + parseDuration(v, '--deadline');
    } catch {
      throw e;
    }
  }
}

/** The planner names its own options; map them to this command's. */
const FIELD_MAP: Record<string, string> = { '--earliest-start': '--earliest', series: '--trace' };

function renamed(e: unknown): unknown {
  if (isVerdantError(e) && e.field && FIELD_MAP[e.field]) {
    return new VerdantError(e.message, { field: FIELD_MAP[e.field]!, exitCode: e.exitCode, ...(e.fix ? { fix: e.fix } : {}) });
  }
  return e;
}

/** Validates the options, plans over the chosen source, and returns the result. */
export async function runPlan(o: PlanOptions): Promise<PlanResult> {
  const durationS = parseDuration(o.duration, '--duration');
  const earliest = o.earliest === undefined ? undefined : parseTime(o.earliest, '--earliest');
  const signal = parseSignal(o.signal);
  const obj = objective(o);
  if (o.minChunk !== undefined || o.pauseOverhead !== undefined) {
    if (!o.interruptible) throw invalidInput(o.minChunk !== undefined ? '--min-chunk' : '--pause-overhead', 'only applies to interruptible jobs', 'add --interruptible');
  }
  const [grid, schedule] = await Promise.all([import('@verdant/grid'), import('@verdant/schedule')]);
  const prices = o.prices ? await schedule.loadPriceFile(o.prices) : undefined;
  const now = nowS();
  return withIntensity(o.trace, { signal, ...(o.region.length === 1 ? { zone: o.region[0]! } : {}) }, async (provider, known) => {
    let zones = o.region.map((r) => grid.resolveLocation(r, '--region', known));
    if (zones.length === 0) {
      if (known.length > 0) zones = known;
      else if (process.env.VERDANT_REGION?.trim()) zones = [grid.resolveLocation(process.env.VERDANT_REGION, 'VERDANT_REGION')];
      else throw invalidInput('--region', 'no region given', 'pass --region (repeatable) or set VERDANT_REGION');
    }
    const request: PlanRequest = {
      zones: [...new Set(zones)],
      durationS,
      ...(earliest !== undefined ? { earliestStart: earliest } : {}),
      ...(o.deadline !== undefined ? { deadline: deadline(o.deadline, earliest ?? now) } : {}),
      ...(o.power !== undefined ? { powerW: parsePower(o.power) } : {}),
      ...(o.energy !== undefined ? { energyJ: parseEnergy(o.energy, '--energy') } : {}),
      interruptible: o.interruptible
        ? {
            minChunkS: o.minChunk === undefined ? 0 : parseDuration(o.minChunk, '--min-chunk'),
            pauseOverheadS: o.pauseOverhead === undefined ? 0 : parseDuration(o.pauseOverhead, '--pause-overhead'),
          }
        : false,
      objective: obj,
      ...(prices ? { prices } : {}),
      signal,
    };
    try {
      return await schedule.planFromProvider(request, provider, { now: () => now });
    } catch (e) {
      throw renamed(e);
    }
  });
}

const grams = (g: number | null): string => (g === null ? 'n/a (give --power)' : `${g.toFixed(1)} gCO2e`);

export function register(program: Command): void {
  addPlanOptions(
    program
      .command('plan')
      .description('Best time (and region) to run a job: expected emissions and the saving versus starting now'),
  ).action(
    action(async (o: PlanOptions) => {
      const r = await runPlan(o);
      if (o.json) return printJson((await import('@verdant/schedule')).planResultJson(r));
      const b = r.best;
      const lines = [
        `best       ${b.zone}  start ${toIso(b.start)}  end ${toIso(b.end)}${b.chunks.length > 1 ? `  (${b.chunks.length} chunks)` : ''}`,
        ...(b.chunks.length > 1 ? b.chunks.map((c) => `  run      ${toIso(c.start)} → ${toIso(c.end)}`) : []),
        `intensity  ${b.meanIntensityGPerKwh.toFixed(1)} gCO2e/kWh (starting at the earliest start: ${b.baselineIntensityGPerKwh.toFixed(1)})`,
        `emissions  ${grams(b.emissionsG)}, saving ${b.savingG === null ? `${(b.savingFraction * 100).toFixed(1)}%` : `${b.savingG.toFixed(1)} g (${(b.savingFraction * 100).toFixed(1)}%)`} vs. starting at ${toIso(r.earliestStart)}`,
        `source     ${b.source.name} via ${b.source.link}`,
        ...(r.all.length > 1 ? [`other regions: ${r.all.slice(1).map((p) => `${p.zone} ${p.meanIntensityGPerKwh.toFixed(1)} g/kWh`).join(', ')}`] : []),
        ...r.notes.map((n) => `note       ${n}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }),
  );
}
