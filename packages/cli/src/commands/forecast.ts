import type { Command } from 'commander';
import type { IntensityPoint } from '@verdant/core';
import type { LinkFailure } from '@verdant/grid';
import { action } from '../options/action.js';
import { collect, printJson } from '../options/print.js';

/** History the model learns from when forecasting from a trace. */
const MODEL_HISTORY_S = 28 * 86400;

interface Options {
  hours: string;
  at?: string;
  signal: string;
  trace: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('forecast')
    .description("Intensity forecast for a zone: the provider's forecast, or the seasonal model's")
    .argument('<zone>', 'grid zone, country code, or cloud region')
    .option('--hours <h>', 'horizon in hours', '24')
    .option('--at <time>', 'with --trace: forecast origin inside the trace (the model sees only the history before it)')
    .option('--signal <signal>', 'average or marginal', 'average')
    .option('--trace <file>', "forecast from a trace's history with the seasonal model (file, or shipped such as ES:2023; repeatable)", collect, [])
    .option('--json', 'print JSON')
    .action(
      action(async (input: string, o: Options) => {
        const [{ ExitCode, VerdantError, formatDuration, invalidInput, nowS, parsePositive, parseTime, toIso }, grid, { parseSignal, withIntensity }] = await Promise.all([
          import('@verdant/core'),
          import('@verdant/grid'),
          import('../options/intensity.js'),
        ]);
        const horizonS = parsePositive(o.hours, '--hours') * 3600;
        const signal = parseSignal(o.signal);
        if (o.at !== undefined && o.trace.length === 0) throw invalidInput('--at', 'only applies with --trace', 'drop --at: live forecasts start now');
        const origin = o.at === undefined ? nowS() : parseTime(o.at, '--at');
        await withIntensity(o.trace, { signal, zone: input }, async (provider, known) => {
          const zone = grid.resolveLocation(input, '<zone>', known);
          let answer: { points: IntensityPoint[]; link: string; provider: string; ageS: number | null; failures: LinkFailure[] };
          if (o.trace.length > 0) {
            const history = await grid.queryHistory(provider, zone, origin - MODEL_HISTORY_S, origin, { signal });
            const before = history.points.filter((p) => p.t + p.resolutionS <= origin);
            if (before.length === 0) {
              throw invalidInput('--at', `the trace has no history for ${zone} before ${toIso(origin)}`, 'give --at at least a day after the trace starts (e.g. 2023-06-01T00:00Z for a 2023 trace)');
            }
            const points = grid.forecast(before, horizonS, { generatedAt: origin });
            answer = { points, link: 'model', provider: grid.SEASONAL_SOURCE, ageS: null, failures: [] };
          } else {
            answer = await grid.queryForecast(provider, zone, horizonS, { signal });
          }
          if (answer.points.length === 0) throw new VerdantError(`no forecast for ${zone}`, { field: '<zone>', exitCode: ExitCode.provider });
          const generatedAt = answer.points[0]!.generatedAt;
          const out = {
            zone,
            generated_at: generatedAt === undefined ? null : toIso(generatedAt),
            horizon_s: horizonS,
            link: answer.link,
            provider: answer.provider,
            age_s: answer.ageS,
            failures: answer.failures,
            points: answer.points.map((p) => ({ time: toIso(p.t), g_per_kwh: p.gPerKwh, resolution_s: p.resolutionS, source: p.source })),
          };
          if (o.json) return printJson(out);
          process.stdout.write(`${zone} forecast via ${out.link} (${out.provider})${out.generated_at ? `, generated ${out.generated_at}` : ''}\n`);
          for (const f of answer.failures) {
            process.stdout.write(`  skipped ${f.link} (${f.provider}): ${f.error}\n`);
          }
          if (answer.points.length === 1) {
            const p = answer.points[0]!;
            const span = p.resolutionS >= 86400 ? `${Math.round(p.resolutionS / 86400)} days` : formatDuration(p.resolutionS);
            const why = answer.failures.length ? 'no earlier link could answer (see above)' : `${out.link} is the only source that answered`;
            process.stdout.write(`  one static point: ${p.source}, an average over ${span}, not an hourly forecast; ${why}\n`);
          }
          const values = answer.points.map((p) => p.gPerKwh);
          const max = Math.max(...values, 1);
          for (const p of out.points) {
            const bar = '#'.repeat(Math.round((p.g_per_kwh / max) * 40));
            process.stdout.write(`${p.time.slice(0, 16)}Z  ${p.g_per_kwh.toFixed(1).padStart(7)}  ${bar}\n`);
          }
        });
      }),
    );
}
