import { Option, type Command } from 'commander';
import type { TrackerSnapshot } from '@verdant/energy';
import { action, setExitCode } from '../options/action.js';
import { printJson } from '../options/print.js';

interface RunOptions {
  name?: string;
  region?: string;
  intensityTrace?: string;
  interval: string;
  pue: string;
  output?: string;
  json?: boolean;
  maxEnergy?: string;
  maxCo2?: string;
  onExceed: string;
  grace: string;
  pushgateway?: string;
  carbonAware?: boolean;
  pauseAbove?: string;
  resumeBelow?: string;
  deadline?: string;
  expectedDuration?: string;
  traceReplay?: string;
  ram: string;
  group?: string;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('Run a command and measure its energy, emissions and power, interval by interval')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--name <name>', 'a name for the run (default: the command)')
    .option('--region <zone>', 'grid zone (DE, US-CAL-CISO) or cloud region (aws:eu-west-1)')
    .option('--intensity-trace <file>', 'carbon-intensity time series (Electricity Maps CSV, time,gco2_per_kwh CSV, or JSON); must cover the run, or use --trace-replay')
    .option('--trace-replay <year>', "with --intensity-trace: read that year of the trace at the run's month, day and hour (UTC)")
    .addOption(new Option('--ram <mode>', "RAM estimate when no DRAM sensor: the run's resident memory (rss) or all installed memory (machine)").choices(['rss', 'machine']).default('rss'))
    .option('--interval <duration>', 'sampling interval, 100ms to 1h: 200ms, 1s, 5m (a bare number is seconds)', '1s')
    .option('--pue <n>', 'power usage effectiveness of the facility, 1.0-3.0', '1.0')
    .option('--output <dir>', 'write emissions.csv (CodeCarbon columns) and run.json here (created if missing)')
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--max-energy <kWh>', 'energy budget, kWh (or with a unit: 500Wh)')
    .option('--max-co2 <mass>', 'emissions budget: 100g, 2kg')
    .addOption(new Option('--on-exceed <action>', 'what to do past a budget').choices(['warn', 'stop', 'pause']).default('warn'))
    .option('--grace <duration>', 'time between SIGTERM and SIGKILL when stopping', '10s')
    .option('--pushgateway <url>', 'push live metrics to a Prometheus Pushgateway (http(s) URL)')
    .option('--carbon-aware', 'pause while the grid is dirty (with --pause-above/--resume-below)')
    .option('--pause-above <g>', 'pause when intensity rises above this (gCO2e/kWh)')
    .option('--resume-below <g>', 'resume when intensity falls below this (gCO2e/kWh)')
    .option('--deadline <time>', 'with --carbon-aware: never pause past the point where the run could miss this time')
    .option('--expected-duration <duration>', 'with --deadline: how long the command needs when running (default: from progress)')
    .option('--group <id>', 'join this run group (one job on several hosts; default: the Slurm job step or torchrun job, if any)')
    .passThroughOptions()
    .action(
      action(async (argv: string[], o: RunOptions) => {
        const carbonAware = Boolean(o.carbonAware || o.pauseAbove || o.resumeBelow);
        const [core, energy, grid, { runIntensity }, schedule] = await Promise.all([
          import('@verdant/core'),
          import('@verdant/energy'),
          import('@verdant/grid'),
          import('../options/intensity.js'),
          carbonAware ? import('@verdant/schedule') : undefined,
          import('../options/channels.js').then((c) => c.registerRunChannels()), // MoE metrics from PyTorch, …
        ]);
        // parseRunSpec, measureCommand and the grid name their own fields (intervalS, outputDir, zone): the error
        // renderer shows them as this command's flags (options/fields.ts). Every option is checked before the
        // command starts, so bad input never costs a measured run.
        const spec = energy.parseRunSpec({
          argv,
          ...(o.name !== undefined ? { name: o.name } : {}),
          intervalS: o.interval,
          pue: o.pue,
          ...(o.output !== undefined ? { outputDir: o.output } : {}),
          ...(o.pushgateway !== undefined ? { pushgatewayUrl: o.pushgateway } : {}),
          ...(o.maxEnergy !== undefined ? { maxEnergyJ: o.maxEnergy } : {}),
          ...(o.maxCo2 !== undefined ? { maxEmissionsG: o.maxCo2 } : {}),
          onExceed: o.onExceed,
          graceS: o.grace,
          ramMode: o.ram,
          ...(o.intensityTrace !== undefined ? { traceFile: o.intensityTrace } : {}),
          ...(o.traceReplay !== undefined ? { replayYear: o.traceReplay } : {}),
          carbonAware,
          ...(o.pauseAbove !== undefined ? { pauseAboveG: o.pauseAbove } : {}),
          ...(o.resumeBelow !== undefined ? { resumeBelowG: o.resumeBelow } : {}),
          ...(o.deadline !== undefined ? { deadline: o.deadline } : {}),
          ...(o.expectedDuration !== undefined ? { expectedDurationS: o.expectedDuration } : {}),
          ...(o.group !== undefined ? { group: o.group } : {}),
        });
        const lookup = await runIntensity({ ...o, ...(spec.replayYear !== undefined ? { replayYear: spec.replayYear } : {}) });
        // A trace that does not cover the run would charge (and pause on) one held value: refuse before starting.
        // Its error names traceFile and suggests replayYear, shown as --intensity-trace and --trace-replay.
        if (lookup.coverage) grid.checkTraceCovers(lookup.coverage, Date.now() / 1000, { what: "the run's start" });

        const tty = process.stderr.isTTY && !o.json;
        const clearLine = () => tty && process.stderr.write('\r\x1b[2K');
        const statusLine = (s: TrackerSnapshot): string => {
          const parts = [
            core.formatDuration(s.elapsedS),
            `${s.powerW.toFixed(1)} W`,
            `${core.joulesToWh(s.energyJ).toFixed(3)} Wh`,
            `${s.emissionsG.toFixed(3)} gCO2e`,
            `${s.intensityGPerKwh.toFixed(0)} g/kWh`,
          ];
          const p = s.prediction;
          if (p) parts.push(`${Math.round(p.fraction * 100)}% → ${core.joulesToWh(p.total_energy_j).toFixed(1)} Wh, ${p.total_emissions_g.toFixed(1)} g, ${core.formatDuration(p.remaining_s)} left`);
          return parts.join(' | ');
        };
        let measured;
        try {
          measured = await energy.measureCommand({
            ...spec,
            lookup,
            ...(schedule && spec.carbon ? { controller: schedule.carbonAwareController(spec.carbon) } : {}),
            forwardSignals: true,
            onNotice: (m) => {
              clearLine();
              process.stderr.write(`verdant: ${m}\n`);
            },
            ...(tty ? { onSample: (s: TrackerSnapshot) => process.stderr.write(`\r\x1b[2K${statusLine(s)}`) } : {}),
          });
        } finally {
          clearLine();
        }
        const { summary: s, exitCode } = measured;
        if (o.json) printJson(s);
        else {
          process.stderr.write(
            `verdant: run ${s.run_id} ${s.status} (exit ${s.exit_code}) in ${core.formatDuration(s.duration_s)}: ` +
              `${core.joulesToWh(s.energy_j).toFixed(3)} Wh, ${s.emissions_g.toFixed(3)} gCO2e at ${s.intensity_g_per_kwh.toFixed(0)} g/kWh (${s.zone}, ${s.intensity_source})\n`,
          );
          if (s.group_id !== null) process.stderr.write(`verdant: a member of run group ${s.group_id}${s.task !== null ? ` (task ${s.task})` : ''}: verdant runs show ${s.group_id}\n`);
        }
        setExitCode(exitCode);
      }),
    );
}
