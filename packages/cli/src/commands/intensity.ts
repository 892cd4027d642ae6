import type { Command } from 'commander';
import { action } from '../options/action.js';
import { collect, printJson } from '../options/print.js';

interface Options {
  at?: string;
  signal: string;
  trace: string[];
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('intensity')
    .description('Carbon intensity of a grid zone now (or at --at), with its source and age')
    .argument('<zone>', 'grid zone (ES, US-CAL-CISO), country code, or cloud region (aws:eu-west-1)')
    .option('--at <time>', 'time to look up (ISO 8601 or epoch seconds); default now')
    .option('--signal <signal>', 'average or marginal', 'average')
    .option('--trace <file>', 'read a trace file, or a shipped trace such as ES:2023 (repeatable), instead of the providers', collect, [])
    .option('--json', 'print JSON')
    .action(
      action(async (input: string, o: Options) => {
        const [{ ExitCode, VerdantError, nowS, parseTime, toIso }, grid, { parseSignal, traceTimeError, withIntensity }] = await Promise.all([
          import('@verdant/core'),
          import('@verdant/grid'),
          import('../options/intensity.js'),
        ]);
        const signal = parseSignal(o.signal);
        const at = o.at === undefined ? undefined : parseTime(o.at, '--at');
        const clock = at ?? nowS();
        await withIntensity(o.trace, { signal, clock, zone: input }, async (provider, known) => {
          const zone = grid.resolveLocation(input, '<zone>', known);
          let answer;
          try {
            answer = await grid.queryIntensityAt(provider, zone, at, { signal, now: () => clock });
          } catch (e) {
            throw traceTimeError(e, '--at');
          }
          const p = answer.points[0];
          if (!p) throw new VerdantError(`no intensity for ${zone} at ${toIso(clock)}`, { field: '--at', fix: 'pick a time the source covers', exitCode: ExitCode.provider });
          const out = {
            zone,
            at: toIso(clock),
            g_per_kwh: p.gPerKwh,
            signal: p.signal,
            interval_start: toIso(p.t),
            resolution_s: p.resolutionS,
            source: p.source,
            // Whether the source called the value an estimate (null: it did not say).
            estimated: p.estimated ?? null,
            estimation_method: p.estimationMethod ?? null,
            link: answer.link,
            provider: answer.provider,
            age_s: answer.ageS,
            failures: answer.failures,
          };
          if (o.json) return printJson(out);
          const age = out.age_s === null ? 'age n/a' : `age ${Math.round(out.age_s)} s`;
          const estimate = p.estimated ? `, estimated${p.estimationMethod ? ` by ${p.estimationMethod}` : ''}` : '';
          process.stdout.write(`${zone}  ${p.gPerKwh.toFixed(1)} gCO2e/kWh (${p.signal}${estimate}) at ${out.at}\n`);
          process.stdout.write(`source ${p.source} via ${answer.link} (${answer.provider}), ${age}\n`);
          for (const f of answer.failures) process.stdout.write(`  skipped ${f.link} (${f.provider}): ${f.error}\n`);
        });
      }),
    );
}
