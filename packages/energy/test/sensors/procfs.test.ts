import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cpuCount,
  cpuInfo,
  machineCpuTicks,
  memTotalBytes,
  parseProcStat,
  processTree,
  processTreePids,
  scanProcessTree,
  treeCpuSeconds,
  treeRssBytes,
} from '../../src/sensors/index.js';
import { processTreeSync, releaseProcessTree, TREE_FULL_SCAN_S, TREE_RESCAN_S } from '../../src/sensors/procfs.js';
import { cleanupTemp, copyFixture, FIXTURES, openDescriptors, setCpuTicks, setStatFields, sleep, tempDir } from './helpers.js';

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

  it('finds a child born since the last scan at the next one, reading again only processes it has not seen', async () => {
    const proc = copyFixture('procfs-basic');
    let nowMs = 1_000_000;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => nowMs);
    try {
      const pids = async () => (await processTree(proc, 100)).map((p) => p.pid);
      expect(await pids()).toEqual([100, 101, 102]);
      // 101 starts a child; 200, seen outside the tree, now names 102 as its parent (only a pid reused by a new
      // process could: a process outside the tree never joins it).
      mkdirSync(join(proc, '300'));
      writeFileSync(join(proc, '300', 'stat'), '300 (new) S 101 300 300 0 -1 4194304 100 0 0 0 7 3 0 0 20 0 1 0 100 1000000 100 0\n');
      setStatFields(proc, 200, { 4: 102 });
      expect(await pids()).toEqual([100, 101, 102]); // between scans only the members are read
      nowMs += TREE_RESCAN_S * 1000;
      expect(await pids()).toEqual([100, 101, 102, 300]); // the scan reads the new pid, not 200 again
      expect(await treeCpuSeconds(proc, 100)).toBeCloseTo(7.4, 9); // with 300's CPU time since its birth
      nowMs += TREE_FULL_SCAN_S * 1000;
      expect(await pids()).toEqual([100, 101, 102, 300, 200]); // the periodic full scan reads every process
    } finally {
      clock.mockRestore();
    }
  });

  it('on this machine, finds a child started after the last scan once the pid counter has moved', async () => {
    let nowMs = 5_000_000;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => nowMs);
    const sh = spawn('sh', ['-c', 'read line; sleep 30; :'], { stdio: ['pipe', 'ignore', 'ignore'] });
    let worker: number | undefined;
    try {
      await once(sh, 'spawn');
      const pids = async () => (await processTree('/proc', sh.pid!)).map((p) => p.pid);
      expect(await pids()).toEqual([sh.pid]);
      sh.stdin!.write('go\n'); // the shell starts its child now
      for (let i = 0; i < 200 && (await scanProcessTree('/proc', sh.pid!)).length < 2; i++) await sleep(50); // Date.now is the test's
      worker = (await scanProcessTree('/proc', sh.pid!))[1]!.pid;
      expect(await pids()).toEqual([sh.pid]); // between scans: the members only
      nowMs += TREE_RESCAN_S * 1000;
      expect(await pids()).toEqual([sh.pid, worker]);
      nowMs += TREE_RESCAN_S * 1000;
      expect(await pids()).toEqual([sh.pid, worker]); // and still, whether or not anything was started since
    } finally {
      clock.mockRestore();
      if (worker) process.kill(worker);
      sh.kill();
    }
  });

  it('reads the tree once for all the readings of one instant (the CPU and RAM models)', async () => {
    const proc = copyFixture('procfs-basic');
    const first = processTreeSync(proc, 100);
    setCpuTicks(proc, 100, { utime: 1300 }); // 10 s more
    const again = processTreeSync(proc, 100);
    expect(again).toBe(first); // same synchronous turn: the same read
    await Promise.resolve();
    expect(processTreeSync(proc, 100)[0]!.cpuS).toBeCloseTo(14, 9); // a later turn reads afresh
  });

  it('keeps the stat files of a real process open between samples and closes them when it is gone or released', async () => {
    const opened = (pid: number): number => openDescriptors(`/proc/${pid}/stat`);
    const start = async () => {
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      await once(child, 'spawn');
      return child;
    };
    const a = await start();
    const b = await start();
    try {
      for (const child of [a, b]) {
        expect((await processTree('/proc', child.pid!)).map((p) => p.pid)).toEqual([child.pid]); // the scan
        expect((await processTree('/proc', child.pid!)).map((p) => p.pid)).toEqual([child.pid]); // the member, read through its open file
        expect(opened(child.pid!)).toBe(1);
      }
      a.kill();
      await once(a, 'exit'); // reaped: gone from procfs
      expect(await processTree('/proc', a.pid!)).toEqual([]);
      expect(opened(a.pid!)).toBe(0);
      releaseProcessTree('/proc', b.pid!); // a sensor's close()
      expect(opened(b.pid!)).toBe(0);
    } finally {
      a.kill();
      b.kill();
    }
  });

  it('parses the fields it needs whatever the spacing, and refuses a truncated line', () => {
    expect(parseProcStat('7 (a) S  1 7 7 0 -1 0 0 0 0 0 12  8 1 2 20 0 1 0 100 1000 64 0\n')).toEqual({
      pid: 7,
      ppid: 1,
      cpuS: 0.2,
      childrenCpuS: 0.03,
      rssBytes: 64 * 4096,
    });
    expect(parseProcStat('7 (a) S 1 7 7 0 -1 0 0 0 0 0 12 8 1 2 20 0 1 0 100 1000')).toBeUndefined(); // no field 24
  });
});
