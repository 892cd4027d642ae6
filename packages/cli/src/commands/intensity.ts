import type { Command } from 'commander';
import { ExitCode, VerdantError, invalidInput, isVerdantError, nowS, parseTime, toIso, type IntensitySignal } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { action, printJson, withStore } from '../shared.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface Options {
  at?: string;
  signal: string;
  trace: string[];
  json?: boolean;
}

export function parseSignal(v: string): IntensitySignal {
  if (v === 'average' || v === 'marginal') return v;
  throw invalidInput('--signal', `unknown signal "${v}"`, 'use average or marginal');
}

/** A trace answers only inside its span: say which option moves the time there. */
export function traceTimeError(e: unknown, field: string): unknown {
  if (isVerdantError(e) && e.field === '--intensity-trace') {
    return new VerdantError(e.message, { field, fix: `give ${field} a time inside the trace (e.g. ${field} 2023-06-01T12:00Z for a 2023 trace)`, exitCode: ExitCode.usage });
  }
  return e;
}

/**
 * Runs fn with the configured intensity source: the trace(s) when given (replayed with their clock at `clock`),
 * else the env-configured fallback chain over the store's cache.
 */
export async function withIntensity<T>(traces: string[], opts: { zone?: string; signal?: IntensitySignal; clock?: number }, fn: (p: IntensityProvider, known: string[]) => Promise<T>): Promise<T> {
  const grid = await import('@verdant/grid');
  if (traces.length > 0) {
    const clock = opts.clock;
    const provider = await grid.traceProviderFromSpecs(traces, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.zone ? { zone: opts.zone } : {}),
      ...(clock !== undefined ? { clock: () => clock } : {}),
    });
    return fn(provider, (await provider.zones()).map((z) => z.zone));
  }
  return withStore((store) => fn(grid.providerFromEnv(process.env, store), []));
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
        const signal = parseSignal(o.signal);
        const at = o.at === undefined ? undefined : parseTime(o.at, '--at');
        const clock = at ?? nowS();
        const grid = await import('@verdant/grid');
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
            link: answer.link,
            provider: answer.provider,
            age_s: answer.ageS,
            failures: answer.failures,
          };
          if (o.json) return printJson(out);
          const age = out.age_s === null ? 'age n/a' : `age ${Math.round(out.age_s)} s`;
          process.stdout.write(`${zone}  ${p.gPerKwh.toFixed(1)} gCO2e/kWh (${p.signal}) at ${out.at}\n`);
          process.stdout.write(`source ${p.source} via ${answer.link} (${answer.provider}), ${age}\n`);
          for (const f of answer.failures) process.stdout.write(`  skipped ${f.link} (${f.provider}): ${f.error}\n`);
        });
      }),
    );
}
