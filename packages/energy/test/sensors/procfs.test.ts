import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cpuCount,
  cpuInfo,
  machineCpuTicks,
  memTotalBytes,
  parseProcStat,
  processTree,
  processTreePids,
  treeCpuSeconds,
  treeRssBytes,
} from '../../src/sensors/index.js';
import { cleanupTemp, copyFixture, FIXTURES, setCpuTicks, tempDir } from './helpers.js';

const PROC = join(FIXTURES, 'procfs-basic');
afterEach(cleanupTemp);

describe('procfs reader', () => {
  it('parses a stat line whose command name holds spaces and parentheses', () => {
    const s = parseProcStat('102 (my (odd) name) S 101 102 102 0 -1 4194304 100 0 0 0 40 10 3 2 20 0 1 0 100 1000000 2560 0');
    expect(s).toEqual({ pid: 102, ppid: 101, cpuS: 0.5, childrenCpuS: 0.05, rssBytes: 2560 * 4096 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('finds the root and all its descendants, and nothing else', async () => {
    const tree = await processTree(PROC, 100);
    expect(tree.map((p) => p.pid)).toEqual([100, 101, 102]);
    expect([...(await processTreePids(PROC, 101))].sort()).toEqual([101, 102]);
    expect(await processTree(PROC, 4242)).toEqual([]);
  });

  it('sums CPU time of the tree including waited-for children, and RSS', async () => {
    // 100: 300+100 own, 20+10 children; 101: 200+50; 102: 40+10 -> 730 ticks
    expect(await treeCpuSeconds(PROC, 100)).toBeCloseTo(7.3, 9);
    expect(await treeRssBytes(PROC, 100)).toBe((25600 + 51200 + 2560) * 4096);
  });

  it('keeps the tree total continuous when a child exits and is reaped by its parent', async () => {
    const proc = copyFixture('procfs-basic');
    const before = await treeCpuSeconds(proc, 100);
    // 102 exits (50 ticks) and 101 waits for it: its time moves into 101's cutime/cstime.
    rmSync(join(proc, '102'), { recursive: true });
    setCpuTicks(proc, 101, { cutime: 40, cstime: 10 });
    expect(await treeCpuSeconds(proc, 100)).toBeCloseTo(before, 9);
  });

  it('reads CPU count, model, sockets, memory and machine ticks', async () => {
    expect(await cpuCount(PROC)).toBe(4);
    expect(await cpuInfo(PROC)).toEqual({ model: 'Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz', sockets: 2 });
    expect(await memTotalBytes(PROC)).toBe(16 * 1024 ** 3);
    expect(await machineCpuTicks(PROC)).toEqual({ busy: 15100, total: 95600 });
  });

  it('names ARM server cores from implementer and part ids, and degrades on an empty procfs', async () => {
    const proc = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(proc, 'cpuinfo'), 'processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd4f\n\nprocessor\t: 1\n');
    expect(await cpuInfo(proc)).toEqual({ model: 'ARM Neoverse-V2', sockets: 1 });
    expect(await cpuCount(proc)).toBe(2);
    expect(await memTotalBytes(proc)).toBeUndefined();
    expect(await machineCpuTicks(proc)).toBeUndefined();
    expect(await processTree(proc, 1)).toEqual([]);
  });

  it('reads the real /proc of this machine', async () => {
    const pids = await processTreePids('/proc', process.pid);
    expect(pids.has(process.pid)).toBe(true);
    expect(await treeCpuSeconds('/proc', process.pid)).toBeGreaterThan(0);
  });
});
