import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { invalidInput } from '@verdant/core';
import { gridDataDir } from '../zones/data-dir.js';

/** A trace file shipped under data/grid/electricitymaps (Electricity Maps portal exports, ODbL). */
export interface ShippedTrace {
  zone: string;
  year: number;
  path: string;
}

const DIR = 'electricitymaps';
const NAME = /^(.+)_(\d{4})_hourly\.csv$/;

/** Every shipped trace, sorted by zone then year. */
export function shippedTraces(dataDir = gridDataDir()): ShippedTrace[] {
  const dir = path.join(dataDir, DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, m: NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ zone: m[1] as string, year: Number(m[2]), path: path.join(dir, name) }))
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.year - b.year);
}

/** Path of the shipped hourly trace for a zone and year, e.g. shippedTracePath('ES', 2022). */
export function shippedTracePath(zone: string, year: number, dataDir = gridDataDir()): string {
  const all = shippedTraces(dataDir);
  const found = all.find((t) => t.zone === zone.trim().toUpperCase() && t.year === year);
  if (found) return found.path;
  const have = all.map((t) => `${t.zone} ${t.year}`).join(', ');
  // The year is what is wrong when the zone has other years shipped; otherwise the zone is.
  const field = all.some((t) => t.zone === zone.trim().toUpperCase()) ? 'year' : 'zone';
  throw invalidInput(field, `no shipped trace for ${zone} ${year}`, have ? `shipped traces: ${have}` : 'the data/grid directory is missing; set VERDANT_GRID_DATA');
}
