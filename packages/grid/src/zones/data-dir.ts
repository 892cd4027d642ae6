import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The repository's `data/grid` directory (shipped traces, cloud-region table). This module sits at
 * `packages/grid/{src,dist}/zones/`, so the repo root is four levels up from either. An installation
 * outside the repository points VERDANT_GRID_DATA at a copy of the directory instead.
 */
export function gridDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.VERDANT_GRID_DATA;
  if (override && override.trim() !== '') return path.resolve(override);
  return fileURLToPath(new URL('../../../../data/grid', import.meta.url));
}
