import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VerdantError, constantLookup } from '@verdant/core';
import { RamModelSource, TdpModelSource, discoverSensors } from '../src/sensors/index.js';
import { memTotalBytes } from '../src/sensors/procfs.js';
import { Tracker } from '../src/measurement/tracker.js';
import type { EnergySensor } from '../src/sensors/sensor.js';
import { cleanupTemp, context, copyFixture, FIXTURES, sleep } from './sensors/helpers.js';

afterEach(cleanupTemp);

/** A /proc/self/stat whose cutime/cstime (ticks) say how much CPU time the reader's reaped children used. */
function writeSelfStat(procfs: string, cutime: number, cstime = 0): void {
  mkdirSync(join(procfs, 'self'), { recursive: true });
  writeFileSync(join(procfs, 'self', 'stat'), `4242 (verdant) S 1 4242 4242 0 -1 4194304 100 0 0 0 5 5 ${cutime} ${cstime} 20 0 1 0 100 1000000 2560 0 0 0\n`);
}

describe('tdp-model: the last interval of a command that has exited', () => {
  it("charges the root's final CPU time from the reaped child's rusage instead of 0", async () => {
    const proc = copyFixture('procfs-basic'); // Xeon 8380 x 2 = 540 W over 4 CPUs: 135 J per CPU-second
    writeSelfStat(proc, 0);
    const [sensor] = await new TdpModelSource().discover(context({ procfs: proc, rootPid: 100 }));
    expect((await sensor!.read()).energyJ).toBe(0); // tree seen: 730 ticks = 7.3 CPU-s
    await sleep(400);
    // The root exits and is reaped: its tree leaves procfs, and its whole time (7.3 s seen + 1 s since the
    // last read, its waited-for workers included) lands in the reader's children rusage.
    for (const pid of [100, 101, 102]) rmSync(join(proc, String(pid)), { recursive: true });
    writeSelfStat(proc, 700, 130);
    expect((await sensor!.read()).energyJ).toBeCloseTo(135, 6);
    // once final, nothing more is charged, whatever else the reader reaps later
    await sleep(100);
    writeSelfStat(proc, 5000, 130);
    expect((await sensor!.read()).energyJ).toBeCloseTo(135, 6);
  });

  it('charges a command that started and exited between two reads', async () => {
    const proc = copyFixture('procfs-basic');
    writeSelfStat(proc, 50);
    const ctx = context({ procfs: proc });
    const [sensor] = await new TdpModelSource().discover(ctx);
    await sensor!.read(); // machine mode: no run yet
    await sleep(2000);
    for (const pid of [100, 101, 102]) rmSync(join(proc, String(pid)), { recursive: true });
    writeSelfStat(proc, 150); // the command used 1 CPU-s in all and is gone already
    ctx.setRoot(100);
    expect((await sensor!.read()).energyJ).toBeCloseTo(135, 6);
  });

  it('without a readable rusage (no self in procfs) the behaviour is the old one: nothing, never negative', async () => {
    const proc = copyFixture('procfs-basic');
    const [sensor] = await new TdpModelSource().discover(context({ procfs: proc, rootPid: 100 }));
    await sensor!.read();
    for (const pid of [100, 101, 102]) rmSync(join(proc, String(pid)), { recursive: true });
    expect((await sensor!.read()).energyJ).toBe(0);
  });

  it('on the real procfs: a short CPU-bound command is charged its CPU time, not 0', async () => {
    const [sensor] = await new TdpModelSource().discover({ ...context({}), procfsRoot: '/proc', sysfsRoot: '/sys', rootPid: () => child.pid });
    const cpuJ = (sensor as unknown as { tdpW: number }).tdpW / (await import('../src/sensors/procfs.js').then((m) => m.cpuCount('/proc')));
    // Burns CPU, then reports its own CPU time (user + system, s) as it exits.
    const script = 'const t=Date.now();let x=0;while(Date.now()-t<400)x+=Math.sqrt(x+1);const u=process.cpuUsage();console.log((u.user+u.system)/1e6)';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.once('spawn', r));
    await sensor!.read(); // the baseline, just after the start: almost nothing used yet
    await new Promise((r) => child.once('close', r));
    const reported = Number(out.trim());
    expect(reported).toBeGreaterThan(0.05);
    const charged = (await sensor!.read()).energyJ! / cpuJ; // CPU-seconds the model charged
    // All of it was spent after the baseline and before the exit: before the fix this was 0.
    expect(charged).toBeGreaterThan(reported * 0.5);
    expect(charged).toBeLessThan(reported + 0.5);
  });
});

describe('ram-model: rss (default) or machine', () => {
  it('defaults to the run tree\'s resident memory and says so in its method and description', async () => {
    const sensors = await discoverSensors(context({ procfs: join(FIXTURES, 'procfs-basic'), rootPid: 100 }), { only: ['ram-model'] });
    expect(sensors.map((s) => [s.id, s.method])).toEqual([['model:ram', 'ram-model-rss']]);
    expect(sensors[0]!.description).toMatch(/mode rss.*resident memory/);
    const machine = await discoverSensors(context({ procfs: join(FIXTURES, 'procfs-basic'), rootPid: 100 }), { only: ['ram-model'], ram: 'machine' });
    expect(machine.map((s) => s.method)).toEqual(['ram-model-machine']);
    expect(machine[0]!.description).toMatch(/mode machine.*16\.0 GiB installed/);
    expect((await machine[0]!.read()).powerW).toBeCloseTo(6, 9);
    expect((await sensors[0]!.read()).powerW).toBeLessThan(0.2);
  });

  it('rejects an unknown mode before discovering anything', async () => {
    const ctx = context({ procfs: join(FIXTURES, 'procfs-basic') });
    await expect(discoverSensors(ctx, { ram: 'installed' as never })).rejects.toMatchObject({ field: 'ram', exitCode: 2 });
    expect(() => new RamModelSource('all' as never)).toThrow(VerdantError);
  });

  it('parallel runs of `sleep` are each charged their own few MB, not the whole machine', async () => {
    const total = (await memTotalBytes('/proc'))!;
    const runOne = async (mode: 'rss' | 'machine') => {
      const child = spawn('sleep', ['1.2'], { stdio: 'ignore' });
      await new Promise((r) => child.once('spawn', r));
      const sensors: EnergySensor[] = await new RamModelSource(mode).discover({ ...context({}), procfsRoot: '/proc', rootPid: () => child.pid });
      const tracker = new Tracker({ name: 'sleep', sensors, lookup: constantLookup(100), intervalS: 0.2 });
      await tracker.start();
      await new Promise((r) => child.once('close', r));
      const snap = await tracker.stop('succeeded', 0);
      return { energyJ: snap.energyJ, elapsedS: snap.elapsedS };
    };
    const runs = await Promise.all([runOne('rss'), runOne('rss'), runOne('rss'), runOne('machine')]);
    const machine = runs[3]!;
    // machine mode: the whole installed RAM at 0.375 W/GiB for the run's length
    expect(machine.energyJ).toBeGreaterThan(0.5 * (total / 1024 ** 3) * 0.375 * 1);
    for (const r of runs.slice(0, 3)) {
      // sleep's RSS is a few MB: far below 1% of the machine figure
      expect(r.energyJ).toBeGreaterThanOrEqual(0);
      expect(r.energyJ).toBeLessThan(machine.energyJ * 0.01);
    }
  });
});
