import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

// The libraries name their own fields (grid: zone, traceFile, traces, clock; schedule: powerW, earliestStart,
// zones, noise; accel: device, utilization); each command shows the flag the user typed for them instead
// (src/options/fields.ts).
const offline = (): NodeJS.ProcessEnv => ({ ...process.env, VERDANT_OFFLINE: '1', VERDANT_DATABASE_URL: '', VERDANT_HOME: mkdtempSync(join(tmpdir(), 'verdant-flags-')) });

describe('library field names become the command flags', () => {
  it.each<[string, string[], RegExp]>([
    ['intensity: a zone the trace lacks is the <zone> argument', ['intensity', 'DE', '--trace', 'ES:2023', '--at', '2023-03-01T00:00Z'], /^verdant: <zone>: no trace for zone "DE"/],
    ['forecast: a zone the trace lacks is the <zone> argument', ['forecast', 'DE', '--trace', 'ES:2023', '--at', '2023-06-01T00:00Z'], /^verdant: <zone>: no trace for zone "DE"/],
    ['intensity: a time outside the trace is --at', ['intensity', 'ES', '--trace', 'ES:2023', '--at', '2024-06-01T00:00Z'], /^verdant: --at: the trace for ES covers/],
    ['plan: overlapping traces are --trace', ['plan', '--trace', 'ES:2023', '--trace', 'ES:2023', '--duration', '1h'], /^verdant: --trace: traces trace:ES_2023_hourly\.csv and trace:ES_2023_hourly\.csv overlap/],
    ['plan: a shipped trace that does not exist is --trace', ['plan', '--trace', 'ES:1999', '--duration', '1h'], /^verdant: --trace: no shipped trace for ES 1999/],
    ['plan: a region the traces lack is --region', ['plan', '--trace', 'ES:2023', '--region', 'DE', '--duration', '1h', '--earliest', '2023-03-01T00:00Z'], /^verdant: --region: no trace for zone "DE"/],
    ['estimate: an unknown zone is --region', ['estimate', '--device', 'h100-sxm', '--hours', '1', '--region', 'ATLANTIS'], /^verdant: --region: unknown grid zone "ATLANTIS"/],
    ['estimate: an unreadable trace is --intensity-trace', ['estimate', '--device', 'h100-sxm', '--hours', '1', '--intensity-trace', join('no', 'such', 'trace.csv')], /^verdant: --intensity-trace: .*cannot read the trace file/],
    ['run: an unknown zone is --region, before the command runs', ['run', '--region', 'ATLANTIS', '--', process.execPath, '-e', 'process.stdout.write("ran")'], /^verdant: --region: unknown grid zone "ATLANTIS"/],
    // The planner's PlanRequest fields (powerW, earliestStart, deadline).
    ['plan: power and energy both are --power', ['plan', '--trace', 'ES:2023', '--duration', '1h', '--earliest', '2023-03-01T00:00Z', '--power', '1kW', '--energy', '1kWh'], /^verdant: --power: give either the power or the energy/],
    ['plan: a window the trace does not reach is --earliest', ['plan', '--trace', 'ES:2023', '--duration', '1h', '--earliest', '2031-03-01T00:00Z'], /^verdant: --earliest: no intensity data for ES/],
    ['compare-regions: a deadline too early is --deadline', ['compare-regions', '--trace', 'ES:2023', '--trace', 'NO:2023', '--duration', '3h', '--earliest', '2023-03-01T00:00Z', '--deadline', '1h'], /^verdant: --deadline: the deadline .* is before the earliest start plus the duration/],
    // The simulator's SimulationRequest fields (zones, noise, timeZone, scenario).
    ['simulate: a zone with no shipped trace is --zone', ['simulate', '--zone', 'XX', '--year', '2023'], /^verdant: --zone: no shipped trace for XX 2023/],
    ['simulate: noise above 1 is --noise', ['simulate', '--zone', 'NO', '--year', '2023', '--noise', '2'], /^verdant: --noise: must be a fraction between 0 and 1/],
    ['simulate: an unknown time zone is --time-zone', ['simulate', '--zone', 'NO', '--year', '2023', '--time-zone', 'Mars/Olympus'], /^verdant: --time-zone: unknown time zone "Mars\/Olympus"/],
    // accel's estimateRun fields (device, utilization).
    ['estimate: an unknown device is --device, with close names', ['estimate', '--device', 'a100-sxm', '--hours', '1', '--region', 'DE'], /^verdant: --device: unknown device "a100-sxm" \(fix: did you mean .*A100-SXM4-80GB.*verdant accel devices/],
    ['estimate: a utilization above 1 is --utilization', ['estimate', '--device', 'h100-sxm', '--hours', '1', '--region', 'DE', '--utilization', '1.5'], /^verdant: --utilization: must be in \(0, 1\], got 1\.5/],
    // The job request's fields (interruptible, resumeBelowG), checked before anything is queued.
    ['submit: thresholds without --interruptible name --interruptible', ['submit', '--duration', '1h', '--region', 'DE', '--pause-above', '300', '--resume-below', '200', '--', process.execPath, '-e', '0'], /^verdant: --interruptible: pause thresholds need an interruptible job/],
    ['submit: a resume threshold above the pause one is --resume-below', ['submit', '--duration', '1h', '--region', 'DE', '--interruptible', '--pause-above', '200', '--resume-below', '300', '--', process.execPath, '-e', '0'], /^verdant: --resume-below: must be below the pause threshold/],
  ])('%s', async (_name, args, message) => {
    const r = await runCli(args, offline());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain('ran');
    // No library field name leaks through on its own.
    expect(r.stderr).not.toMatch(/^verdant: (zone|zones|traceFile|traces|clock|trace|powerW|energyJ|earliestStart|deadline|noise|timeZone|device|utilization|interruptible|resumeBelowG): /);
  });
});
