import type { Command } from 'commander';
import { action } from '../options/action.js';
import { addPlanOptions, type PlanOptions } from '../options/plan-options.js';
import { printJson } from '../options/print.js';

export function register(program: Command): void {
  addPlanOptions(
    program
      .command('compare-regions')
      .description("Each region's best window for a job and its emissions, best region first"),
  ).action(
    action(async (o: PlanOptions) => {
      const [{ invalidInput, toIso }, { zonePlanJson }, { planFromOptions }] = await Promise.all([import('@verdant/core'), import('@verdant/schedule'), import('../options/plan.js')]);
      if (o.region.length < 2 && o.trace.length < 2) throw invalidInput('--region', `give at least two regions to compare, got ${o.region.length}`, 'repeat --region, e.g. --region ES --region NO');
      const r = await planFromOptions(o);
      if (o.json) {
        return printJson({ earliest_start: toIso(r.earliestStart), deadline: toIso(r.deadline), best: r.best.zone, regions: r.all.map(zonePlanJson), notes: r.notes });
      }
      const rows = [['zone', 'best start', 'g/kWh', 'now g/kWh', 'emissions g', 'saving']];
      for (const p of r.all) {
        rows.push([
          p.zone,
          toIso(p.start).slice(0, 16) + 'Z',
          p.meanIntensityGPerKwh.toFixed(1),
          p.baselineIntensityGPerKwh.toFixed(1),
          p.emissionsG === null ? 'n/a' : p.emissionsG.toFixed(1),
          `${(p.savingFraction * 100).toFixed(1)}%`,
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows) process.stdout.write(`${row.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`);
      for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
    }),
  );
}
