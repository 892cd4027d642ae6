#!/usr/bin/env node
// Runs after `tsc -b` (the root "build" script): replaces packages/core/dist/store/kysely.js, which re-exports
// what the store uses from kysely's ~260 ES modules, with a single bundled file of the same exports, so that
// `verdant runs list` and every other command that opens the store start in a fraction of the time.
// Why a bundle of one dependency rather than of the whole CLI: docs/decisions.md ("CLI start-up").
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const core = new URL('../packages/core/', import.meta.url).pathname;
const compiled = join(core, 'dist', 'store', 'kysely.js');
const source = readFileSync(compiled, 'utf8');
const names = /export \{([^}]*)\} from 'kysely'/.exec(source);
if (!names) {
  if (source.startsWith('// bundled')) process.exit(0); // already bundled and tsc did not re-emit it
  console.error(`bundle-vendor: ${compiled} does not re-export from 'kysely'; update scripts/bundle-vendor.mjs`);
  process.exit(1);
}
const result = await build({
  stdin: { contents: `export {${names[1]}} from 'kysely';`, resolveDir: core, loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
  legalComments: 'inline',
  logLevel: 'warning',
});
let dir = core;
while (!existsSync(join(dir, 'node_modules', 'kysely', 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
const { version } = JSON.parse(readFileSync(join(dir, 'node_modules', 'kysely', 'package.json'), 'utf8'));
writeFileSync(compiled, `// bundled from kysely ${version} (MIT) by scripts/bundle-vendor.mjs\n${result.outputFiles[0].text}`);
