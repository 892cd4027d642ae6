import { describe, expect, it } from 'vitest';
import { AttributedCounter, runShareOfGpu, visibleGpus } from '../../src/sensors/index.js';

const gpus = [
  { index: 0, uuid: 'GPU-5b1e2c3d-0000-4000-8000-000000000000' },
  { index: 1, uuid: 'GPU-9f8e7d6c-1111-4111-8111-111111111111' },
  { index: 2, uuid: 'GPU-9f00aaaa-2222-4222-8222-222222222222' },
];
const idx = (spec: string | undefined): number[] => visibleGpus(gpus, spec).map((g) => g.index);

describe('CUDA_VISIBLE_DEVICES', () => {
  it('keeps every GPU when unset and none when empty', () => {
    expect(idx(undefined)).toEqual([0, 1, 2]);
    expect(idx('')).toEqual([]);
  });

  it('selects by index, in the order given', () => {
    expect(idx('2,0')).toEqual([2, 0]);
    expect(idx(' 1 ')).toEqual([1]);
  });

  it('selects by full UUID and by unique UUID prefix, with or without GPU-', () => {
    expect(idx('GPU-9f8e7d6c-1111-4111-8111-111111111111')).toEqual([1]);
    expect(idx('GPU-5b1e')).toEqual([0]);
    expect(idx('9f00,5B1E')).toEqual([2, 0]);
  });

  it('stops at the first entry that names no device, an ambiguous prefix, a duplicate or a MIG instance', () => {
    expect(idx('0,7,1')).toEqual([0]);
    expect(idx('-1')).toEqual([]);
    expect(idx('1,GPU-9f,0')).toEqual([1]);
    expect(idx('1,1,2')).toEqual([1]);
    expect(idx('MIG-4f5e-1,0')).toEqual([]);
  });
});

describe('shared-GPU attribution', () => {
  const run = new Set([100, 101]);
  const mib = (n: number): number => n * 1024 * 1024;

  it('charges the memory share when the run shares the GPU', () => {
    const procs = [
      { pid: 101, usedMemoryBytes: mib(3000) },
      { pid: 200, usedMemoryBytes: mib(1000) },
    ];
    expect(runShareOfGpu(procs, run)).toBeCloseTo(0.75, 12);
  });

  it('falls back to process count when memory is not reported', () => {
    const procs = [
      { pid: 100, usedMemoryBytes: undefined },
      { pid: 200, usedMemoryBytes: mib(10) },
      { pid: 300, usedMemoryBytes: mib(10) },
    ];
    expect(runShareOfGpu(procs, run)).toBeCloseTo(1 / 3, 12);
  });

  it('charges an idle GPU wholly, a GPU used only by others not at all, and everything before the run starts', () => {
    expect(runShareOfGpu([], run)).toBe(1);
    expect(runShareOfGpu([{ pid: 200, usedMemoryBytes: mib(5) }], run)).toBe(0);
    expect(runShareOfGpu([{ pid: 100, usedMemoryBytes: 0 }], run)).toBe(1);
    expect(runShareOfGpu([{ pid: 200, usedMemoryBytes: mib(5) }], undefined)).toBe(1);
  });

  it('ignores processes whose pid is not in our procfs (a container sees host pids)', () => {
    const visible = new Set([100, 101, 200]);
    const hostPids = [
      { pid: 48213, usedMemoryBytes: mib(4000) },
      { pid: 48999, usedMemoryBytes: mib(1000) },
    ];
    expect(runShareOfGpu(hostPids, run, visible)).toBe(1);
    expect(runShareOfGpu([...hostPids, { pid: 200, usedMemoryBytes: mib(1000) }], run, visible)).toBe(0);
    expect(runShareOfGpu([...hostPids, { pid: 101, usedMemoryBytes: mib(1000) }, { pid: 200, usedMemoryBytes: mib(3000) }], run, visible)).toBe(0.25);
  });

  it('accumulates counter deltas at the share of each interval and ignores a counter reset', () => {
    const c = new AttributedCounter();
    expect(c.add(1000, 1)).toBe(0);
    expect(c.add(1100, 0.5)).toBe(50);
    expect(c.add(1300, 1)).toBe(250);
    expect(c.add(10, 1)).toBe(250); // driver reload: the counter restarted
    expect(c.add(30, 0.25)).toBe(255);
  });
});
