import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuTdpWatts, DEFAULT_WATTS_PER_CPU, lookupTdp, RamModelSource, TdpModelSource, TDP_TABLE } from '../../src/sensors/index.js';
import { cleanupTemp, context, copyFixture, FIXTURES, setCpuTicks, sleep } from './helpers.js';

afterEach(cleanupTemp);

describe('TDP table', () => {
  it('matches /proc/cpuinfo model names', () => {
    expect(lookupTdp('Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz')?.wattsPerSocket).toBe(270);
    expect(lookupTdp('AMD EPYC 7763 64-Core Processor')?.wattsPerSocket).toBe(280);
    expect(lookupTdp('AMD Ryzen 9 5950X 16-Core Processor')?.wattsPerSocket).toBe(105);
    expect(lookupTdp('12th Gen Intel(R) Core(TM) i7-12700K')?.name).toBe('Intel Core i7-12700K');
    expect(lookupTdp('Intel(R) Xeon(R) Platinum 8380H CPU')).toBeUndefined();
    expect(lookupTdp('ARM Neoverse-V2')?.wattsPerCpu).toBeCloseTo(500 / 144, 9);
    expect(lookupTdp(undefined)).toBeUndefined();
    expect(TDP_TABLE.length).toBeGreaterThanOrEqual(30);
  });

  it('scales by sockets, by CPUs for ARM, and falls back to a documented W per CPU', () => {
    expect(cpuTdpWatts('AMD EPYC 9654 96-Core Processor', 2, 384).watts).toBe(720);
    expect(cpuTdpWatts('ARM Neoverse-N1', 1, 80).watts).toBeCloseTo(210, 9);
    const unknown = cpuTdpWatts('AMD EPYC', 1, 2);
    expect(unknown.watts).toBe(2 * DEFAULT_WATTS_PER_CPU);
    expect(unknown.basis).toMatch(/unknown model "AMD EPYC"/);
  });
});

describe('tdp-model CPU sensor', () => {
  it("charges TDP x the run tree's share of CPU time", async () => {
    const proc = copyFixture('procfs-basic'); // Xeon 8380 x 2 sockets = 540 W, 4 CPUs
    const [sensor] = await new TdpModelSource().discover(context({ procfs: proc, rootPid: 100 }));
    expect([sensor!.id, sensor!.kind, sensor!.method, sensor!.estimate]).toEqual(['model:cpu', 'model', 'tdp-model', true]);
    expect(sensor!.description).toMatch(/540 W.*Platinum 8380.*2 socket/);
    expect((await sensor!.read()).energyJ).toBe(0);
    await sleep(400);
    setCpuTicks(proc, 101, { utime: 300 }); // +1 CPU-second in the tree
    // energy = (1 s / (wall x 4 CPUs)) x 540 W x wall = 135 J whatever the wall time
    expect((await sensor!.read()).energyJ).toBeCloseTo(135, 6);
  });

  it('caps the share at the whole machine', async () => {
    const proc = copyFixture('procfs-basic');
    const [sensor] = await new TdpModelSource().discover(context({ procfs: proc, rootPid: 100 }));
    const a = await sensor!.read();
    await sleep(100);
    setCpuTicks(proc, 100, { utime: 100_000 });
    const b = await sensor!.read();
    expect(b.energyJ).toBeCloseTo(540 * (b.t - a.t), 6);
  });

  it("uses the machine's busy share before the run has a pid", async () => {
    const proc = copyFixture('procfs-basic');
    const ctx = context({ procfs: proc });
    const [sensor] = await new TdpModelSource().discover(ctx);
    const a = await sensor!.read();
    await sleep(100);
    // +100 busy, +300 idle jiffies: 25% busy
    writeFileSync(join(proc, 'stat'), 'cpu  10100 0 5000 80300 500 0 100 0 0 0\ncpu0 1\ncpu1 1\ncpu2 1\ncpu3 1\n');
    const b = await sensor!.read();
    expect(b.energyJ).toBeCloseTo(0.25 * 540 * (b.t - a.t), 6);
  });

  it('charges all CPU time of a run tree that appears between two reads', async () => {
    const proc = copyFixture('procfs-basic');
    const ctx = context({ procfs: proc });
    const [sensor] = await new TdpModelSource().discover(ctx);
    await sensor!.read(); // machine mode: no run yet
    await sleep(2000);
    ctx.setRoot(100); // the command starts; its tree has used 730 ticks = 7.3 CPU-seconds since
    expect((await sensor!.read()).energyJ).toBeCloseTo(7.3 * 135, 6);
  });

  it('counts nothing for the interval in which the tree shrinks, then counts again', async () => {
    const proc = copyFixture('procfs-basic');
    const [sensor] = await new TdpModelSource().discover(context({ procfs: proc, rootPid: 100 }));
    await sensor!.read();
    await sleep(300);
    setCpuTicks(proc, 101, { utime: 0, stime: 0 }); // -2.5 CPU-s: a worker's time left the tree
    expect((await sensor!.read()).energyJ).toBe(0);
    await sleep(300);
    setCpuTicks(proc, 101, { utime: 100 }); // +1 CPU-s
    expect((await sensor!.read()).energyJ).toBeCloseTo(135, 6);
  });
});

describe('ram-model sensor', () => {
  it('charges 3 W per 8 GB of all installed memory in machine mode', async () => {
    const [sensor] = await new RamModelSource('machine').discover(context({ procfs: join(FIXTURES, 'procfs-basic') }));
    expect([sensor!.id, sensor!.method, sensor!.estimate]).toEqual(['model:ram', 'ram-model-machine', true]);
    expect((await sensor!.read()).powerW).toBeCloseTo(6, 9); // 16 GiB
  });

  it("charges the run tree's resident memory by default (rss mode)", async () => {
    const [sensor] = await new RamModelSource().discover(context({ procfs: join(FIXTURES, 'procfs-basic'), rootPid: 100 }));
    expect(sensor!.method).toBe('ram-model-rss');
    const rssGiB = ((25600 + 51200 + 2560) * 4096) / 1024 ** 3;
    expect((await sensor!.read()).powerW).toBeCloseTo(rssGiB * 0.375, 9);
  });

  it('warns and yields nothing without meminfo', async () => {
    const ctx = context({});
    expect(await new RamModelSource().discover(ctx)).toEqual([]);
    expect(ctx.warnings.join()).toMatch(/MemTotal/);
  });
});
