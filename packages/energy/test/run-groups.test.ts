import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, constantLookup, newId, type RunRow, type RunStatus } from '@verdant/core';
import { testRunRow } from '@verdant/core/testing';
import { measureCommand } from '../src/run/measure-command.js';
import { runGroupOf } from '../src/run/group.js';
import { parseRunSpec } from '../src/run/spec.js';
import { groupStatus, summarizeGroup, toGroupSummary } from '../src/outputs/summary.js';
import { cleanupTemp, fixtureGpuEnv, tempDir } from './helpers.js';

afterEach(cleanupTemp);

describe('runGroupOf: which group a measured command joins', () => {
  it.each<[string, NodeJS.ProcessEnv, string | undefined, ReturnType<typeof runGroupOf>]>([
    ['nothing says so', {}, undefined, undefined],
    ['a Slurm job step (srun)', { SLURM_JOB_ID: '4242', SLURM_STEP_ID: '3', SLURM_PROCID: '1' }, undefined, { group: 'slurm-4242.3', task: '1', from: 'slurm' }],
    ['a Slurm batch script (no step): each run its own', { SLURM_JOB_ID: '4242', SLURM_PROCID: '0' }, undefined, undefined],
    ['a special Slurm step (interactive, batch, extern)', { SLURM_JOB_ID: '4242', SLURM_STEP_ID: '4294967290' }, undefined, undefined],
    ['a torchrun job', { TORCHELASTIC_RUN_ID: 'a1b2c3', RANK: '3', LOCAL_RANK: '1' }, undefined, { group: 'torchelastic-a1b2c3', task: '3', from: 'torchelastic' }],
    ["torchrun's default id, shared by every job", { TORCHELASTIC_RUN_ID: 'none', RANK: '0' }, undefined, undefined],
    ['a torchrun id with characters a group id cannot carry', { TORCHELASTIC_RUN_ID: 'my job/7' }, undefined, { group: 'torchelastic-my_job_7', from: 'torchelastic' }],
    ['Slurm before torchrun', { SLURM_JOB_ID: '9', SLURM_STEP_ID: '0', TORCHELASTIC_RUN_ID: 'x', SLURM_PROCID: '5', RANK: '2' }, undefined, { group: 'slurm-9.0', task: '5', from: 'slurm' }],
    ['an explicit group before both', { SLURM_JOB_ID: '9', SLURM_STEP_ID: '0', TORCHELASTIC_RUN_ID: 'x', LOCAL_RANK: '4' }, 'mine', { group: 'mine', task: '4', from: 'given' }],
    ['a task that is not a whole number is left out', { RANK: 'zero', LOCAL_RANK: '' }, 'mine', { group: 'mine', from: 'given' }],
  ])('%s', (_what, env, given, want) => {
    expect(runGroupOf(env, given)).toEqual(want);
  });
});

describe('parseRunSpec: group and host', () => {
  it('takes a group and a host, and refuses ones that cannot stand in a URL or a label, naming the field', () => {
    expect(parseRunSpec({ argv: ['true'], group: ' train-7 ', host: 'node-1' })).toMatchObject({ group: 'train-7', host: 'node-1' });
    expect(() => parseRunSpec({ argv: ['true'], group: 'a/b' })).toThrow(expect.objectContaining({ field: 'group', exitCode: 2 }));
    expect(() => parseRunSpec({ argv: ['true'], host: 'two words' })).toThrow(expect.objectContaining({ field: 'host', exitCode: 2 }));
    expect(parseRunSpec({ argv: ['true'] })).not.toHaveProperty('group');
  });
});

/** An ended member of group "g" on host "a". */
const row = (id: string, overrides: Partial<RunRow>): RunRow =>
  ({ group_id: 'g', task: null, ...testRunRow({ id, name: 'train', status: 'succeeded', started_at: 1000, ended_at: 1100, heartbeat_at: 1100, exit_code: 0, pid: 1, host: 'a', ...overrides }) });

describe('toGroupSummary', () => {
  it('sums energy, emissions and live power per host and in total, members by host then numeric task', () => {
    const rows = [
      row('r3', { host: 'b', task: '10', energy_j: 3.6e6, emissions_g: 300, status: 'running', ended_at: null, heartbeat_at: 1300 }),
      row('r2', { host: 'b', task: '2', energy_j: 1.8e6, emissions_g: 150, started_at: 990, ended_at: 1200, heartbeat_at: 1200 }),
      row('r1', { host: 'a', task: '0', energy_j: 3.6e6, emissions_g: 450, zone: 'FR' }),
    ];
    // r2 has ended: a power figure left for it is not counted.
    const g = toGroupSummary('g', rows, new Map([['r3', 250], ['r2', 99]]));
    expect(g).toMatchObject({
      group_id: 'g',
      status: 'running',
      ended_at: null,
      duration_s: 310, // earliest start (990) to the latest sign of life (1300)
      energy_j: 9e6,
      energy_kwh: 2.5,
      emissions_g: 900,
      intensity_g_per_kwh: 360,
      power_w: 250,
      zones: ['DE', 'FR'],
    });
    expect(g.members.map((m) => [m.run_id, m.host, m.task, m.power_w])).toEqual([
      ['r1', 'a', '0', 0],
      ['r2', 'b', '2', 0],
      ['r3', 'b', '10', 250],
    ]);
    expect(g.by_host).toEqual([
      { host: 'a', members: 1, tasks: ['0'], status: 'succeeded', energy_j: 3.6e6, emissions_g: 450, power_w: 0 },
      { host: 'b', members: 2, tasks: ['2', '10'], status: 'running', energy_j: 5.4e6, emissions_g: 450, power_w: 250 },
    ]);
    const ended = toGroupSummary('g', rows.map((r) => ({ ...r, status: 'succeeded' as RunStatus, ended_at: r.ended_at ?? 1300 })));
    expect(ended).toMatchObject({ status: 'succeeded', ended_at: new Date(1300_000).toISOString(), power_w: 0 });
  });

  it('a group is running while any member runs; once all have ended, the worst status counts', () => {
    expect(groupStatus(['succeeded', 'failed', 'running'])).toBe('running');
    expect(groupStatus(['paused', 'succeeded'])).toBe('paused');
    expect(groupStatus(['running', 'paused'])).toBe('running');
    expect(groupStatus(['succeeded', 'failed', 'interrupted'])).toBe('failed');
    expect(groupStatus(['succeeded', 'interrupted', 'stopped'])).toBe('interrupted');
    expect(groupStatus(['succeeded', 'stopped'])).toBe('stopped');
    expect(groupStatus(['succeeded', 'succeeded'])).toBe('succeeded');
  });
});

describe('measureCommand in a run group', () => {
  it('two members on two hosts (VERDANT_HOSTNAME) join the spec group; the group is the sum of its members', async () => {
    const dir = tempDir('verdant-groups-');
    const group = `pair-${newId('g')}`;
    const lookup = constantLookup(400, 'DE');
    const member = (host: string, powerW: number) =>
      measureCommand({
        ...parseRunSpec({ argv: ['sleep', '1'], name: 'pair', intervalS: '200ms', group }),
        env: { ...fixtureGpuEnv(dir, powerW, host), VERDANT_HOSTNAME: host, SLURM_JOB_ID: '1', SLURM_STEP_ID: '0', RANK: '7' },
        lookup,
        stdio: 'ignore',
      });
    const [a, b] = await Promise.all([member('host-a', 100), member('host-b', 50)]);
    expect(a.summary).toMatchObject({ host: 'host-a', group_id: group, task: '7' }); // the explicit group wins over Slurm's
    expect(b.summary).toMatchObject({ host: 'host-b', group_id: group });

    const store = await Store.open({ url: `sqlite:${join(dir, 'home', 'verdant.db')}` });
    try {
      const g = (await summarizeGroup(store, group))!;
      expect(g.status).toBe('succeeded');
      expect(g.members.map((m) => m.run_id).sort()).toEqual([a.summary.run_id, b.summary.run_id].sort());
      expect(g.energy_j).toBeCloseTo(a.summary.energy_j + b.summary.energy_j, 6);
      expect(g.emissions_g).toBeCloseTo(a.summary.emissions_g + b.summary.emissions_g, 9);
      expect(g.by_host.map((h) => [h.host, h.members, h.energy_j])).toEqual([
        ['host-a', 1, a.summary.energy_j],
        ['host-b', 1, b.summary.energy_j],
      ]);
      // Each host's energy is its own sensor's power over its own run (100 W and 50 W).
      const [ha, hb] = g.by_host;
      expect(Math.abs(ha!.energy_j - 100 * a.summary.duration_s)).toBeLessThan(0.05 * 100 * a.summary.duration_s);
      expect(Math.abs(hb!.energy_j - 50 * b.summary.duration_s)).toBeLessThan(0.05 * 50 * b.summary.duration_s);
      expect(await summarizeGroup(store, `${group}-none`)).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a malformed VERDANT_HOSTNAME is refused (exit 3) before the store is opened or the command started', async () => {
    const dir = tempDir('verdant-groups-');
    const marker = join(dir, 'started');
    const err = await measureCommand({
      ...parseRunSpec({ argv: ['touch', marker] }),
      env: { ...fixtureGpuEnv(dir, 10), VERDANT_HOSTNAME: 'not a host' },
      lookup: constantLookup(400, 'DE'),
      stdio: 'ignore',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ field: 'VERDANT_HOSTNAME', exitCode: 3 });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'home'))).toBe(false);
  }, 30_000);
});
