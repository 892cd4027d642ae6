import type { Command } from 'commander';
import type { WhatIf } from '@verdant/schedule';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

export function register(program: Command): void {
  const runs = program.command('runs').description('Measured runs: list, show, export');

  runs
    .command('list')
    .description('List recent runs, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { limit: string; json?: boolean }) => {
        // The human list needs no more than the store; --json prints energy's one run-list shape (as the API does).
        const [{ formatDuration, joulesToWh, parseWholeNumber, toIso }, energy] = await Promise.all([import('@verdant/core'), o.json ? import('@verdant/energy') : undefined]);
        const limit = parseWholeNumber(o.limit, '--limit', 1);
        await withStore(async (store) => {
          const rows = await store.listRuns({ limit });
          if (energy) {
            printJson({ runs: rows.map(energy.runListItem) });
            return;
          }
          if (rows.length === 0) {
            process.stderr.write(`verdant: no runs yet in ${store.location}\n`);
            return;
          }
          const idWidth = Math.max('run_id'.length, ...rows.map((r) => r.id.length));
          // The group column appears when a listed run belongs to a run group (one job on several hosts).
          const groupWidth = rows.some((r) => r.group_id !== null) ? Math.max('group'.length, ...rows.map((r) => (r.group_id ?? '-').length)) : 0;
          const group = (g: string) => (groupWidth ? `${g.padEnd(groupWidth)}  ` : '');
          process.stdout.write(
            `${'run_id'.padEnd(idWidth)}  ${'status'.padEnd(11)} ${'started (UTC)'.padEnd(19)}  ${'duration'.padStart(8)}  ` +
              `${'energy'.padStart(13)}  ${'emissions'.padStart(11)}  ${group('group')}name\n`,
          );
          for (const r of rows) {
            process.stdout.write(
              `${r.id.padEnd(idWidth)}  ${r.status.padEnd(11)} ${toIso(r.started_at).slice(0, 19)}  ${formatDuration((r.ended_at ?? r.heartbeat_at) - r.started_at).padStart(8)}  ` +
                `${joulesToWh(r.energy_j).toFixed(3).padStart(10)} Wh  ${r.emissions_g.toFixed(3).padStart(9)} g  ${group(r.group_id ?? '-')}${r.name}\n`,
            );
          }
        });
      }),
    );

  runs
    .command('show')
    .description('Show one run with its sensors and methods, or a run group (one job on several hosts) per host and member')
    .argument('<run>', 'run id or group id, or a unique prefix of one')
    .option('--json', 'print the same fields as `verdant run --json` and its what_if (a group: as GET /api/groups/:id)')
    .option('--no-what-if', 'leave out the what-if (the cleanest start within ±24 h, the other zones of VERDANT_ZONES)')
    .action(
      action(async (id: string, o: { json?: boolean; whatIf: boolean }) => {
        const [{ formatDuration, joulesToWh }, { summarizeRun, summarizeGroup }] = await Promise.all([import('@verdant/core'), import('@verdant/energy')]);
        await withStore(async (store) => {
          const found = await store.resolveRunOrGroup(id);
          if (found.kind === 'group') {
            const g = (await summarizeGroup(store, found.id))!;
            if (o.json) return printJson(g);
            // Numbers right-aligned under their headings; text columns as wide as their longest cell.
            const nums = (energyJ: number, emissionsG: number, powerW: number) => [
              `${joulesToWh(energyJ).toFixed(4)} Wh`.padStart(13),
              `${emissionsG.toFixed(4)} g`.padStart(12),
              `${powerW.toFixed(1)} W`.padStart(10),
            ];
            const heads = ['energy'.padStart(13), 'emissions'.padStart(12), 'power'.padStart(10)];
            const table = (rows: string[][]) => {
              const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
              return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}`);
            };
            const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
            const lines = [
              `group      ${g.group_id}  (${plural(g.members.length, 'member')} on ${plural(g.by_host.length, 'host')})`,
              `status     ${g.status}`,
              `started    ${g.started_at}   duration ${formatDuration(g.duration_s)}${g.ended_at === null ? ' so far' : ''}`,
              `energy     ${joulesToWh(g.energy_j).toFixed(4)} Wh (${g.energy_j.toFixed(1)} J)`,
              `emissions  ${g.emissions_g.toFixed(4)} gCO2e at ${g.intensity_g_per_kwh.toFixed(1)} g/kWh (${g.zones.join(', ')})`,
              `power      ${g.power_w.toFixed(1)} W now`,
              `hosts:`,
              ...table([
                ['host', 'members', 'tasks', 'status', ...heads],
                ...g.by_host.map((h) => [h.host, String(h.members), h.tasks.join(',') || '-', h.status, ...nums(h.energy_j, h.emissions_g, h.power_w)]),
              ]),
              `members:`,
              ...table([
                ['run_id', 'host', 'task', 'status', ...heads],
                ...g.members.map((m) => [
                  m.run_id,
                  m.host,
                  m.task ?? '-',
                  m.status + (m.exit_code !== null && m.exit_code !== 0 ? ` (exit ${m.exit_code})` : ''),
                  ...nums(m.energy_j, m.emissions_g, m.power_w),
                ]),
              ]),
            ];
            process.stdout.write(`${lines.join('\n')}\n`);
            return;
          }
          let whatIf: WhatIf | undefined;
          let s: Awaited<ReturnType<typeof summarizeRun>> & object;
          if (o.whatIf) {
            const [{ providerFromEnv }, { summarizeRunWithWhatIf }] = await Promise.all([import('@verdant/grid'), import('@verdant/schedule')]);
            const full = (await summarizeRunWithWhatIf(store, found.id, { provider: providerFromEnv(process.env, store) }))!;
            ({ what_if: whatIf } = full);
            s = full;
          } else {
            s = (await summarizeRun(store, found.id))!;
          }
          if (o.json) return printJson(s);
          const lines = [
            `run        ${s.run_id}  (${s.name})`,
            `status     ${s.status}${s.exit_code !== null ? ` (exit ${s.exit_code})` : ''}`,
            `command    ${s.command.join(' ')}`,
            ...(s.group_id !== null ? [`group      ${s.group_id}${s.task !== null ? `, task ${s.task}` : ''} on ${s.host}`] : []),
            `started    ${s.started_at}   duration ${formatDuration(s.duration_s)}`,
            `energy     ${joulesToWh(s.energy_j).toFixed(4)} Wh (${s.energy_j.toFixed(1)} J, PUE ${s.pue})`,
            `emissions  ${s.emissions_g.toFixed(4)} gCO2e at ${s.intensity_g_per_kwh.toFixed(1)} g/kWh (${s.zone}, ${s.intensity_source})`,
            `sensors:`,
            ...s.sensors.map((x) => `  ${x.id.padEnd(16)} ${x.method.padEnd(22)} ${joulesToWh(x.energy_j).toFixed(4).padStart(10)} Wh${x.estimate ? '  (estimate)' : ''}`),
            ...(whatIf ? whatIfLines(whatIf, formatDuration) : []),
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
        const [{ checkOutputFile, toIso, writeOutputFile }, { summarizeRun }] = await Promise.all([import('@verdant/core'), import('@verdant/energy')]);
        if (o.out !== undefined) checkOutputFile(o.out, '--out', o.json ? 'run.json' : 'samples.csv');
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
          if (o.out !== undefined) await writeOutputFile(o.out, text, '--out');
          else process.stdout.write(text);
        });
      }),
    );
}

/** The what-if in words: the cleanest start, each other zone, the data each part came from, and what could not be judged. */
function whatIfLines(w: WhatIf, formatDuration: (s: number) => string): string[] {
  const saving = (c: { saving_g: number; saving_fraction: number }) =>
    c.saving_g >= 0 ? `saves ${c.saving_g.toFixed(4)} g (${(c.saving_fraction * 100).toFixed(1)} %)` : `${(-c.saving_g).toFixed(4)} g more (${(-c.saving_fraction * 100).toFixed(1)} %)`;
  const lines = [`what if    the same power profile, from the intensity data below (window ±${formatDuration(w.window_s)})`];
  if (w.baseline) lines.push(`  as run           ${w.baseline.emissions_g.toFixed(4)} g at its real start in ${w.baseline.zone} (recorded: ${w.recorded_emissions_g.toFixed(4)} g)`);
  if (w.cleanest_start) {
    const c = w.cleanest_start;
    const shift = c.shift_s === 0 ? 'its real start' : `${c.shift_s < 0 ? '-' : '+'}${formatDuration(Math.abs(c.shift_s))}`;
    lines.push(`  cleanest start   ${c.start} (${shift}): ${c.emissions_g.toFixed(4)} g, ${saving(c)}`);
  }
  for (const z of w.zones) {
    lines.push(`  in ${z.zone.padEnd(13)} ${z.emissions_g === null ? 'not judged' : `${z.emissions_g.toFixed(4)} g`}${z.saving_g !== null ? `, ${saving({ saving_g: z.saving_g, saving_fraction: z.saving_fraction ?? 0 })}` : ''}${z.note ? ` (${z.note})` : ''}`);
  }
  for (const src of w.sources) {
    const age = src.age_s === null ? '' : `, ${formatDuration(src.age_s)} old`;
    lines.push(`  data             ${src.zone} ${src.forecast ? 'forecast' : 'history'}: ${src.source} (${src.link}${src.fallback ? ', fallback' : ''}${age}), ${src.points} point${src.points === 1 ? '' : 's'}`);
  }
  if (w.note) lines.push(`  note             ${w.note}`);
  return lines;
}
