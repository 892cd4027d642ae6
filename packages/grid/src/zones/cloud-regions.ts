import { readFileSync } from 'node:fs';
import path from 'node:path';
import { VerdantError, invalidInput } from '@verdant/core';
import { parseCsv } from '../trace/csv.js';
import { gridDataDir } from './data-dir.js';
import { closestMatches } from './suggest.js';

/** A public cloud whose regions map to grid zones ("cloud", not "provider": in Verdant a provider is a source of carbon intensity). */
export type Cloud = 'aws' | 'gcp' | 'azure';
export const CLOUDS: readonly Cloud[] = ['aws', 'gcp', 'azure'];

/** One row of data/grid/cloud-regions.csv. */
export interface CloudRegion {
  /** "aws:eu-west-1" */
  id: string;
  cloud: Cloud;
  /** The provider's own region name, "eu-west-1". */
  region: string;
  /** Electricity Maps zone id of the grid it draws from. */
  zone: string;
  location: string;
  /** Where the location comes from. */
  source: string;
}

const FILE = 'cloud-regions.csv';
const COLUMNS = ['region', 'zone', 'location', 'source'] as const;
const cache = new Map<string, ReadonlyMap<string, CloudRegion>>();

/** Every cloud region in the table, keyed by id ("aws:eu-west-1"). */
export function cloudRegions(dataDir = gridDataDir()): ReadonlyMap<string, CloudRegion> {
  const cached = cache.get(dataDir);
  if (cached) return cached;
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new VerdantError(`cannot read the cloud-region table ${FILE}`, {
      field: 'VERDANT_GRID_DATA',
      fix: 'point VERDANT_GRID_DATA at a copy of the repository directory data/grid',
      cause,
    });
  }
  const { rows } = parseCsv(text, { comments: true });
  const [header, ...body] = rows;
  const missing = COLUMNS.filter((c) => !header?.cells.includes(c));
  if (!header || missing.length > 0) throw new VerdantError(`${FILE}: missing column(s) ${missing.join(', ')}`);
  const col = (name: (typeof COLUMNS)[number]): number => header.cells.indexOf(name);
  const regions = new Map<string, CloudRegion>();
  for (const row of body) {
    const id = (row.cells[col('region')] ?? '').toLowerCase();
    const [cloud, region] = id.split(':') as [string, string | undefined];
    const zone = row.cells[col('zone')] ?? '';
    if (!CLOUDS.includes(cloud as Cloud) || !region || zone === '') {
      throw new VerdantError(`${FILE} line ${row.line}: expected "<aws|gcp|azure>:<region>,<zone>,…", got "${row.cells.join(',')}"`);
    }
    regions.set(id, {
      id,
      cloud: cloud as Cloud,
      region,
      zone,
      location: row.cells[col('location')] ?? '',
      source: row.cells[col('source')] ?? '',
    });
  }
  cache.set(dataDir, regions);
  return regions;
}

/** True for "<cloud>:<region>" spellings (anything with a colon is meant as a cloud region). */
export const isCloudRegionId = (input: string): boolean => input.includes(':');

/**
 * Canonical id for a user's spelling: lower case; Azure display names lose their spaces
 * ("azure:West Europe" → "azure:westeurope"); an availability zone becomes its region
 * ("aws:eu-west-1a" → "aws:eu-west-1", "gcp:europe-west4-b" → "gcp:europe-west4").
 */
export function normalizeCloudRegionId(input: string): string {
  const [cloudPart = '', ...rest] = input.split(':');
  const cloud = cloudPart.trim().toLowerCase();
  let region = rest.join(':').trim().toLowerCase();
  if (cloud === 'azure') region = region.replace(/\s+/g, '');
  if (cloud === 'aws') region = region.replace(/^([a-z]+(?:-[a-z]+)+-\d+)[a-z]$/, '$1');
  if (cloud === 'gcp') region = region.replace(/^([a-z]+(?:-[a-z]+)*\d+)-[a-z]$/, '$1');
  return `${cloud}:${region}`;
}

/** The table row for a cloud region; unknown ones get an error listing the closest known ids. */
export function lookupCloudRegion(input: string, field = 'zone', dataDir = gridDataDir()): CloudRegion {
  const id = normalizeCloudRegionId(input);
  const regions = cloudRegions(dataDir);
  const found = regions.get(id);
  if (found) return found;
  const cloud = id.split(':')[0] as string;
  if (!CLOUDS.includes(cloud as Cloud)) {
    throw invalidInput(field, `unknown cloud "${cloud}" in "${input}"`, `write the region as ${CLOUDS.map((c) => `${c}:<region>`).join(', ')} (e.g. aws:eu-west-1)`);
  }
  const sameCloud = [...regions.keys()].filter((k) => k.startsWith(`${cloud}:`));
  const close = closestMatches(id, sameCloud);
  throw invalidInput(
    field,
    `unknown cloud region "${input}"${close.length ? `; closest known: ${close.join(', ')}` : ''}`,
    `use one of the ${sameCloud.length} ${cloud} regions in data/grid/cloud-regions.csv (listCloudRegions() lists them), or give the grid zone directly`,
  );
}

/** All regions of one cloud (or all clouds), sorted by id. */
export function listCloudRegions(cloud?: Cloud, dataDir = gridDataDir()): CloudRegion[] {
  return [...cloudRegions(dataDir).values()].filter((r) => !cloud || r.cloud === cloud).sort((a, b) => a.id.localeCompare(b.id));
}
