import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { J_PER_KWH } from '@verdant/core';
import type { RunSummary } from './summary.js';

/**
 * CodeCarbon's emissions.csv columns (2.x), in its order and units: duration s, emissions kg CO2e,
 * emissions_rate kg/s, power W, energy kWh, ram_total_size GB. Tools built for CodeCarbon read our rows.
 */
export const CODECARBON_COLUMNS = [
  'timestamp',
  'project_name',
  'run_id',
  'experiment_id',
  'duration',
  'emissions',
  'emissions_rate',
  'cpu_power',
  'gpu_power',
  'ram_power',
  'cpu_energy',
  'gpu_energy',
  'ram_energy',
  'energy_consumed',
  'country_name',
  'country_iso_code',
  'region',
  'cloud_provider',
  'cloud_region',
  'os',
  'python_version',
  'codecarbon_version',
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'on_cloud',
  'pue',
] as const;

type Group = 'cpu' | 'gpu' | 'ram';
const groupOf = (kind: string, id: string): Group => {
  if (kind === 'gpu' || kind === 'accelerator') return 'gpu';
  if (kind === 'dram' || id === 'model:ram') return 'ram';
  return 'cpu';
};

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CodeCarbon row for a run. Energy columns carry PUE, as CodeCarbon's do. */
export function codecarbonRow(s: RunSummary): Record<(typeof CODECARBON_COLUMNS)[number], string | number> {
  const energy: Record<Group, number> = { cpu: 0, gpu: 0, ram: 0 };
  const gpuModels = new Set<string>();
  let gpuCount = 0;
  for (const sensor of s.sensors) {
    const g = groupOf(sensor.kind, sensor.id);
    energy[g] += sensor.energy_j * s.pue;
    if (g === 'gpu') {
      gpuCount++;
      if (sensor.description) gpuModels.add(sensor.description.split(';')[0]!.trim());
    }
  }
  const d = s.duration_s || 1;
  const kg = s.emissions_g / 1000;
  const country = s.zone.split('-')[0] ?? s.zone;
  return {
    timestamp: s.ended_at?.slice(0, 19) ?? s.started_at.slice(0, 19),
    project_name: s.name,
    run_id: s.run_id,
    experiment_id: s.run_id,
    duration: s.duration_s,
    emissions: kg,
    emissions_rate: kg / d,
    cpu_power: energy.cpu / d,
    gpu_power: energy.gpu / d,
    ram_power: energy.ram / d,
    cpu_energy: energy.cpu / J_PER_KWH,
    gpu_energy: energy.gpu / J_PER_KWH,
    ram_energy: energy.ram / J_PER_KWH,
    energy_consumed: s.energy_j / J_PER_KWH,
    country_name: country,
    country_iso_code: country,
    region: s.zone,
    cloud_provider: '',
    cloud_region: '',
    os: `${platform()}-${release()}`,
    python_version: '',
    codecarbon_version: '',
    cpu_count: cpus().length,
    cpu_model: cpus()[0]?.model ?? '',
    gpu_count: gpuCount,
    gpu_model: [...gpuModels].join(', '),
    longitude: '',
    latitude: '',
    ram_total_size: totalmem() / 1024 ** 3,
    tracking_mode: 'process',
    on_cloud: 'N',
    pue: s.pue,
  };
}

/** Appends the run to `<file>`, writing CodeCarbon's header first when the file is new or empty. */
export async function appendCodecarbonCsv(file: string, s: RunSummary): Promise<void> {
  const header = CODECARBON_COLUMNS.join(',');
  let existing = '';
  try {
    existing = await readFile(file, 'utf8');
  } catch {
    existing = '';
  }
  const row = codecarbonRow(s);
  const line = CODECARBON_COLUMNS.map((c) => csvCell(row[c])).join(',');
  if (!existing.trim()) await writeFile(file, `${header}\n${line}\n`);
  else await appendFile(file, `${existing.endsWith('\n') ? '' : '\n'}${line}\n`);
}
