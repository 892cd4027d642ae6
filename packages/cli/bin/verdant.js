#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the root `prepare` script).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of our modules between runs (a no-op on Node 20): start-up counts
// against every short command. Enabled before the CLI is imported, so it covers all of it.
module.enableCompileCache?.();

// `verdant runs list | head` closes our stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('../dist/main.js');
main(process.argv).then((code) => {
  process.exitCode = code;
});
