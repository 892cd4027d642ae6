import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

// The grid library names its own fields (zone, traceFile, traces, clock); each command shows the flag the
// user typed for them instead.
const offline = (): NodeJS.ProcessEnv => ({ ...process.env, VERDANT_OFFLINE: '1', VERDANT_DATABASE_URL: '', VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-flags-')) });

describe('library field names become the command flags', () => {
  it.each<[string, string[], RegExp]>([
    ['intensity: a zone the trace lacks is the <zone> argument', ['intensity', 'DE', '--trace', 'ES:2023', '--at', '2023-03-01T00:00Z'], /^verdant: <zone>: no trace for zone "DE"/],
    ['forecast: a zone the trace lacks is the <zone> argument', ['forecast', 'DE', '--trace', 'ES:2023', '--at', '2023-06-01T00:00Z'], /^verdant: <zone>: no trace for zone "DE"/],
    ['intensity: a time outside the trace is --at', ['intensity', 'ES', '--trace', 'ES:2023', '--at', '2024-06-01T00:00Z'], /^verdant: --at: the trace for ES covers/],
    ['plan: overlapping traces are --trace', ['plan', '--trace', 'ES:2023', '--trace', 'ES:2023', '--duration', '1h'], /^verdant: --trace: traces trace:ES_2023_hourly\.csv and trace:ES_2023_hourly\.csv overlap/],
    ['plan: a shipped trace that does not exist is --trace', ['plan', '--trace', 'ES:1999', '--duration', '1h'], /^verdant: --trace: no shipped trace for ES 1999/],
    ['plan: a region the traces lack is --region', ['plan', '--trace', 'ES:2023', '--region', 'DE', '--duration', '1h', '--earliest', '2023-03-01T00:00Z'], /^verdant: --region: no trace for zone "DE"/],
    ['estimate: an unknown zone is --region', ['estimate', '--device', 'a100-sxm', '--hours', '1', '--region', 'ATLANTIS'], /^verdant: --region: unknown grid zone "ATLANTIS"/],
    ['estimate: an unreadable trace is --intensity-trace', ['estimate', '--device', 'a100-sxm', '--hours', '1', '--intensity-trace', join('no', 'such', 'trace.csv')], /^verdant: --intensity-trace: .*cannot read the trace file/],
    ['run: an unknown zone is --region, before the command runs', ['run', '--region', 'ATLANTIS', '--', process.execPath, '-e', 'process.stdout.write("ran")'], /^verdant: --region: unknown grid zone "ATLANTIS"/],
  ])('%s', async (_name, args, message) => {
    const r = await runCli(args, offline());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain('ran');
    // No library field name leaks through on its own.
    expect(r.stderr).not.toMatch(/^verdant: (zone|traceFile|traces|clock|trace): /);
  });
});
