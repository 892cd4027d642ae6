import type { Command } from 'commander';
import { action } from '../options/action.js';
import { printJson } from '../options/print.js';

const CLOUDS = ['aws', 'gcp', 'azure'] as const;
type Cloud = (typeof CLOUDS)[number];

export function register(program: Command): void {
  program
    .command('zones')
    .description('Grid zones Verdant knows offline, or a cloud\'s regions and the grid zone each draws from')
    .option('--cloud <cloud>', 'list the regions of aws, gcp or azure instead')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { cloud?: string; json?: boolean }) => {
        const [{ invalidInput }, grid] = await Promise.all([import('@verdant/core'), import('@verdant/grid')]);
        if (o.cloud !== undefined && !CLOUDS.includes(o.cloud as Cloud)) throw invalidInput('--cloud', `unknown cloud "${o.cloud}"`, `use one of ${CLOUDS.join(', ')}`);
        if (o.cloud) {
          const regions = grid.listCloudRegions(o.cloud as Cloud).map((r) => ({ id: r.id, region: r.region, zone: r.zone, location: r.location }));
          if (o.json) return printJson({ cloud: o.cloud, regions });
          const w = Math.max(...regions.map((r) => r.id.length));
          process.stdout.write(regions.map((r) => `${r.id.padEnd(w)}  ${r.zone.padEnd(12)} ${r.location}\n`).join(''));
          return;
        }
        const zones = grid.listZones().map((z) => ({ zone: z.zone, name: z.name, country: z.country ?? null, sources: z.sources }));
        if (o.json) return printJson({ zones });
        const w = Math.max(...zones.map((z) => z.zone.length));
        const hourly = (z: { sources: string[] }): string => (z.sources.some((s) => s.startsWith('trace:')) ? '  [hourly traces]' : '');
        process.stdout.write(zones.map((z) => `${z.zone.padEnd(w)}  ${z.name}${hourly(z)}\n`).join(''));
      }),
    );
}
