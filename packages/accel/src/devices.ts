import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VerdantError, invalidInput } from '@verdant/core';
import { closestMatches } from '@verdant/grid';
import { columnIndex, splitCsv } from './csv.js';

/** Precisions the catalog carries a dense peak for (int8 in TOPS, the others in TFLOPS). */
export const PRECISIONS = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];
/** Precisions with a vendor "with sparsity" figure (fp32 has none). */
export const SPARSE_PRECISIONS = ['tf32', 'bf16', 'fp16', 'fp8', 'int8'] as const;

export type DeviceKind = 'gpu' | 'hpu' | 'cpu';

/** One row of data/devices.csv. Every figure is null where the datasheet does not give it (see `note`). */
export interface Device {
  id: string;
  name: string;
  vendor: string;
  kind: DeviceKind;
  aliases: string[];
  memoryBytes: number | null;
  memoryBandwidthBytesPerS: number | null;
  /** Dense peak, FLOP/s (int8: OP/s). */
  densePeakFlops: Record<Precision, number | null>;
  /** Vendor "with sparsity" peak, FLOP/s; never used by the model, shown as such. */
  sparsePeakFlops: Record<(typeof SPARSE_PRECISIONS)[number], number | null>;
  tdpW: number | null;
  idleW: number | null;
  interconnect: string;
  interconnectBytesPerS: number | null;
  sourceUrl: string;
  /** Date the figures were taken from sourceUrl, YYYY-MM-DD. */
  retrieved: string;
  note: string;
}

const DEFAULT_FILE = fileURLToPath(new URL('../data/devices.csv', import.meta.url));
const cache = new Map<string, Device[]>();

/** The device catalog (Verdant's own CSV, or another file of the same columns). */
export function loadDevices(file = DEFAULT_FILE): Device[] {
  const hit = cache.get(file);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new VerdantError(`cannot read the device catalog ${file}`, { field: 'devicesFile', fix: 'give the path of a devices CSV', cause });
  }
  const devices = parseDevices(text, file);
  cache.set(file, devices);
  return devices;
}

/** Parses a devices CSV; a bad row is an error naming its line (the catalog is ours and must be whole). */
export function parseDevices(text: string, file = 'devices.csv'): Device[] {
  const [header, ...rows] = splitCsv(text, { comments: true });
  if (!header) throw new VerdantError(`${file}: empty`);
  const col = columnIndex(header.cells);
  const need = ['id', 'name', 'vendor', 'kind', 'aliases', 'source_url', 'retrieved'];
  const missing = need.filter((c) => col(c) < 0);
  if (missing.length) throw new VerdantError(`${file}: missing column(s) ${missing.join(', ')}`);
  return rows.map((r) => {
    const cell = (name: string): string => (col(name) >= 0 ? (r.cells[col(name)] ?? '') : '');
    const num = (name: string, scale: number): number | null => {
      const v = cell(name);
      if (v === '') return null;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new VerdantError(`${file} line ${r.line}: ${name} must be a non-negative number, got "${v}"`);
      return n * scale;
    };
    const kind = cell('kind');
    if (!['gpu', 'hpu', 'cpu'].includes(kind)) throw new VerdantError(`${file} line ${r.line}: kind must be gpu, hpu or cpu, got "${kind}"`);
    const dense = {} as Record<Precision, number | null>;
    for (const p of PRECISIONS) dense[p] = num(p === 'int8' ? 'int8_tops' : `${p}_tflops`, 1e12);
    const sparse = {} as Device['sparsePeakFlops'];
    for (const p of SPARSE_PRECISIONS) sparse[p] = num(p === 'int8' ? 'sparse_int8_tops' : `sparse_${p}_tflops`, 1e12);
    return {
      id: cell('id'),
      name: cell('name'),
      vendor: cell('vendor'),
      kind: kind as DeviceKind,
      aliases: cell('aliases').split(';').map((a) => a.trim()).filter(Boolean),
      memoryBytes: num('memory_gb', 1e9),
      memoryBandwidthBytesPerS: num('memory_bw_gb_per_s', 1e9),
      densePeakFlops: dense,
      sparsePeakFlops: sparse,
      tdpW: num('tdp_w', 1),
      idleW: num('idle_w', 1),
      interconnect: cell('interconnect'),
      interconnectBytesPerS: num('interconnect_gb_per_s', 1e9),
      sourceUrl: cell('source_url'),
      retrieved: cell('retrieved'),
      note: cell('note'),
    };
  });
}

const norm = (s: string): string => s.toLowerCase().replace(/^(nvidia|amd|intel|habana)[\s_-]+/, '').replace(/[\s_]+/g, '-');

/**
 * The device a name means: its id or any alias, case- and separator-insensitive ("H100", "h100-80gb",
 * "Gaudi HL-225"). An ambiguous family name ("A100") is settled by the per-device memory when given.
 * Returns undefined when nothing matches (importers skip such rows); `deviceById` throws instead.
 */
export function matchDevice(name: string, memoryBytes?: number | null, devices = loadDevices()): Device | undefined {
  const n = norm(name);
  const hits = devices.filter((d) => norm(d.id) === n || d.aliases.some((a) => norm(a) === n));
  if (memoryBytes && memoryBytes > 0) {
    // A100 with 80 GB is the 80 GB part even when the catalog calls it "A100".
    const family = devices.filter((d) => d.memoryBytes !== null && (norm(d.id).startsWith(`${n}-`) || hits.includes(d)));
    const sized = family.find((d) => Math.abs(d.memoryBytes! - memoryBytes) / d.memoryBytes! < 0.1);
    if (sized) return sized;
  }
  return hits[0];
}

/** A device by id or alias, or an error naming `field` with the closest names. */
export function deviceById(name: string, field = 'device', devices = loadDevices()): Device {
  const d = matchDevice(name, undefined, devices);
  if (d) return d;
  const names = devices.flatMap((x) => [x.id, ...x.aliases]);
  const near = closestMatches(name, names);
  throw invalidInput(field, `unknown device "${name}"`, near.length ? `did you mean ${near.join(', ')}? (verdant accel devices lists them)` : 'verdant accel devices lists the catalog');
}
