#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the root `prepare` script).
import { main } from '../dist/main.js';
main(process.argv).then((code) => { process.exitCode = code; });
