#!/usr/bin/env node
// Regenerates the command-output tables in the docs (docs/hardware.md), or checks them with --check.
//
// A generated block is
//   <!-- generated: verdant <args> -->
//   …the command's output…
//   <!-- end generated -->
// The command runs through the built CLI (packages/cli/bin/verdant.js; `npm run build` first) against an empty
// store in a fresh VERDANT_HOME, offline, so it sees only what ships: the device catalog, the illustrative
// offer sample and the shipped traces. Its stdout up to the first blank line replaces the block: as it is when
// the command prints Markdown (--markdown), else in a code block under the command line.
//
//   node scripts/doc-tables.mjs            # rewrite the blocks
//   node scripts/doc-tables.mjs --check    # exit 1 when a block differs from its command's output
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const files = args.filter((a) => a !== '--check');
const docs = files.length ? files : [join(root, 'docs', 'hardware.md')];
const cli = join(root, 'packages', 'cli', 'bin', 'verdant.js');
const BLOCK = /(<!-- generated: verdant ([^\n]*?) -->\n)([\s\S]*?)(<!-- end generated -->)/g;

function run(argv) {
  const home = mkdtempSync(join(tmpdir(), 'verdant-doc-tables-'));
  try {
    const env = { ...process.env, VERDANT_HOME: home, VERDANT_OFFLINE: '1', VERDANT_DATABASE_URL: '', VERDANT_REGION: '', NO_COLOR: '1' };
    const r = spawnSync(process.execPath, [cli, ...argv], { env, encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`verdant ${argv.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    const out = r.stdout.split('\n\n')[0].replace(/\n*$/, '\n');
    return argv.includes('--markdown') ? out : `\`\`\`\n$ verdant ${argv.join(' ')}\n${out}\`\`\`\n`;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

let stale = 0;
for (const file of docs) {
  const text = readFileSync(file, 'utf8');
  let blocks = 0;
  const next = text.replace(BLOCK, (_all, open, command, body, close) => {
    blocks++;
    const fresh = run(command.trim().split(/\s+/));
    if (fresh !== body) {
      stale++;
      if (check) process.stderr.write(`${relative(root, file)}: the output of \`verdant ${command.trim()}\` differs from the doc\n`);
    }
    return `${open}${fresh}${close}`;
  });
  if (!check && next !== text) writeFileSync(file, next);
  process.stdout.write(`${relative(root, file)}: ${blocks} generated block(s)${check ? (stale ? ', stale' : ', up to date') : ''}\n`);
}
if (check && stale) {
  process.stderr.write('run `npm run build && npm run docs:tables` and commit the result\n');
  process.exit(1);
}
