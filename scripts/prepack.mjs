#!/usr/bin/env node
// Runs as each workspace package's `prepack`: puts the repository's LICENSE into the package, and for
// @verdant/grid a copy of data/grid (shipped traces, cloud regions, their ODbL attribution), for @verdant/accel a copy
// of integrations/python/verdant_accel_bench.py (the script `verdant accel bench` runs), so a tarball made
// by `npm pack --workspaces` works installed outside the repository. The copies are git-ignored.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgDir = process.cwd();
const { name } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (!existsSync(join(pkgDir, 'dist'))) {
  console.error(`prepack: ${name} is not built; run \`npm run build\` at the repository root first`);
  process.exit(2);
}
cpSync(join(root, 'LICENSE'), join(pkgDir, 'LICENSE'));
if (name === '@verdant/accel') {
  // The PyTorch benchmark `verdant accel bench --device gpu|hpu|cpu` runs (bench-torch.ts finds it here first).
  rmSync(join(pkgDir, 'python'), { recursive: true, force: true });
  cpSync(join(root, 'integrations', 'python', 'verdant_accel_bench.py'), join(pkgDir, 'python', 'verdant_accel_bench.py'));
}
if (name === '@verdant/grid') {
  rmSync(join(pkgDir, 'data'), { recursive: true, force: true });
  cpSync(join(root, 'data', 'grid'), join(pkgDir, 'data', 'grid'), { recursive: true });
}
