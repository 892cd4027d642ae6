import type { Command } from 'commander';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

interface Options {
  device: string;
  count: string;
  hours: string;
  region?: string;
  intensityTrace?: string;
  start?: string;
  utilization?: string;
  pue: string;
  json?: boolean;
}

// A before-run estimate on @verdant/accel's device catalog (aliases included): power from a measured or
// published profile when one has a power, else from the catalog's TDP and idle power.
export function register(program: Command): void {
  program
    .command('estimate')
    .description('Estimate energy and emissions before a run, from device, count, hours and zone (the accel device catalog)')
    .requiredOption('--device <device>', 'device id or alias from the catalog, e.g. h100, a100-80gb, mi300x, gaudi3 (verdant accel devices lists them)')
    .option('--count <n>', 'how many devices', '1')
    .requiredOption('--hours <duration>', 'how long: 12 (hours), 90m, 2d')
    .option('--region <zone>', 'grid zone or cloud region (default VERDANT_REGION, else the world average)')
    .option('--intensity-trace <file>', 'intensity time series to charge the hours against')
    .option('--start <time>', 'when it would start (default now)')
    .option('--utilization <fraction>', 'average load: device power = idle + (TDP − idle) × this (default: a profile\'s power, else 0.8)')
    .option('--pue <n>', 'power usage effectiveness of the facility, 1.0-3.0', '1.0')
    .option('--json', 'print JSON')
    .action(
      action(async (o: Options) => {
        const [core, a, { runIntensity }] = await Promise.all([import('@verdant/core'), import('@verdant/accel'), import('../options/intensity.js')]);
        // A bare number is hours here (the flag is --hours); with a unit it is any duration.
        const hours = /^\s*\d+(\.\d+)?\s*$/.test(o.hours) ? Number(o.hours) : core.parseDuration(o.hours, '--hours') / 3600;
        // Every option is read, and the device looked up, before the intensity source is asked anything.
        const count = core.parseWholeNumber(o.count, '--count', 1);
        const start = o.start ? core.parseTime(o.start, '--start') : core.nowS();
        const utilization = o.utilization === undefined ? undefined : core.parsePositive(o.utilization, '--utilization');
        const pue = core.parsePue(o.pue, '--pue');
        const fields = { device: o.device, count, hours, pue, ...(utilization !== undefined ? { utilization } : {}) };
        a.checkRunEstimate(fields);
        const lookup = await runIntensity(o);
        const est = await withStore((store) => a.estimateRun({ ...fields, lookup, start }, store));
        if (o.json) return printJson(a.runEstimateJson(est));
        process.stdout.write(
          `${est.count} x ${est.device.name} for ${hours} h in ${est.zone}: ${(core.joulesToWh(est.energyJ) / 1000).toFixed(2)} kWh, ` +
            `${(est.emissionsG / 1000).toFixed(3)} kg CO2e at ${est.intensityGPerKwh.toFixed(0)} g/kWh (${est.intensitySource}; ${est.method})\n`,
        );
      }),
    );
}
