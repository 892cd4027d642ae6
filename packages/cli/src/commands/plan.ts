import type { Command } from 'commander';
import { action } from '../options/action.js';
import { addPlanOptions, type PlanOptions } from '../options/plan-options.js';
import { printJson } from '../options/print.js';

const grams = (g: number | null): string => (g === null ? 'n/a (give --power)' : `${g.toFixed(1)} gCO2e`);

export function register(program: Command): void {
  addPlanOptions(
    program
      .command('plan')
      .description('Best time (and region) to run a job: expected emissions and the saving versus starting now'),
  ).action(
    action(async (o: PlanOptions) => {
      const [{ toIso }, { planResultJson }, { planFromOptions }] = await Promise.all([import('@verdant/core'), import('@verdant/schedule'), import('../options/plan.js')]);
      const r = await planFromOptions(o);
      if (o.json) return printJson(planResultJson(r));
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
