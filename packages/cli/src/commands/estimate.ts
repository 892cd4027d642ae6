import type { Command } from 'commander';
import { joulesToWh, nowS, parseDuration, parsePositive, parseTime } from '@verdant/core';
import { DEVICES, estimateRun } from '@verdant/energy';
import { action, printJson } from '../shared.js';

export function register(program: Command): void {
  program
    .command('estimate')
    .description('Estimate energy and emissions before a run, from device, count, hours and zone')
    .requiredOption('--device <id>', `device: ${DEVICES.map((d) => d.id).join(', ')}`)
    .option('--count <n>', 'how many devices', '1')
    .requiredOption('--hours <duration>', 'how long: 12 (hours), 90m, 2d')
    .option('--region <zone>', 'grid zone or cloud region')
    .option('--intensity-trace <file>', 'intensity time series to charge the hours against')
    .option('--start <time>', 'when it would start (default now)')
    .option('--utilization <fraction>', 'average fraction of the power limit', '0.8')
    .option('--pue <n>', 'power usage effectiveness', '1.0')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { device: string; count: string; hours: string; region?: string; intensityTrace?: string; start?: string; utilization: string; pue: string; json?: boolean }) => {
        const hours = /^\s*\d+(\.\d+)?\s*$/.test(o.hours) ? Number(o.hours) : parseDuration(o.hours, '--hours') / 3600;
        const { resolveIntensity } = await import('@verdant/grid');
        const lookup = await resolveIntensity({ ...(o.region ? { zone: o.region } : {}), ...(o.intensityTrace ? { traceFile: o.intensityTrace } : {}) });
        const est = estimateRun({
          device: o.device,
          count: Number(o.count),
          hours,
          lookup,
          start: o.start ? parseTime(o.start, '--start') : nowS(),
          utilization: parsePositive(o.utilization, '--utilization'),
          pue: parsePositive(o.pue, '--pue'),
        });
        if (o.json) return printJson(est);
        process.stdout.write(
          `${est.count} x ${est.device.name} for ${hours} h in ${est.zone}: ${(joulesToWh(est.energy_j) / 1000).toFixed(2)} kWh, ` +
            `${(est.emissions_g / 1000).toFixed(3)} kg CO2e at ${est.intensity_g_per_kwh.toFixed(0)} g/kWh (${est.intensity_source}; ${est.method})\n`,
        );
      }),
    );
}
