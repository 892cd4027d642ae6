import type { Command } from 'commander';
import { action } from '../options/action.js';
import { collect, printJson } from '../options/print.js';
import { withStore } from '../options/store.js';

// `verdant accel …`: hardware planning over @verdant/accel. Each subcommand: flags under the library's field
// names, one library call, rendering. Errors name those fields; options/fields.ts shows them as these flags.

interface JobFlags {
  params?: string;
  activeParams?: string;
  tokens?: string;
  precision?: string;
  measured?: string;
  optimizerBytes?: string;
  memoryOverhead?: string;
  utilization?: string;
  scaling?: string;
  hostOverhead?: string;
  pue?: string;
  json?: boolean;
}

const jobFields = (o: JobFlags) => ({
  paramsTotal: o.params,
  paramsActive: o.activeParams,
  tokens: o.tokens,
  precision: o.precision,
  measured: o.measured,
  optimizerBytesPerParam: o.optimizerBytes,
  memoryOverhead: o.memoryOverhead,
  utilization: o.utilization,
  scalingPerDoubling: o.scaling,
  hostOverhead: o.hostOverhead,
  pue: o.pue,
});

function jobOptions(cmd: Command): Command {
  return cmd
    .option('--params <n>', 'model parameters (total), e.g. 7B')
    .option('--active-params <n>', 'parameters active per token (MoE); default all')
    .option('--tokens <n>', 'training tokens, e.g. 2T')
    .option('--precision <p>', 'fp32, tf32, bf16, fp16, fp8 or int8 (default bf16)')
    .option('--measured <tps@device:count>', 'a throughput measured on reference devices, e.g. 3000@h100:8')
    .option('--optimizer-bytes <n>', 'bytes of weights, gradients and optimizer state per parameter (default 16)')
    .option('--memory-overhead <f>', 'activations and buffers as a fraction of that state (default 0.2)')
    .option('--utilization <f>', 'fraction of dense peak achieved (default: best profile, else 0.4)')
    .option('--scaling <f>', 'throughput kept per doubling of the device count (default 0.97)')
    .option('--host-overhead <f>', 'host power as a fraction of device power (default 0.2)')
    .option('--pue <pue>', 'data-centre PUE (default 1.2)')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const accel = program.command('accel').description('Hardware planning: which accelerators, how many, where and when — cost, carbon, energy and time of a training job');

  accel
    .command('devices')
    .description('The device catalog: dense peak per precision, memory, power, datasheet')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const a = await import('@verdant/accel');
        const devices = a.devices();
        if (o.json) return printJson({ devices: devices.map(a.deviceJson) });
        const t = (v: number | null): string => (v === null ? '-' : (v / 1e12).toFixed(0));
        const rows = [['id', 'name', 'mem GB', 'TB/s', 'bf16', 'fp8', 'fp32', 'TDP W', 'aliases']];
        for (const d of devices) {
          rows.push([d.id, d.name, d.memoryBytes === null ? '-' : (d.memoryBytes / 1e9).toFixed(0), d.memoryBandwidthBytesPerS === null ? '-' : (d.memoryBandwidthBytesPerS / 1e12).toFixed(2), t(d.densePeakFlops.bf16), t(d.densePeakFlops.fp8), t(d.densePeakFlops.fp32), d.tdpW === null ? '-' : String(d.tdpW), d.aliases.join(', ')]);
        }
        process.stdout.write(a.alignTable(rows));
        process.stderr.write('dense peak TFLOPS (sparsity figures: verdant accel show <device>); - = not published or not certain\n');
      }),
    );

  accel
    .command('show')
    .description('One device: every figure with its datasheet, and its measured or published profiles')
    .argument('<device>', 'id or alias, e.g. H100, mi300x, "Gaudi HL-225"')
    .option('--json', 'print JSON')
    .action(
      action(async (name: string, o: { json?: boolean }) => {
        const a = await import('@verdant/accel');
        await withStore(async (store) => {
          const { device: d, profiles } = await a.showDevice(name, store);
          const j = a.deviceJson(d);
          if (o.json) return printJson({ device: j, profiles: profiles.map(a.profileJson) });
          const lines = [`${d.name} (${d.id}; ${d.aliases.join(', ')})`, `  memory          ${j.memory_bytes === null ? '-' : `${(j.memory_bytes / 1e9).toFixed(0)} GB`}, ${j.memory_bandwidth_bytes_per_s === null ? '-' : `${(j.memory_bandwidth_bytes_per_s / 1e9).toFixed(0)} GB/s`}`];
          lines.push(`  dense TFLOPS    ${Object.entries(j.dense_peak_tflops).map(([k, v]) => `${k} ${v ?? '-'}`).join('  ')}`);
          lines.push(`  sparse TFLOPS   ${Object.entries(j.sparse_peak_tflops).map(([k, v]) => `${k} ${v ?? '-'}`).join('  ')}  (vendor "with sparsity"; never used by the model)`);
          lines.push(`  power           TDP ${d.tdpW ?? '-'} W, idle ${d.idleW ?? '- (not published)'}`, `  interconnect    ${d.interconnect || '-'}${d.interconnectBytesPerS ? ` ${d.interconnectBytesPerS / 1e9} GB/s` : ''}`);
          lines.push(`  source          ${d.sourceUrl || '-'} (retrieved ${d.retrieved})`);
          if (d.note) lines.push(`  note            ${d.note}`);
          for (const p of profiles) lines.push(`  profile ${p.provenance.padEnd(9)} ${p.precision} ${(p.achievedFlops / 1e12).toFixed(2)} TFLOPS${p.powerW ? `, ${p.powerW.toFixed(0)} W` : ''} (${p.source})`);
          process.stdout.write(`${lines.join('\n')}\n`);
        });
      }),
    );

  accel
    .command('offers')
    .description('Offers: provider × instance × region × devices × price (the imported catalog, else the illustrative sample)')
    .option('--provider <name>', 'only this provider (aws, gcp, azure, lambda …)')
    .option('--device <device>', 'only this device')
    .option('--region <region>', 'only this region (us-east-1 or aws:us-east-1)')
    .option('--max-age <duration>', 'only prices retrieved within this long, e.g. 30d')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { provider?: string; device?: string; region?: string; maxAge?: string; json?: boolean }) => {
        const a = await import('@verdant/accel');
        await withStore(async (store) => {
          const maxAgeS = a.maxAgeFromField(o.maxAge);
          const r = await a.listOffers(store, { ...(o.provider ? { provider: o.provider } : {}), ...(o.device ? { device: o.device } : {}), ...(o.region ? { region: o.region } : {}), ...(maxAgeS !== undefined ? { maxAgeS } : {}) });
          if (r.warning) process.stderr.write(`verdant: warning: ${r.warning}\n`);
          if (o.json) return printJson({ sample: r.sample, warning: r.warning ?? null, offers: r.offers.map(a.offerJson) });
          const rows = [['provider', 'instance', 'region', 'zone', 'device', 'n', '$/h', 'spot $/h', 'retrieved', 'source']];
          for (const x of r.offers) rows.push([x.provider, x.instanceType, x.region, x.gridZone ?? '-', x.deviceId, String(x.deviceCount), x.onDemandUsdPerH?.toFixed(2) ?? '-', x.spotUsdPerH?.toFixed(2) ?? '-', new Date(x.retrievedAt * 1000).toISOString().slice(0, 10), x.source]);
          process.stdout.write(a.alignTable(rows));
        });
      }),
    );

  accel
    .command('import')
    .description("Import a price catalog: SkyPilot's vms.csv (one cloud per file) or gpuhunt's CSV")
    .argument('<file>', 'the CSV file')
    .requiredOption('--format <format>', 'skypilot or gpuhunt')
    .option('--provider <cloud>', 'the cloud the file is for (required for skypilot: aws, gcp, azure, lambda …)')
    .option('--retrieved <time>', 'when the prices were retrieved (default now)')
    .option('--json', 'print JSON')
    .action(
      action(async (file: string, o: { format: string; provider?: string; retrieved?: string; json?: boolean }) => {
        const a = await import('@verdant/accel');
        const format = a.offerFormat(o.format);
        const retrievedAt = a.timeFromField(o.retrieved, 'retrievedAt');
        await withStore(async (store) => {
          const r = await a.importOffers(store, { file, format, ...(o.provider ? { provider: o.provider } : {}), ...(retrievedAt !== undefined ? { retrievedAt } : {}) });
          if (o.json) return printJson(a.importJson(r));
          for (const i of r.issues) process.stderr.write(`verdant: ${file} line ${i.line}: ${i.kind === 'error' ? 'malformed, skipped' : 'skipped'}: ${i.message}\n`);
          process.stdout.write(`imported ${r.offers} offers from ${r.rows} rows (${r.errors} malformed, ${r.skipped} skipped) as ${r.id}\n`);
          const unmapped = r.unmappedRegions ?? [];
          if (unmapped.length) process.stderr.write(`verdant: warning: no grid zone for ${unmapped.join(', ')} (grid's cloud-region table covers aws, gcp, azure): recommend excludes those offers\n`);
        });
      }),
    );

  accel
    .command('bench')
    .description('Measure this CPU: a GEMM sweep in Node under the tracker, stored as a measured fp32 profile of the cpu device')
    .option('--sizes <n,n>', 'square matrix sizes', '64,128,256,384')
    .option('--seconds <s>', 'seconds per size', '1.5')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { sizes: string; seconds: string; json?: boolean }) => {
        const [a, core] = await Promise.all([import('@verdant/accel'), import('@verdant/core')]);
        const sizes = o.sizes.split(',').map((x) => core.parseWholeNumber(x.trim(), 'sizes', 8));
        const secondsPerSize = core.parsePositive(o.seconds, 'secondsPerSize');
        await withStore(async (store) => {
          const r = await a.benchCpu(store, { sizes, secondsPerSize });
          if (o.json) return printJson({ sweep: r.sweep, power_w: r.powerW, power_method: r.powerMethod, energy_j: r.energyJ, run_id: r.runId, profile: r.profile ? a.profileJson(r.profile) : null });
          const rows = [['n', 'multiplies', 'seconds', 'GFLOP/s']];
          for (const x of r.sweep) rows.push([String(x.n), String(x.multiplies), x.seconds.toFixed(2), (x.flops / 1e9).toFixed(2)]);
          process.stdout.write(a.alignTable(rows));
          process.stdout.write(`average power ${r.powerW === null ? '-' : `${r.powerW.toFixed(1)} W`} (${r.powerMethod}); run ${r.runId}; stored profile ${r.profile?.id ?? '-'} (cpu, fp32, measured)\n`);
        });
      }),
    );

  jobOptions(
    accel
      .command('estimate')
      .description('Time, power and energy of a training job on a device × count, every figure with its source')
      .requiredOption('--device <device>', 'device id or alias')
      .option('--count <n>', 'devices', '8'),
  ).action(
    action(async (o: JobFlags & { device: string; count: string }) => {
      const [a, core] = await Promise.all([import('@verdant/accel'), import('@verdant/core')]);
      const job = a.jobFromFields(jobFields(o));
      const count = core.parseWholeNumber(o.count, 'count', 1);
      await withStore(async (store) => {
        const e = await a.estimateJob({ job, device: o.device, count }, store);
        const j = a.estimateJson(e);
        if (o.json) return printJson(j);
        if ('excluded' in j) return void process.stdout.write(`${count} × ${j.device_id}: excluded: ${j.excluded}\n`);
        const lines = [`${count} × ${j.device_id}, ${j.precision}: ${(j.duration_s / 3600).toFixed(1)} h, ${(j.energy_j / 3.6e6).toFixed(0)} kWh at ${(j.facility_power_w / 1000).toFixed(1)} kW (facility)`];
        for (const [k, v] of Object.entries(j.figures)) lines.push(`  ${k.padEnd(20)} ${v.value.toPrecision(4).padEnd(10)} ${v.provenance.padEnd(9)} ${v.source}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    }),
  );

  jobOptions(
    accel
      .command('recommend')
      .description('The Pareto front over cost, carbon and time across device × count × offer × start; the chosen plan and five nearest alternatives')
      .requiredOption('--deadline <time>', 'latest finish: a time, or a duration after the earliest start (14d)')
      .option('--earliest <time>', 'earliest start (default now)')
      .option('--budget <usd>', 'most USD to spend')
      .option('--carbon-cap <mass>', 'most CO2e, e.g. 5t or 800kg')
      .option('--allow <region>', 'only these regions: aws:us-east-1, us-east-1, aws or a grid zone (repeatable)', collect, [])
      .option('--deny <region>', 'never these regions (repeatable)', collect, [])
      .option('--prefer <region>', 'preferred regions, best first: break near-ties (repeatable)', collect, [])
      .option('--device <device>', 'only these devices (repeatable)', collect, [])
      .option('--spot', 'spot prices instead of on-demand')
      .option('--objective <name>', 'what picks the chosen plan from the front: carbon, cost or time', 'carbon')
      .option('--max-devices <n>', 'largest device count tried (default 1024)')
      .option('--starts <n>', 'start times tried (default 24)')
      .option('--start-step <duration>', 'between start times (default 1h)')
      .option('--billing <duration>', 'billing granularity (default 60s)')
      .option('--trace <file>', 'intensity from a trace as a perfect forecast: a file, or shipped such as ES:2023 (repeatable)', collect, []),
  ).action(
    action(
      async (
        o: JobFlags & { deadline: string; earliest?: string; budget?: string; carbonCap?: string; allow: string[]; deny: string[]; prefer: string[]; device: string[]; spot?: boolean; objective: string; maxDevices?: string; starts?: string; startStep?: string; billing?: string; trace: string[] },
      ) => {
        const [a, { withIntensity }] = await Promise.all([import('@verdant/accel'), import('../options/intensity.js')]);
        const req = a.recommendFromFields({
          ...jobFields(o),
          deadline: o.deadline,
          earliestStart: o.earliest,
          budgetUsd: o.budget,
          carbonCapG: o.carbonCap,
          allowRegions: o.allow,
          denyRegions: o.deny,
          preferRegions: o.prefer,
          devices: o.device,
          pricing: o.spot ? 'spot' : undefined,
          objective: o.objective,
          maxDevices: o.maxDevices,
          maxStarts: o.starts,
          startStepS: o.startStep,
          billingGranularityS: o.billing,
        });
        const r = await withStore((store) => withIntensity(o.trace, { clock: req.earliestStart }, (provider) => a.recommendPlan(req, { store, provider })));
        for (const w of r.warnings) process.stderr.write(`verdant: warning: ${w}\n`);
        if (o.json) return printJson(a.recommendationJson(r));
        process.stdout.write(a.alignTable(a.recommendationTable(r)));
        const c = r.chosen.figures;
        process.stdout.write(`\n* chosen (${o.objective}); ${r.front.length} plans on the Pareto front of ${r.candidates} placements\n`);
        process.stdout.write(`sources: peak ${c.peakFlops.provenance} (${c.peakFlops.source}); utilization ${c.utilization.provenance} (${c.utilization.source}); power ${c.devicePowerW.provenance}; price ${c.priceUsdPerH.source}; intensity ${c.intensity.source}\n`);
        const ex = r.excluded.slice(0, 12);
        if (ex.length) process.stdout.write(`excluded:\n${ex.map((e) => `  ${e.what}: ${e.reason}`).join('\n')}\n${r.excluded.length > ex.length ? `  … and ${r.excluded.length - ex.length} more (--json lists all)\n` : ''}`);
      },
    ),
  );

  jobOptions(
    accel
      .command('compare')
      .description('Devices side by side for one job at one count')
      .argument('<devices...>', 'two or more devices, e.g. h100 mi300x gaudi3')
      .option('--count <n>', 'devices of each', '8'),
  ).action(
    action(async (names: string[], o: JobFlags & { count: string }) => {
      const [a, core] = await Promise.all([import('@verdant/accel'), import('@verdant/core')]);
      const job = a.jobFromFields(jobFields(o));
      const count = core.parseWholeNumber(o.count, 'count', 1);
      await withStore(async (store) => {
        const c = await a.compareDevices({ job, devices: names, count }, store);
        if (o.json) return printJson({ count, rows: c.rows.map((r) => ({ device: a.deviceJson(r.device), estimate: r.estimate ? a.estimateJson(r.estimate) : null, excluded: r.excluded })) });
        const rows = [['device', 'count', 'hours', 'kWh', 'utilization', 'power W', 'peak', 'excluded']];
        for (const r of c.rows) {
          const e = r.estimate;
          rows.push([r.device.id, String(count), e ? (e.durationS / 3600).toFixed(1) : '-', e ? (e.energyJ / 3.6e6).toFixed(0) : '-', e ? `${e.figures.utilization.value.toFixed(2)} ${e.figures.utilization.provenance}` : '-', e ? `${e.figures.devicePowerW.value.toFixed(0)} ${e.figures.devicePowerW.provenance}` : '-', e ? `${(e.figures.peakFlops.value / 1e12).toFixed(0)} ${e.figures.peakFlops.provenance}` : '-', r.excluded ?? '']);
        }
        process.stdout.write(a.alignTable(rows));
      });
    }),
  );
}
