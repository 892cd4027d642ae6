#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the root `prepare` script).
import { main } from '../dist/main.js';

// `verdant runs list | head` closes our stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv).then((code) => {
  process.exitCode = code;
});
