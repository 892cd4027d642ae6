import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowS } from '@verdant/core';
import { thrown } from '@verdant/core/testing';
import { SlurmExecutor, parseJobRequest } from '../src/index.js';
import { SlurmClient } from '../src/executor/slurm/client.js';
import { DEFAULT_BINARIES } from '../src/executor/slurm/commands.js';
import { closeQueueStore, openQueueStore, type QueueStore } from './helpers.js';

// `accel` on a job request (verdant submit --accel h100:8) becomes Slurm's generic-resource request. A stand-in
// sbatch records its arguments here (eight GPUs, more than CI's node has); slurm.test.ts runs a GRES job for real.
describe('a job with accelerators on the Slurm executor', () => {
  let q: QueueStore;
  let argsFile: string;
  let exec: SlurmExecutor;
  beforeAll(async () => {
    q = await openQueueStore('verdant-gres-');
    argsFile = join(q.dir, 'sbatch-args.txt');
    const sbatch = join(q.dir, 'sbatch');
    writeFileSync(sbatch, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho 4711\n`);
    chmodSync(sbatch, 0o755);
    exec = new SlurmExecutor(q.store, new SlurmClient({ ...DEFAULT_BINARIES, sbatch }));
  });
  afterAll(async () => closeQueueStore(q?.store));

  it('asks sbatch for --gres=gpu:<type>:<count>', async () => {
    const t = nowS();
    const job = parseJobRequest({ name: 'train', argv: ['python', 'train.py'], cwd: q.dir, zone: 'DE', durationS: 3600, earliestStart: t, executor: 'slurm', accel: { type: 'h100', count: 8 } });
    const h = await exec.submit(job, { plannedStart: t, plannedEnd: t + 3600, zone: 'DE', source: 'none' });
    expect(h.externalId).toBe('4711');
    const args = readFileSync(argsFile, 'utf8').trim().split('\n');
    expect(args).toContain('--gres=gpu:h100:8');
    expect(args.indexOf('--gres=gpu:h100:8')).toBeLessThan(args.indexOf('python'));
  });

  it('checks the type and count before anything is submitted', () => {
    const base = { name: 'x', argv: ['true'], cwd: q.dir, zone: 'DE', durationS: 60, earliestStart: nowS(), executor: 'slurm' };
    expect(thrown(() => parseJobRequest({ ...base, accel: { type: 'h100;rm', count: 8 } })).field).toBe('accel.type');
    expect(thrown(() => parseJobRequest({ ...base, accel: { type: 'h100', count: 0 } })).field).toBe('accel.count');
  });
});
