#!/usr/bin/env node
// Runs every benchmark (packages/*/bench/*.bench.mjs) one after another against the built packages and
// collects each one's figures (its last stdout line, a JSON object) into .bench/results.json.
// Usage: npm run bench [-- <substring filter>]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];
if (!existsSync(join(root, 'packages/cli/dist/main.js'))) {
  console.error('bench: packages are not built; run `npm run build` first');
  process.exit(2);
}
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.mjs')) files.push(join('packages', pkg, 'bench', f));
}
const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, at: new Date().toISOString(), benches: {} };
let failed = 0;
for (const f of files) {
  if (filter && !f.includes(filter)) continue;
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, [f], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  process.stdout.write(r.stdout);
  const last = r.stdout.trim().split('\n').pop();
  try {
    results.benches[f] = JSON.parse(last);
  } catch {
    results.benches[f] = { error: `exit ${r.status}` };
  }
  if (r.status !== 0) failed++;
}
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nbench: ${Object.keys(results.benches).length} benchmarks, ${failed} failed; figures in .bench/results.json`);
process.exit(failed ? 1 : 0);
