import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatDuration, invalidInput, joulesToWh, toIso } from '@verdant/core';
import { runListItem, summarizeRun } from '@verdant/energy';
import { action, printJson, withStore } from '../shared.js';

export function register(program: Command): void {
  const runs = program.command('runs').description('Measured runs: list, show, export');

  runs
    .command('list')
    .description('List recent runs, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { limit: string; json?: boolean }) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw invalidInput('--limit', `must be a whole number >= 1, got ${o.limit}`);
        await withStore(async (store) => {
          const rows = await store.listRuns({ limit });
          if (o.json) {
            printJson({ runs: rows.map(runListItem) });
            return;
          }
          for (const r of rows) {
            process.stdout.write(
              `${r.id}  ${r.status.padEnd(11)} ${toIso(r.started_at).slice(0, 19)}  ${formatDuration((r.ended_at ?? r.heartbeat_at) - r.started_at).padStart(8)}  ` +
                `${joulesToWh(r.energy_j).toFixed(3).padStart(10)} Wh  ${r.emissions_g.toFixed(3).padStart(9)} g  ${r.name}\n`,
            );
          }
        });
      }),
    );

  runs
    .command('show')
    .description('Show one run with its sensors and methods')
    .argument('<run>', 'run id or unique prefix')
    .option('--json', 'print the same fields as `verdant run --json`')
    .action(
      action(async (id: string, o: { json?: boolean }) => {
        await withStore(async (store) => {
          const s = (await summarizeRun(store, await store.resolveRunId(id)))!;
          if (o.json) return printJson(s);
          const lines = [
            `run        ${s.run_id}  (${s.name})`,
            `status     ${s.status}${s.exit_code !== null ? ` (exit ${s.exit_code})` : ''}`,
            `command    ${s.command.join(' ')}`,
            `started    ${s.started_at}   duration ${formatDuration(s.duration_s)}`,
            `energy     ${joulesToWh(s.energy_j).toFixed(4)} Wh (${s.energy_j.toFixed(1)} J, PUE ${s.pue})`,
            `emissions  ${s.emissions_g.toFixed(4)} gCO2e at ${s.intensity_g_per_kwh.toFixed(1)} g/kWh (${s.zone}, ${s.intensity_source})`,
            `sensors:`,
            ...s.sensors.map((x) => `  ${x.id.padEnd(16)} ${x.method.padEnd(22)} ${joulesToWh(x.energy_j).toFixed(4).padStart(10)} Wh${x.estimate ? '  (estimate)' : ''}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        });
      }),
    );

  runs
    .command('export')
    .description("Export a run's samples (CSV or JSON)")
    .argument('<run>', 'run id or unique prefix')
    .option('--json', 'JSON: the run summary with all samples')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      action(async (id: string, o: { json?: boolean; out?: string }) => {
        await withStore(async (store) => {
          const runId = await store.resolveRunId(id);
          const summary = (await summarizeRun(store, runId))!;
          const samples = await store.samples(runId);
          let text: string;
          if (o.json) text = `${JSON.stringify({ ...summary, samples }, null, 2)}\n`;
          else {
            const header = 'run_id,sensor_id,t,time,dt_s,energy_j,power_w,intensity_g_per_kwh,emissions_g';
            text = `${[header, ...samples.map((x) => [x.run_id, x.sensor_id, x.t, toIso(x.t), x.dt, x.energy_j, x.power_w, x.intensity_g_per_kwh, x.emissions_g].join(','))].join('\n')}\n`;
          }
          if (o.out) await writeFile(o.out, text);
          else process.stdout.write(text);
        });
      }),
    );
}
