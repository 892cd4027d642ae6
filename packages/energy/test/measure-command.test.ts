import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdantError, constantLookup } from '@verdant/core';
import { measureCommand } from '../src/run/measure-command.js';
import { parseRunSpec, type RunSpecInput } from '../src/run/spec.js';
import { cleanupTemp, fixtureGpuEnv, tempDir } from './helpers.js';
import { thrown } from '@verdant/core/testing';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await cleanupTemp();
});

const tmp = (): string => tempDir('verdant-measure-');

const ARGV = ['true'];

describe('parseRunSpec', () => {
  it.each<[string, Partial<RunSpecInput>, string, RegExp]>([
    ['an interval below 100 ms', { intervalS: '5ms' }, 'intervalS', /between 100ms and 1h/],
    ['an interval of 0 s as a number', { intervalS: 0 }, 'intervalS', /between 100ms and 1h/],
    ['a PUE above 3', { pue: '9' }, 'pue', /between 1\.0 and 3\.0/],
    ['a Pushgateway that is not http(s)', { pushgatewayUrl: 'ftp://gateway:9091' }, 'pushgatewayUrl', /not an http\(s\) URL/],
    ['an energy budget without a number', { maxEnergyJ: 'lots' }, 'maxEnergyJ', /as an energy/],
    ['a negative energy budget in joules', { maxEnergyJ: -1 }, 'maxEnergyJ', /non-negative number of joules/],
    ['an emissions budget without a number', { maxEmissionsG: 'lots' }, 'maxEmissionsG', /as a mass/],
    ['an unknown action past a budget', { onExceed: 'explode' }, 'onExceed', /warn, stop or pause/],
    ['a grace that is no duration', { graceS: 'soon' }, 'graceS', /as a duration/],
    ['an unknown RAM attribution', { ramMode: 'installed' }, 'ramMode', /unknown RAM attribution "installed"/],
    ['a replay year without a trace', { replayYear: '2023' }, 'replayYear', /only applies with traceFile/],
    ['a replay year that is no year', { traceFile: 'es.csv', replayYear: '23' }, 'replayYear', /must be a year such as 2023/],
    ['carbon-aware without a threshold', { carbonAware: true }, 'pauseAboveG', /is required with carbonAware/],
    ['a resume threshold above the pause threshold', { pauseAboveG: '200', resumeBelowG: 300 }, 'resumeBelowG', /must be below pauseAboveG \(200\)/],
    ['a deadline in the past', { carbonAware: true, pauseAboveG: 300, deadline: '2001-01-01T00:00Z' }, 'deadline', /is in the past/],
    ['an expected duration that is no duration', { carbonAware: true, pauseAboveG: 300, expectedDurationS: 'long' }, 'expectedDurationS', /as a duration/],
    ['a deadline without carbon-aware pausing', { deadline: '2030-01-01T00:00Z' }, 'deadline', /only applies with carbonAware/],
    ['an expected duration without carbon-aware pausing', { expectedDurationS: '2h' }, 'expectedDurationS', /only applies with carbonAware/],
    ['an empty output directory', { outputDir: ' ' }, 'outputDir', /is empty/],
    ['no command', { argv: [] }, 'argv', /names no command/],
  ])('%s: exit 2 naming the library field, never a CLI flag', (_name, input, field, message) => {
    const e = thrown(() => parseRunSpec({ argv: ARGV, ...input }));
    expect(e).toMatchObject({ field, exitCode: 2 });
    expect(e.message).toMatch(message);
    expect(`${e.message} ${e.fix ?? ''}`).not.toMatch(/--[a-z]/);
  });

  it('reads units from strings and SI numbers, with the documented defaults', () => {
    expect(parseRunSpec({ argv: ['python', 'train.py'] })).toEqual({ argv: ['python', 'train.py'], intervalS: 1, pue: 1, ramMode: 'rss' });
    const spec = parseRunSpec({
      argv: ARGV,
      name: 'train',
      intervalS: '200ms',
      pue: '1.2',
      maxEnergyJ: '500Wh',
      maxEmissionsG: '2kg',
      onExceed: 'pause',
      graceS: '3s',
      ramMode: 'machine',
      traceFile: 'es.csv',
      replayYear: '2023',
      pauseAboveG: '300',
      deadline: '2999-01-01T00:00Z',
      expectedDurationS: '2h',
    });
    expect(spec).toMatchObject({
      name: 'train',
      intervalS: 0.2,
      pue: 1.2,
      budget: { maxEnergyJ: 1.8e6, energyUnit: 'Wh', maxEmissionsG: 2000, emissionsUnit: 'kg', onExceed: 'pause', graceS: 3 },
      ramMode: 'machine',
      replayYear: 2023,
      carbon: { pauseAbove: 300, resumeBelow: 270, deadline: Date.UTC(2999, 0, 1) / 1000, expectedDurationS: 7200 },
    });
    // Numbers are SI (J, g, s), and a budget given in joules is reported in joules.
    expect(parseRunSpec({ argv: ARGV, intervalS: 5, maxEnergyJ: 3600, maxEmissionsG: 5 }).budget).toEqual({ onExceed: 'warn', graceS: 10, maxEnergyJ: 3600, energyUnit: 'J', maxEmissionsG: 5, emissionsUnit: 'g' });
  });
});

/** An environment whose configured store lives in `home`, with one fixture GPU of 100 W as the only sensor. */
function sandbox(): { dir: string; home: string; env: NodeJS.ProcessEnv } {
  const dir = tmp();
  return { dir, home: join(dir, 'home'), env: fixtureGpuEnv(dir, 100) };
}

/** A stand-in Pushgateway that records the paths pushed to. */
async function gateway(): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    req.resume().on('end', () => res.writeHead(200).end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

describe('measureCommand', () => {
  it('measures the command with the sensors found for it, pushes, writes the output files, and returns its exit code', async () => {
    const { dir, home, env } = sandbox();
    const out = join(dir, 'new', 'out');
    const push = await gateway();
    const samples: number[] = [];
    const spec = parseRunSpec({ argv: ['sh', '-c', 'sleep 1; exit 4'], name: 'job', intervalS: '200ms', outputDir: out, pushgatewayUrl: push.url, maxEnergyJ: '1kWh' });
    const { summary, exitCode, result } = await measureCommand({ ...spec, env, lookup: constantLookup(300, 'DE'), stdio: 'ignore', onSample: (s) => samples.push(s.energyJ) });

    expect(exitCode).toBe(4);
    expect(result.runId).toBe(summary.run_id);
    expect(summary).toMatchObject({ name: 'job', status: 'failed', exit_code: 4, zone: 'DE', interval_s: 0.2 });
    expect(summary.meta.budget).toMatchObject({ maxEnergyJ: 3.6e6, onExceed: 'warn' });
    expect(summary.sensors.map((s) => s.id)).toEqual(['gpu:0']);
    expect(Math.abs(summary.energy_j - 100 * summary.duration_s)).toBeLessThan(0.05 * 100 * summary.duration_s);
    expect(summary.emissions_g).toBeCloseTo((summary.energy_j / 3.6e6) * 300, 6);
    expect(samples.length).toBeGreaterThan(0);
    // The configured store (VERDANT_HOME of env) was opened for it.
    expect(existsSync(join(home, 'verdant.db'))).toBe(true);
    // The output files, in the directory created for them.
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toEqual(summary);
    const csv = readFileSync(join(out, 'emissions.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain(summary.run_id);
    // Live metrics went to the Pushgateway under the run's group, the last one after the command ended.
    expect(push.paths.length).toBeGreaterThan(0);
    for (const p of push.paths) expect(p).toBe(`POST /metrics/job/verdant/run/${summary.run_id}`);
  }, 60_000);

  it('refuses before anything is created: a missing command (127), an output directory with a file in the way (2)', async () => {
    const { dir, home, env } = sandbox();
    const marker = join(dir, 'started');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'keep me');
    const lookup = constantLookup(300, 'DE');

    const missing = await measureCommand({ ...parseRunSpec({ argv: ['no-such-command-verdant'], outputDir: join(dir, 'out') }), env, lookup }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ field: 'command', exitCode: 127 });
    expect(existsSync(join(dir, 'out'))).toBe(false);

    const blocked = await measureCommand({ ...parseRunSpec({ argv: ['touch', marker], outputDir: join(aFile, 'sub') }), env, lookup }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(VerdantError);
    expect(blocked).toMatchObject({ field: 'outputDir', exitCode: 2 });
    expect((blocked as VerdantError).message).toContain(`${aFile} is a file, not a directory`);

    const uncontrolled = await measureCommand({ ...parseRunSpec({ argv: ['touch', marker], carbonAware: true, pauseAboveG: 300 }), env, lookup }).catch((e: unknown) => e);
    expect(uncontrolled).toMatchObject({ field: 'controller' });

    // Nothing ran, and the store was never opened (so never created).
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(home)).toBe(false);
    expect(readFileSync(aFile, 'utf8')).toBe('keep me');
  }, 60_000);
});
