import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@verdant/core';
import { CODECARBON_COLUMNS } from '@verdant/energy';
import { assertBuilt, constantTrace, runCli, sandbox, startCli } from './helpers.js';

beforeAll(assertBuilt);

const SENSORS = [
  { id: 'gpu:0', kind: 'gpu', powerW: 250 },
  { id: 'cpu:package-0', kind: 'cpu', powerW: 65, reading: 'power' as const },
];

describe('verdant run', () => {
  it('reports each sensor within 2% of the truth and emissions = energy x the trace intensity', async () => {
    const { home, env } = sandbox(SENSORS);
    const trace = constantTrace(home, 400);
    const out = join(home, 'out');
    const r = await runCli(['run', '--json', '--interval', '500ms', '--intensity-trace', trace, '--output', out, '--', 'sleep', '5'], env);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe('succeeded');
    expect(s.exit_code).toBe(0);
    expect(s.duration_s).toBeGreaterThan(4.9);
    for (const want of SENSORS) {
      const got = s.sensors.find((x: { id: string }) => x.id === want.id);
      expect(got.method).toBeTruthy();
      // truth: the sensor's power over the time the command ran
      expect(Math.abs(got.energy_j - want.powerW * s.duration_s) / (want.powerW * s.duration_s)).toBeLessThan(0.02);
    }
    expect(s.emissions_g).toBeCloseTo((s.energy_j / 3.6e6) * 400, 6);
    expect(s.intensity_g_per_kwh).toBeCloseTo(400, 6);
    for (const k of ['run_id', 'status', 'exit_code', 'duration_s', 'energy_j', 'emissions_g', 'intensity_g_per_kwh', 'sensors']) expect(s).toHaveProperty(k);

    // the same fields come back from the store
    const { what_if: whatIf, ...shown } = JSON.parse((await runCli(['runs', 'show', s.run_id, '--json'], env)).stdout);
    expect(shown).toEqual(s);
    expect(whatIf).toMatchObject({ window_s: 86400, sources: expect.any(Array) });
    const human = (await runCli(['runs', 'show', s.run_id], env)).stdout;
    expect(human).toMatch(/^what if {4}the same power profile/m);
    expect(human).toMatch(/^ {2}data {13}\S+ history: /m);
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], env)).stdout);
    expect(listed.runs[0]).toMatchObject({ run_id: s.run_id, name: 'sleep', status: 'succeeded' });

    // CodeCarbon-compatible output
    const csv = readFileSync(join(out, 'emissions.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CODECARBON_COLUMNS.join(','));
    const row = Object.fromEntries(csv[0]!.split(',').map((c, i) => [c, csv[1]!.split(',')[i]]));
    expect(Number(row.energy_consumed)).toBeCloseTo(s.energy_j / 3.6e6, 9);
    expect(Number(row.emissions)).toBeCloseTo(s.emissions_g / 1000, 9);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).run_id).toBe(s.run_id);
  });

  it("returns the command's exit code", async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCli(['run', '--json', '--region', 'DE', '--', 'sh', '-c', 'exit 3'], env);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', exit_code: 3 });
  });

  it('leaves an interrupted run with its energy so far when verdant is killed with SIGKILL', async () => {
    const { home, env } = sandbox(SENSORS);
    const child = startCli(['run', '--interval', '200ms', '--region', 'DE', '--', 'sleep', '30'], env);
    // Killed once more than a second of 315 W is stored (however long start-up takes on a busy machine).
    let flushed = false;
    for (let i = 0; i < 300 && !flushed; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (!existsSync(join(home, 'verdant.db'))) continue;
      const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
      const [latest] = await store.listRuns({ limit: 1 });
      await store.close();
      flushed = (latest?.energy_j ?? 0) > 315 * 1;
    }
    expect(flushed).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r)); // not 'close': the orphaned command keeps the pipes open
    const listed = JSON.parse((await runCli(['runs', 'list', '--json'], env)).stdout);
    const id = listed.runs[0].run_id;
    const shown = JSON.parse((await runCli(['runs', 'show', id, '--json'], env)).stdout);
    expect(shown.status).toBe('interrupted');
    expect(shown.energy_j).toBeGreaterThan(315 * 1); // at least a second of 315 W was flushed
    expect(shown.sensors.find((x: { id: string }) => x.id === 'gpu:0').energy_j).toBeGreaterThan(0);
    // the orphaned command is still ours to clean up
    if (shown.child_pid) {
      try {
        process.kill(shown.child_pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, 60_000);

  it('stops the command when the energy budget is passed', async () => {
    const { env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 3600 }]); // 1 Wh per second
    const r = await runCli(['run', '--json', '--interval', '200ms', '--region', 'DE', '--max-energy', '2Wh', '--on-exceed', 'stop', '--grace', '1s', '--', 'sleep', '30'], env);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe('stopped');
    expect(s.duration_s).toBeLessThan(10);
    expect(s.meta.budget_exceeded.kind).toBe('energy');
    expect(r.stderr).toMatch(/energy budget exceeded/);
  });

  it('pauses the command at the budget and resumes it with `verdant resume`', async () => {
    const { home, env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 3600 }]);
    const child = startCli(['run', '--json', '--interval', '200ms', '--region', 'DE', '--max-energy', '1Wh', '--on-exceed', 'pause', '--', 'sleep', '2'], env);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const closed = new Promise((r) => child.on('close', r)); // heard from the start: it may end while `verdant resume` is still exiting
    // Watch the store in-process (a CLI call per poll is slow on a loaded machine).
    let id: string | undefined;
    for (let i = 0; i < 150 && !id; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (!existsSync(join(home, 'verdant.db'))) continue;
      const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
      const [latest] = await store.listRuns({ limit: 1 });
      await store.close();
      if (latest?.status === 'paused') id = latest.id;
    }
    expect(id).toBeDefined();
    // paused: the command does not finish although its 2 s are up
    await new Promise((r) => setTimeout(r, 2500));
    expect(child.exitCode).toBeNull();
    const resumed = await runCli(['resume', id!], env);
    expect(resumed.code).toBe(0);
    await closed;
    expect(JSON.parse(stdout)).toMatchObject({ run_id: id, status: 'succeeded', exit_code: 0 });
  }, 90_000);
});

describe('verdant run: bad input', () => {
  it('rejects a bad --max-co2 before the command starts', async () => {
    const { home, env } = sandbox(SENSORS);
    const marker = join(home, 'started');
    const r = await runCli(['run', '--max-co2', 'lots', '--', 'touch', marker], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-co2/);
    expect(existsSync(marker)).toBe(false);
  });

  it('exits 127 with a clear message for a missing command', async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCli(['run', '--region', 'DE', '--', 'no-such-command-verdant'], env);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/command not found: no-such-command-verdant/);
  });

  it('names the line of an unreadable trace file', async () => {
    const { home, env } = sandbox(SENSORS);
    const trace = join(home, 'bad.csv');
    (await import('node:fs')).writeFileSync(trace, 'time,gco2_per_kwh\n2024-01-01T00:00:00Z,100\n2024-01-01T01:00:00Z,abc\n');
    const r = await runCli(['run', '--intensity-trace', trace, '--', 'true'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3/);
  });

  it('suggests close zones for an unknown zone', async () => {
    const { env } = sandbox(SENSORS);
    const r = await runCli(['run', '--region', 'DX', '--', 'true'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DE|DK/);
  });
});

describe('verdant run: progress, prediction and carbon-aware pausing', () => {
  it('reads progress from the command and keeps the prediction with the run', async () => {
    const { env } = sandbox(SENSORS);
    // Half way is reported as it exits, so the prediction made then doubles nearly all of the run's energy
    // (a tail after it would run longer on a busy machine and eat into the margin).
    const script = 'echo \'{"step":1,"total":4}\' >> "$VERDANT_PROGRESS_FILE"; sleep 2; echo \'{"step":2,"total":4}\' >> "$VERDANT_PROGRESS_FILE"';
    const r = await runCli(['run', '--json', '--interval', '200ms', '--region', 'DE', '--', 'sh', '-c', script], env);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.meta.progress.fraction).toBe(0.5);
    const p = s.meta.prediction;
    // the last prediction extrapolates the energy at half way to the whole run
    expect(p.fraction).toBe(0.5);
    expect(p.total_energy_j).toBeGreaterThan(s.energy_j * 1.2);
    expect(p.total_duration_s).toBeGreaterThan(3);
  });

  it('pauses while the trace is above --pause-above and resumes below --resume-below', async () => {
    const { home, env } = sandbox(SENSORS);
    const trace = join(home, 'seconds.csv');
    const t0 = Math.floor(Date.now() / 1000);
    const rows = ['time,gco2_per_kwh'];
    // clean for 5 s (the CLI starts meanwhile), dirty for 4 s, clean again
    for (let i = -2; i < 60; i++) rows.push(`${t0 + i},${i >= 5 && i < 9 ? 500 : 100}`);
    (await import('node:fs')).writeFileSync(trace, `${rows.join('\n')}\n`);
    const r = await runCli(
      ['run', '--json', '--interval', '200ms', '--intensity-trace', trace, '--carbon-aware', '--pause-above', '300', '--resume-below', '200', '--',
        // work in small steps: a paused `sleep 5` would still end on time (its clock runs while stopped)
        'sh', '-c', 'i=0; while [ $i -lt 25 ]; do sleep 0.2; i=$((i+1)); done'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/paused \(carbon/);
    expect(r.stderr).toMatch(/resumed \(carbon/);
    const s = JSON.parse(r.stdout);
    expect(s.status).toBe('succeeded');
    expect(s.duration_s).toBeGreaterThan(7); // 5 s of work plus the dirty spell
  }, 60_000);
});
