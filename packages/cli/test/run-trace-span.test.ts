import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace, replayTime, shippedTracePath } from '@verdant/grid';
import { assertBuilt, runCli, sandbox } from './helpers.js';

beforeAll(assertBuilt);

const ES_2023 = shippedTracePath('ES', 2023);
const GPU = [{ id: 'gpu:0', kind: 'gpu', powerW: 100 }];

describe('verdant run --intensity-trace: the trace must cover the run', () => {
  it("refuses the README's 2023 trace for a run today, before starting anything", async () => {
    const { home, env } = sandbox(GPU);
    const marker = join(home, 'started');
    const r = await runCli(['run', '--intensity-trace', ES_2023, '--', 'touch', marker], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--intensity-trace');
    expect(r.stderr).toContain('trace:ES_2023_hourly.csv covers 2023-01-01T00:00:00.000Z to 2024-01-01T00:00:00.000Z');
    expect(r.stderr).toContain('--trace-replay 2023');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(marker)).toBe(false);
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], env)).stdout);
    expect(listed.runs).toEqual([]);
  });

  it('refuses it with --carbon-aware too, instead of pausing for ever on its last row', async () => {
    const { home, env } = sandbox(GPU);
    const marker = join(home, 'started');
    const r = await runCli(['run', '--intensity-trace', ES_2023, '--carbon-aware', '--pause-above', '50', '--', 'touch', marker], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trace:ES_2023_hourly.csv covers');
    expect(existsSync(marker)).toBe(false);
  });

  it('--trace-replay 2023 reads the trace at the run\'s month, day and hour', async () => {
    const { env } = sandbox(GPU);
    const trace = await loadTrace(ES_2023);
    const valueAt = (t: number) => {
      const u = replayTime(t, 2023);
      return trace.points.find((p) => p.t <= u && u < p.t + p.resolutionS)!.gPerKwh;
    };
    const before = valueAt(Date.now() / 1000);
    const r = await runCli(['run', '--json', '--interval', '200ms', '--intensity-trace', ES_2023, '--trace-replay', '2023', '--', 'sleep', '0.5'], env);
    const after = valueAt(Date.now() / 1000);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.intensity_source).toBe("trace:ES_2023_hourly.csv (2023 replayed on the run's dates)");
    expect(s.zone).toBe('ES');
    // the hour may turn during the run: the mean lies between the two hours' values
    expect(s.intensity_g_per_kwh).toBeGreaterThanOrEqual(Math.min(before, after) - 1e-9);
    expect(s.intensity_g_per_kwh).toBeLessThanOrEqual(Math.max(before, after) + 1e-9);
    const last = trace.points[trace.points.length - 1]!.gPerKwh;
    if (before !== last && after !== last) expect(s.intensity_g_per_kwh).not.toBe(last);
  });

  it('checks --trace-replay before starting', async () => {
    const { home, env } = sandbox(GPU);
    const marker = join(home, 'started');
    const cases: Array<[string[], RegExp]> = [
      [['--region', 'ES', '--trace-replay', '2023'], /--trace-replay.*only applies with --intensity-trace/],
      [['--intensity-trace', ES_2023, '--trace-replay', '23'], /--trace-replay.*must be a year such as 2023/],
      [['--intensity-trace', ES_2023, '--trace-replay', '2021'], /--trace-replay.*no data for 2021.*2023/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', ...args, '--', 'touch', marker], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('verdant run --ram', () => {
  /** Fake GPU beside the real models: no RAPL (empty sysfs), so the CPU and RAM models are used. */
  function modelSandbox(): NodeJS.ProcessEnv {
    const { home, env } = sandbox(GPU);
    const file = join(home, 'sensors-shared.json');
    writeFileSync(file, JSON.stringify({ sensors: GPU, exclusive: false }));
    const sysfs = join(home, 'sysfs');
    mkdirSync(sysfs);
    return { ...env, VERDANT_FAKE_SENSORS: file, VERDANT_SYSFS_ROOT: sysfs };
  }

  it('charges the run\'s resident memory by default and the whole machine with --ram machine, and says which', async () => {
    const env = modelSandbox();
    const rss = await runCli(['run', '--json', '--interval', '200ms', '--region', 'DE', '--', 'sleep', '1'], env);
    const machine = await runCli(['run', '--json', '--interval', '200ms', '--region', 'DE', '--ram', 'machine', '--', 'sleep', '1'], env);
    expect(rss.code, rss.stderr).toBe(0);
    expect(machine.code, machine.stderr).toBe(0);
    const ramOf = (out: string) => JSON.parse(out).sensors.find((x: { id: string }) => x.id === 'model:ram');
    const a = ramOf(rss.stdout);
    const b = ramOf(machine.stdout);
    expect(a.method).toBe('ram-model-rss');
    expect(a.description).toMatch(/mode rss/);
    expect(b.method).toBe('ram-model-machine');
    expect(b.energy_j).toBeGreaterThan(0);
    expect(a.energy_j).toBeLessThan(b.energy_j * 0.01); // sleep holds a few MB
    // the human view names the mode too
    const shown = await runCli(['runs', 'show', JSON.parse(rss.stdout).run_id], env);
    expect(shown.stdout).toMatch(/model:ram\s+ram-model-rss/);
  });

  it('rejects an unknown mode', async () => {
    const r = await runCli(['run', '--ram', 'installed', '--', 'true'], modelSandbox());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ram/);
  });
});

describe('verdant run budget messages', () => {
  it('speak the unit the budget was given in', async () => {
    const { env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 3600 }]); // 1 Wh per second
    const r = await runCli(['run', '--interval', '200ms', '--region', 'DE', '--max-energy', '0.5Wh', '--', 'sleep', '1'], env);
    expect(r.code).toBe(0);
    const m = /energy budget exceeded: (\d+(?:\.\d+)?) Wh > 0\.5 Wh/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0.5);
  });
});
