import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The `data/grid` directory (shipped traces, cloud-region table). This module sits at
 * `packages/grid/{src,dist}/zones/`. An installed package carries its own copy at `<package>/data/grid`
 * (put there when the package is packed); in the repository the copy at the repository root is used.
 * VERDANT_GRID_DATA points at another copy of the directory and wins over both.
 */
export function gridDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.VERDANT_GRID_DATA;
  if (override && override.trim() !== '') return path.resolve(override);
  const packaged = fileURLToPath(new URL('../../data/grid', import.meta.url));
  if (existsSync(packaged)) return packaged;
  return fileURLToPath(new URL('../../../../data/grid', import.meta.url));
}
