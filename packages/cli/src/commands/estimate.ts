import type { Command } from 'commander';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';

interface Options {
  device: string;
  count: string;
  hours: string;
  region?: string;
  intensityTrace?: string;
  start?: string;
  utilization: string;
  pue: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('estimate')
    .description('Estimate energy and emissions before a run, from device, count, hours and zone')
    .requiredOption('--device <id>', 'device id from the catalog, e.g. a100-sxm, h100-sxm, mi300x, gaudi2, cpu-core (an unknown id lists them all)')
    .option('--count <n>', 'how many devices', '1')
    .requiredOption('--hours <duration>', 'how long: 12 (hours), 90m, 2d')
    .option('--region <zone>', 'grid zone or cloud region (default VERDANT_REGION, else the world average)')
    .option('--intensity-trace <file>', 'intensity time series to charge the hours against')
    .option('--start <time>', 'when it would start (default now)')
    .option('--utilization <fraction>', 'average fraction of the power limit', '0.8')
    .option('--pue <n>', 'power usage effectiveness of the facility, 1.0-3.0', '1.0')
    .option('--json', 'print JSON')
    .action(
      action(async (o: Options) => {
        const [core, { estimateRun }, { runIntensity }] = await Promise.all([import('@verdant/core'), import('@verdant/energy'), import('../options/intensity.js')]);
        // A bare number is hours here (the flag is --hours); with a unit it is any duration.
        const hours = /^\s*\d+(\.\d+)?\s*$/.test(o.hours) ? Number(o.hours) : core.parseDuration(o.hours, '--hours') / 3600;
        // Every option is read before the intensity source is asked anything.
        const count = core.parseWholeNumber(o.count, '--count', 1);
        const start = o.start ? core.parseTime(o.start, '--start') : core.nowS();
        const utilization = core.parsePositive(o.utilization, '--utilization');
        const pue = core.parsePue(o.pue, '--pue');
        const lookup = await runIntensity(o);
        const est = estimateRun({ device: o.device, count, hours, lookup, start, utilization, pue });
        if (o.json) return printJson(est);
        process.stdout.write(
          `${est.count} x ${est.device.name} for ${hours} h in ${est.zone}: ${(core.joulesToWh(est.energy_j) / 1000).toFixed(2)} kWh, ` +
            `${(est.emissions_g / 1000).toFixed(3)} kg CO2e at ${est.intensity_g_per_kwh.toFixed(0)} g/kWh (${est.intensity_source}; ${est.method})\n`,
        );
      }),
    );
}
