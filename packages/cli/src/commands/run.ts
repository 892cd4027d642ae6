import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import {
  formatDuration,
  invalidInput,
  joulesToWh,
  parseDuration,
  parseEnergy,
  parseMass,
  parsePositive,
  parseTime,
  readEnv,
} from '@verdant/core';
import {
  PushgatewayReporter,
  appendCodecarbonCsv,
  discoverSensors,
  parseOnExceed,
  runCommand,
  summarizeRun,
  type Budget,
  type PauseController,
  type TrackerSnapshot,
} from '@verdant/energy';
import { action, parseOption, printJson, setExitCode, withStore } from '../shared.js';

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
}

/** Every option is checked before the command starts, so bad input never costs a measured run. */
function validate(o: RunOptions) {
  const intervalS = parseDuration(o.interval, '--interval');
  if (intervalS < 0.05 || intervalS > 3600) throw invalidInput('--interval', `must be between 50ms and 1h, got ${o.interval}`);
  const pue = parsePositive(o.pue, '--pue');
  if (pue < 1 || pue > 3) throw invalidInput('--pue', `must be between 1.0 and 3.0, got ${o.pue}`, 'typical data centres are 1.1-1.6; use 1 for a laptop');
  const budget: Budget = {
    onExceed: parseOnExceed(o.onExceed),
    graceS: parseDuration(o.grace, '--grace'),
    ...(o.maxEnergy !== undefined ? { maxEnergyJ: parseOption('--max-energy', o.maxEnergy, parseEnergy) } : {}),
    ...(o.maxCo2 !== undefined ? { maxEmissionsG: parseOption('--max-co2', o.maxCo2, parseMass) } : {}),
  };
  let carbon: { pauseAbove: number; resumeBelow: number; deadline?: number; expectedDurationS?: number } | undefined;
  if (o.carbonAware || o.pauseAbove || o.resumeBelow) {
    if (!o.pauseAbove) throw invalidInput('--pause-above', 'is required with --carbon-aware', 'e.g. --pause-above 300');
    const pauseAbove = parsePositive(o.pauseAbove, '--pause-above');
    const resumeBelow = o.resumeBelow ? parsePositive(o.resumeBelow, '--resume-below') : pauseAbove * 0.9;
    if (resumeBelow >= pauseAbove) {
      throw invalidInput('--resume-below', `must be below --pause-above (${pauseAbove}) for hysteresis, got ${resumeBelow}`);
    }
    carbon = { pauseAbove, resumeBelow };
    if (o.deadline) carbon.deadline = parseTime(o.deadline, '--deadline');
    if (o.expectedDuration) carbon.expectedDurationS = parseDuration(o.expectedDuration, '--expected-duration');
    if (carbon.deadline !== undefined && carbon.deadline <= Date.now() / 1000) {
      throw invalidInput('--deadline', 'is in the past', 'give a future time such as 2030-01-01T06:00Z');
    }
  }
  return { intervalS, pue, budget, carbon };
}

function statusLine(s: TrackerSnapshot): string {
  const parts = [
    formatDuration(s.elapsedS),
    `${s.powerW.toFixed(1)} W`,
    `${joulesToWh(s.energyJ).toFixed(3)} Wh`,
    `${s.emissionsG.toFixed(3)} gCO2e`,
    `${s.intensityGPerKwh.toFixed(0)} g/kWh`,
  ];
  if (s.prediction) {
    parts.push(
      `${Math.round(s.prediction.fraction * 100)}% → ${joulesToWh(s.prediction.total_energy_j).toFixed(1)} Wh, ${s.prediction.total_emissions_g.toFixed(1)} g, ${formatDuration(s.prediction.remaining_s)} left`,
    );
  }
  return parts.join(' | ');
}

export function register(program: Command): void {
  program
    .command('run')
    .description('Run a command and measure its energy, emissions and power, interval by interval')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--name <name>', 'a name for the run (default: the command)')
    .option('--region <zone>', 'grid zone (DE, US-CAL-CISO) or cloud region (aws:eu-west-1)')
    .option('--intensity-trace <file>', 'carbon-intensity time series (Electricity Maps CSV, time,gco2_per_kwh CSV, or JSON)')
    .option('--interval <duration>', 'sampling interval, e.g. 200ms, 1s', '1s')
    .option('--pue <n>', 'power usage effectiveness of the facility', '1.0')
    .option('--output <dir>', 'write emissions.csv (CodeCarbon columns) and run.json here')
    .option('--json', 'print one JSON object with the results on stdout')
    .option('--max-energy <kWh>', 'energy budget, kWh (or with a unit: 500Wh)')
    .option('--max-co2 <mass>', 'emissions budget: 100g, 2kg')
    .addOption(new Option('--on-exceed <action>', 'what to do past a budget').choices(['warn', 'stop', 'pause']).default('warn'))
    .option('--grace <duration>', 'time between SIGTERM and SIGKILL when stopping', '10s')
    .option('--pushgateway <url>', 'push live metrics to a Prometheus Pushgateway')
    .option('--carbon-aware', 'pause while the grid is dirty (with --pause-above/--resume-below)')
    .option('--pause-above <g>', 'pause when intensity rises above this (gCO2e/kWh)')
    .option('--resume-below <g>', 'resume when intensity falls below this (gCO2e/kWh)')
    .option('--deadline <time>', 'with --carbon-aware: never pause past the point where the run could miss this time')
    .option('--expected-duration <duration>', 'with --deadline: how long the command needs when running (default: from progress)')
    .passThroughOptions()
    .action(
      action(async (argv: string[], o: RunOptions) => {
        const { intervalS, pue, budget, carbon } = validate(o);
        const { resolveIntensity } = await import('@verdant/grid');
        const lookup = await resolveIntensity({ ...(o.region ? { zone: o.region } : {}), ...(o.intensityTrace ? { traceFile: o.intensityTrace } : {}) });
        const env = readEnv();
        const warnings: string[] = [];
        const tty = process.stderr.isTTY && !o.json;
        const notice = (m: string) => {
          if (tty) process.stderr.write('\r\x1b[2K');
          process.stderr.write(`verdant: ${m}\n`);
        };
        await withStore(async (store) => {
          const root: { pid?: number } = {}; // known once the command has started
          const sensors = await discoverSensors({
            env: process.env,
            sysfsRoot: env.sysfsRoot,
            procfsRoot: env.procfsRoot,
            rootPid: () => root.pid,
            warn: (m) => warnings.push(m),
          });
          for (const w of warnings) notice(w);
          const controller: PauseController | undefined = carbon ? (await import('@verdant/schedule')).carbonAwareController(carbon) : undefined;
          const pushgateway = o.pushgateway ? new PushgatewayReporter(o.pushgateway, o.name ?? argv[0]!, lookup.zone, (e) => notice(`pushgateway: ${e.message}`)) : undefined;
          const run = await runCommand({
            argv,
            ...(o.name ? { name: o.name } : {}),
            lookup,
            sensors,
            store,
            intervalS,
            pue,
            ...(budget.maxEnergyJ !== undefined || budget.maxEmissionsG !== undefined ? { budget } : {}),
            ...(controller ? { controller } : {}),
            forwardSignals: true,
            procfsRoot: env.procfsRoot,
            meta: { warnings },
            onNotice: notice,
            onSample: (s) => {
              if (tty) process.stderr.write(`\r\x1b[2K${statusLine(s)}`);
              pushgateway?.push(s);
            },
          });
          root.pid = run.pid;
          const result = await run.done;
          if (tty) process.stderr.write('\r\x1b[2K');
          await pushgateway?.flush(result.snapshot);
          const summary = await summarizeRun(store, result.runId);
          if (!summary) throw new Error(`run ${result.runId} vanished from the store`);
          if (o.output) {
            await mkdir(o.output, { recursive: true });
            await appendCodecarbonCsv(join(o.output, 'emissions.csv'), summary);
            await writeFile(join(o.output, 'run.json'), `${JSON.stringify(summary, null, 2)}\n`);
          }
          if (o.json) printJson(summary);
          else {
            process.stderr.write(
              `verdant: run ${summary.run_id} ${summary.status} (exit ${summary.exit_code}) in ${formatDuration(summary.duration_s)}: ` +
                `${joulesToWh(summary.energy_j).toFixed(3)} Wh, ${summary.emissions_g.toFixed(3)} gCO2e at ${summary.intensity_g_per_kwh.toFixed(0)} g/kWh (${summary.zone}, ${summary.intensity_source})\n`,
            );
          }
          setExitCode(result.exitCode);
        });
      }),
    );

  program
    .command('resume')
    .description('Resume a run paused by a budget (--on-exceed pause) or by hand')
    .argument('<run>', 'run id or unique prefix')
    .option('--json', 'print the run as JSON')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        const { resumeRun } = await import('@verdant/energy');
        await withStore(async (store) => {
          const runId = await store.resolveRunId(id);
          const summary = await resumeRun(store, runId);
          if (o.json) printJson(summary);
          else process.stderr.write(`verdant: resumed ${runId}\n`);
        });
      }),
    );
}
