import type { Command } from 'commander';
import type { GemmPoint, Precision, TorchBenchDevice, TorchBenchResult, TrainingStepPoint } from '@verdant/accel';
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
    .description('Measure a device under the tracker and store measured profiles: this CPU in Node (GEMM sweep, memory copy, the MoE lab\'s training step), or with --device a GPU, Gaudi or the CPU through the PyTorch script integrations/python/verdant_accel_bench.py')
    .option('--device <device>', 'run the PyTorch script on: auto (Gaudi, else CUDA/ROCm, else CPU), gpu (CUDA or ROCm), hpu (Gaudi) or cpu')
    .option('--python <exe>', 'the Python that has torch (with --device)', 'python3')
    .option('--script <file>', 'the bench script (with --device; default the shipped integrations/python/verdant_accel_bench.py)')
    .option('--as <device>', 'catalog device to store the profiles under (with --device; default: matched from the name the driver reports)')
    .option('--precisions <p,p>', 'precisions to try (with --device): of fp32, tf32, bf16, fp16, fp8')
    .option('--sizes <n,n>', 'square matrix sizes (default 64,128,256,384 in Node; the script: 1024…8192, 256…1024 on CPU)')
    .option('--seconds <s>', 'timed seconds per case (default 1.5 in Node; the script: 10 on accelerators, 1 on CPU)')
    .option('--bandwidth-mib <n>', 'MiB copied for the memory bandwidth (0 skips; default 64 in Node, the script: 1024, 256 on CPU)')
    .option('--train-model <name>', 'training step: in Node the MoE lab size tiny, small or reference (default); the script: tiny, reference or large; none skips')
    .option('--train-seconds <s>', 'timed seconds of training steps in Node (default 5)')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { device?: string; python: string; script?: string; as?: string; precisions?: string; sizes?: string; seconds?: string; bandwidthMib?: string; trainModel?: string; trainSeconds?: string; json?: boolean }) => {
        const [a, core] = await Promise.all([import('@verdant/accel'), import('@verdant/core')]);
        const sizes = o.sizes?.split(',').map((x) => core.parseWholeNumber(x.trim(), 'sizes', 8));
        const seconds = o.seconds === undefined ? undefined : core.parsePositive(o.seconds, o.device ? 'secondsPerCase' : 'secondsPerSize');
        const bandwidthMiB = o.bandwidthMib === undefined ? undefined : core.parseWholeNumber(o.bandwidthMib, o.device ? 'bandwidthMiB' : 'bandwidthBytes', 0);
        if (o.device !== undefined) {
          const device = ({ gpu: 'cuda', rocm: 'cuda', gaudi: 'hpu' } as Record<string, string>)[o.device] ?? o.device;
          if (!(a.TORCH_BENCH_DEVICES as readonly string[]).includes(device)) throw core.invalidInput('device', `unknown device "${o.device}"`, 'use auto, gpu (CUDA or ROCm), hpu (Gaudi) or cpu');
          const trainModel = o.trainModel as (typeof a.TORCH_TRAIN_MODELS)[number] | undefined;
          if (trainModel !== undefined && !a.TORCH_TRAIN_MODELS.includes(trainModel)) throw core.invalidInput('trainModel', `unknown model "${o.trainModel}" for the PyTorch script`, `use one of ${a.TORCH_TRAIN_MODELS.join(', ')}`);
          const precisions = o.precisions?.split(',').map((x) => x.trim()) as Precision[] | undefined;
          await withStore(async (store) => {
            const r = await a.benchTorch(store, {
              python: o.python,
              device: device as TorchBenchDevice,
              ...(o.script ? { script: o.script } : {}),
              ...(o.as ? { deviceId: o.as } : {}),
              ...(precisions ? { precisions } : {}),
              ...(sizes ? { sizes } : {}),
              ...(seconds !== undefined ? { secondsPerCase: seconds } : {}),
              ...(bandwidthMiB !== undefined ? { bandwidthMiB } : {}),
              ...(trainModel ? { trainModel } : {}),
              onNotice: (m) => process.stderr.write(`verdant: ${m}\n`),
            });
            for (const w of r.warnings) process.stderr.write(`verdant: warning: ${w}\n`);
            if (o.json) return printJson(torchBenchJson(a, r));
            process.stdout.write(`${r.deviceName} (${r.backend}) → ${r.deviceId}${r.inCatalog ? '' : ' (not in the catalog)'}; power from ${r.powerMethod}; run ${r.runId}\n`);
            process.stdout.write(a.alignTable(sweepRows(r.sweep)));
            for (const s of r.skipped) process.stdout.write(`skipped ${s.what}: ${s.reason}\n`);
            writeExtras(r.memoryBandwidthBytesPerS, r.trainingStep);
            process.stdout.write(`stored ${r.profiles.length} measured GEMM profile${r.profiles.length === 1 ? '' : 's'} (an achievable peak, not a utilization): ${r.profiles.map((p) => `${p.precision} ${(p.achievedFlops / 1e12).toFixed(3)} TFLOPS`).join(', ')}\n`);
            if (r.trainingProfile) process.stdout.write(`stored the training step as a measured training profile (the utilization figure): ${r.trainingProfile.precision} ${(r.trainingProfile.achievedFlops / 1e12).toFixed(4)} TFLOPS\n`);
            if (r.powerEstimated) process.stdout.write('power: estimated by the tracker (no power meter answered), not measured\n');
          });
          return;
        }
        if (o.python !== 'python3' || o.script || o.as || o.precisions) throw core.invalidInput('device', '--python, --script, --as and --precisions are for the PyTorch script', 'add --device auto (or gpu, hpu, cpu)');
        const trainModel = o.trainModel ?? 'reference';
        if (!['tiny', 'small', 'reference', 'none'].includes(trainModel)) throw core.invalidInput('trainModel', `unknown MoE lab size "${trainModel}"`, 'use tiny, small, reference or none');
        const trainingSeconds = o.trainSeconds === undefined ? undefined : core.parsePositive(o.trainSeconds, 'trainingSeconds');
        const training = trainModel === 'none' ? undefined : await (await import('@verdant/moe')).trainingStepWorkload({ size: trainModel as 'tiny' | 'small' | 'reference' });
        await withStore(async (store) => {
          const r = await a.benchCpu(store, {
            ...(sizes ? { sizes } : {}),
            ...(seconds !== undefined ? { secondsPerSize: seconds } : {}),
            ...(bandwidthMiB !== undefined ? { bandwidthBytes: bandwidthMiB * 2 ** 20 } : {}),
            ...(training ? { training } : {}),
            ...(trainingSeconds !== undefined ? { trainingSeconds } : {}),
          });
          for (const w of r.warnings) process.stderr.write(`verdant: warning: ${w}\n`);
          if (o.json) {
            return printJson({
              run_id: r.runId,
              energy_j: r.energyJ,
              power_w: r.powerW,
              power_method: r.powerMethod,
              power_estimated: r.powerEstimated,
              measurements: a.measurementsJson(r.measurements),
              profile: r.profile ? a.profileJson(r.profile) : null,
              training_profile: r.trainingProfile ? a.profileJson(r.trainingProfile) : null,
              warnings: r.warnings,
            });
          }
          process.stdout.write(a.alignTable(sweepRows(r.sweep)));
          writeExtras(r.memoryBandwidthBytesPerS, r.trainingStep);
          process.stdout.write(`power from ${r.powerMethod}${r.powerEstimated ? ' (estimated, not measured)' : ''}; run ${r.runId}; stored GEMM profile ${r.profile?.id ?? '-'} (cpu, fp32, measured: an achievable peak)${r.trainingProfile ? `; training profile ${r.trainingProfile.id} (cpu, ${r.trainingProfile.precision}, measured: the utilization)` : ''}\n`);
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
      .description('Devices side by side for one job at one count; with --zone, also cost and carbon in each zone and start time')
      .argument('<devices...>', 'one or more devices (two or more without --zone), e.g. h100 mi300x gaudi3')
      .option('--count <n>', 'devices of each', '8')
      .option('--zone <zone>', 'grid zone to charge the carbon in, e.g. ES (repeatable): adds cost and carbon per zone and start', collect, [])
      .option('--start <time>', 'start time with --zone (repeatable; default now)', collect, [])
      .option('--trace <file>', 'intensity from a trace as a perfect forecast: a file, or shipped such as ES:2023 (repeatable)', collect, [])
      .option('--spot', 'spot prices instead of on-demand (with --zone)')
      .option('--markdown', 'print a Markdown table (with --zone)'),
  ).action(
    action(async (names: string[], o: JobFlags & { count: string; zone: string[]; start: string[]; trace: string[]; spot?: boolean; markdown?: boolean }) => {
      const [a, core] = await Promise.all([import('@verdant/accel'), import('@verdant/core')]);
      const job = a.jobFromFields(jobFields(o));
      const count = core.parseWholeNumber(o.count, 'count', 1);
      if (o.zone.length) {
        const starts = o.start.length ? o.start.map((t) => core.parseTime(t, 'starts')) : [core.nowS()];
        const { withIntensity } = await import('../options/intensity.js');
        const req = { job, devices: names, count, zones: o.zone, starts, ...(o.spot ? { pricing: 'spot' as const } : {}) };
        const c = await withStore((store) => withIntensity(o.trace, { clock: Math.min(...starts) }, (provider) => a.compareRegions(req, { store, provider })));
        for (const w of c.warnings) process.stderr.write(`verdant: warning: ${w}\n`);
        if (o.json) return printJson(a.regionComparisonJson(c));
        const table = a.regionComparisonTable(c);
        return void process.stdout.write(o.markdown ? a.markdownTable(table, [3, 4, 5, 6, 7, 8]) : a.alignTable(table));
      }
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

  const profile = accel.command('profile').description('Enter a published (MLPerf Training, ML.ENERGY) or measured profile of a device');
  profile
    .command('add')
    .description('Store a device profile with its source; the model uses measured > published > the spec-sheet default')
    .argument('<device>', 'id or alias, e.g. h100')
    .requiredOption('--source <url>', 'where the figure comes from: the URL of the MLPerf result, ML.ENERGY entry or paper')
    .option('--kind <kind>', 'published (a third party\'s figure) or measured (taken on your own hardware)', 'published')
    .option('--precision <p>', 'fp32, tf32, bf16, fp16, fp8 or int8', 'bf16')
    .option('--tflops <n>', 'achieved dense TFLOPS per device')
    .option('--tokens-per-s <n>', 'instead of --tflops: training tokens/s of the whole run (with --params and --count)')
    .option('--params <n>', 'model parameters the throughput is for, e.g. 70B')
    .option('--active-params <n>', 'active parameters per token (MoE)')
    .option('--count <n>', 'devices the throughput ran on (default 1)')
    .option('--power <watts>', 'average power per device under that load, e.g. 650W')
    .option('--scaling <f>', 'throughput kept per doubling of the device count')
    .option('--workload <text>', 'what was run, e.g. "Llama 2 70B LoRA, MLPerf Training v4.1, 8 GPUs"')
    .option('--retrieved <date>', 'when the figure was read from its source (default now)')
    .option('--json', 'print JSON')
    .action(
      action(async (device: string, o: { source: string; kind: string; precision: string; tflops?: string; tokensPerS?: string; params?: string; activeParams?: string; count?: string; power?: string; scaling?: string; workload?: string; retrieved?: string; json?: boolean }) => {
        const a = await import('@verdant/accel');
        const entry = a.profileEntryFromFields({
          device,
          source: o.source,
          provenance: o.kind,
          precision: o.precision,
          achievedTflops: o.tflops,
          tokensPerS: o.tokensPerS,
          paramsTotal: o.params,
          paramsActive: o.activeParams,
          devices: o.count,
          powerW: o.power,
          scalingPerDoubling: o.scaling,
          workload: o.workload,
          retrievedAt: o.retrieved,
        });
        // Checked in full before the store is opened.
        a.profileFromEntry(entry);
        await withStore(async (store) => {
          const p = await a.addProfile(store, entry);
          if (o.json) return printJson(a.profileJson(p));
          process.stdout.write(`stored ${p.provenance} profile ${p.id}: ${p.deviceId} ${p.precision} ${(p.achievedFlops / 1e12).toFixed(1)} TFLOPS per device${p.meta?.scalingFactor !== undefined ? ` (the scaling kept on ${p.meta.devices} devices, ${p.meta.scalingFactor.toFixed(3)}, divided out)` : ''}${p.powerW !== null ? `, ${p.powerW} W` : ''} (${p.source})\n`);
        });
      }),
    );

  accel
    .command('profiles')
    .description('Stored profiles (measured and published), newest first; "in use" marks the one the model uses per device and precision')
    .option('--device <device>', 'only this device')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { device?: string; json?: boolean }) => {
        const a = await import('@verdant/accel');
        await withStore(async (store) => {
          const list = await a.listProfiles(store, o.device ? { device: o.device } : {});
          if (o.json) return printJson({ profiles: list.map(a.profileJson) });
          const rows = [['id', 'device', 'precision', 'kind', 'TFLOPS', 'power W', 'in use', 'retrieved', 'workload', 'source']];
          for (const p of list) rows.push([p.id, p.deviceId, p.precision, p.provenance, (p.achievedFlops / 1e12).toFixed(1), p.powerW === null ? '-' : p.powerW.toFixed(0), p.inUse ? 'yes' : '', p.meta?.retrievedAt ? new Date(p.meta.retrievedAt * 1000).toISOString().slice(0, 10) : new Date(p.recordedAt * 1000).toISOString().slice(0, 10), p.meta?.workload ?? '', p.source]);
          process.stdout.write(a.alignTable(rows));
          if (!list.length) process.stderr.write('no profiles stored: verdant accel bench measures this CPU; verdant accel profile add enters a published one\n');
        });
      }),
    );
}

type Accel = typeof import('@verdant/accel');

const fixed = (v: number | null, digits: number): string => (v === null ? '-' : v.toFixed(digits));

/** The sweep of a bench as table rows: one per precision and size. */
function sweepRows(sweep: readonly GemmPoint[]): string[][] {
  const rows = [['precision', 'n', 'multiplies', 'seconds', 'TFLOPS', 'W', 'J/TFLOP']];
  for (const x of sweep) rows.push([x.precision, String(x.n), String(x.multiplies), x.seconds.toFixed(2), (x.flops / 1e12).toFixed(4), fixed(x.powerW, 1), fixed(x.jPerTflop, 1)]);
  return rows;
}

function writeExtras(bandwidth: number | null, t: TrainingStepPoint | null): void {
  if (bandwidth !== null) process.stdout.write(`memory copy: ${(bandwidth / 1e9).toFixed(2)} GB/s (read + write)\n`);
  if (t) process.stdout.write(`training step: ${t.tokensPerS.toFixed(0)} tokens/s${t.flopsPerS ? `, ${(t.flopsPerS / 1e12).toFixed(4)} TFLOPS (6 × active parameters)` : ''}, ${t.jPerToken === null ? '- J/token' : `${(t.jPerToken * 1000).toFixed(3)} mJ/token`} at ${fixed(t.powerW, 1)} W — ${t.model}\n`);
}

const torchBenchJson = (a: Accel, r: TorchBenchResult) => ({
  run_id: r.runId,
  backend: r.backend,
  device_name: r.deviceName,
  device_id: r.deviceId,
  in_catalog: r.inCatalog,
  power_method: r.powerMethod,
  power_estimated: r.powerEstimated,
  measurements: r.profiles[0]?.meta?.measurements ? a.measurementsJson({ ...r.profiles[0].meta.measurements, sweep: r.sweep }) : null,
  skipped: r.skipped,
  warnings: r.warnings,
  profiles: r.profiles.map(a.profileJson),
  training_profile: r.trainingProfile ? a.profileJson(r.trainingProfile) : null,
});
