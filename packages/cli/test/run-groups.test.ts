import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, newId } from '@verdant/core';
import { serviceUrl, waitFor } from '@verdant/core/testing';
import { summarizeGroup, type GroupSummary, type RunSummary } from '@verdant/energy';
import { BIN, assertBuilt, runCli, sandbox, type CliResult } from './helpers.js';

beforeAll(assertBuilt);

/** Within 5% of power x duration: a fixture sensor of known power measured over its own run. */
const near = (energyJ: number, powerW: number, durationS: number) => Math.abs(energyJ - powerW * durationS) < 0.05 * powerW * durationS;

const pg = serviceUrl('postgres');

describe.skipIf(!pg)('a job on two hosts is one run group (PostgreSQL)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open({ url: pg! });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('two `verdant run --group` processes as two hosts: the group gives power per host while live, and the sum of its members', async () => {
    const group = `pair-${newId('g')}`;
    // Two machines stand in as two hosts (VERDANT_HOSTNAME), each with its own fixture GPU of known power.
    const hosts = [
      { host: `host-a-${group}`, powerW: 100 },
      { host: `host-b-${group}`, powerW: 50 },
    ];
    const runs = hosts.map(({ host, powerW }) => {
      const { env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW }]);
      return runCli(['run', '--json', '--group', group, '--interval', '200ms', '--region', 'FR', '--', 'sleep', '6'], {
        ...env,
        VERDANT_DATABASE_URL: pg!,
        VERDANT_HOSTNAME: host,
      });
    });

    // While both run: each host's power is its sensor's, and the group's is their sum.
    const live = await waitFor<GroupSummary>('both members running with a sample each', async () => {
      const g = await summarizeGroup(store, group);
      return g && g.members.length === 2 && g.members.every((m) => m.status === 'running' && m.power_w > 0) ? g : undefined;
    }, 60_000, 200);
    expect(live.status).toBe('running');
    for (const { host, powerW } of hosts) expect(live.by_host.find((h) => h.host === host)?.power_w).toBeCloseTo(powerW, 1);
    expect(live.power_w).toBeCloseTo(150, 1);

    const results: CliResult[] = await Promise.all(runs);
    const members = results.map((r) => {
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as RunSummary;
    });
    members.forEach((m, i) => expect(m).toMatchObject({ group_id: group, host: hosts[i]!.host, status: 'succeeded' }));

    const env = { ...sandbox([]).env, VERDANT_DATABASE_URL: pg! };
    const shown = await runCli(['runs', 'show', group, '--json'], env);
    expect(shown.code).toBe(0);
    const g = JSON.parse(shown.stdout) as GroupSummary;
    expect(g).toMatchObject({ group_id: group, status: 'succeeded', power_w: 0, zones: ['FR'] });
    expect(g.members.map((m) => m.run_id).sort()).toEqual(members.map((m) => m.run_id).sort());
    expect(g.energy_j).toBeCloseTo(members[0]!.energy_j + members[1]!.energy_j, 6);
    expect(g.emissions_g).toBeCloseTo(members[0]!.emissions_g + members[1]!.emissions_g, 9);
    hosts.forEach(({ host, powerW }, i) => {
      const h = g.by_host.find((x) => x.host === host)!;
      expect(h).toMatchObject({ members: 1, status: 'succeeded' });
      expect(h.energy_j).toBeCloseTo(members[i]!.energy_j, 6);
      expect(near(h.energy_j, powerW, members[i]!.duration_s)).toBe(true);
    });
    // A unique prefix of the group id is enough, and the human view lists both hosts.
    const human = await runCli(['runs', 'show', group.slice(0, -2)], env);
    expect(human.stdout).toContain(`group      ${group}  (2 members on 2 hosts)`);
    for (const { host } of hosts) expect(human.stdout).toMatch(new RegExp(`^  ${host}\\s+1\\s+-\\s+succeeded`, 'm'));

    // `runs list` shows the group of each run.
    const listed = JSON.parse((await runCli(['runs', 'list', '--json', '--limit', '1000'], env)).stdout).runs as Array<{ run_id: string; group_id: string | null }>;
    for (const m of members) expect(listed.find((r) => r.run_id === m.run_id)?.group_id).toBe(group);
    const table = (await runCli(['runs', 'list', '--limit', '1000'], env)).stdout.split('\n');
    expect(table[0]).toMatch(/^run_id\s+status\s+started \(UTC\)\s+duration\s+energy\s+emissions\s+group\s+name$/);
    for (const m of members) expect(table.find((l) => l.startsWith(m.run_id))).toMatch(new RegExp(`\\sg\\s+${group}\\s+sleep$`));
  }, 120_000);
});

const slurm = serviceUrl('slurm');

describe.skipIf(!pg || !slurm)('srun -n 2 verdant run: one Slurm job step is one group (Slurm, PostgreSQL)', () => {
  it('both tasks join slurm-<job>.<step> as tasks 0 and 1 on the one node, and the group is their sum', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdant-srun-'));
    const { env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 80 }]);
    // srun passes our environment to its tasks (--export=ALL): the shared store and the fixture sensors reach both.
    const jobEnv = { ...env, VERDANT_DATABASE_URL: pg! };
    delete jobEnv.VERDANT_HOSTNAME;
    const args = ['-n', '2', '--job-name', 'verdant-group-test', '--output', join(dir, 'task-%t.json'), '--error', join(dir, 'task-%t.err'),
      process.execPath, BIN, 'run', '--json', '--interval', '200ms', '--region', 'FR', '--', 'sleep', '2'];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('srun', args, { env: jobEnv, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    const errs = [0, 1].map((t) => join(dir, `task-${t}.err`)).map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : ''));
    expect(code, errs.join('\n')).toBe(0);
    const members = [0, 1].map((t) => JSON.parse(readFileSync(join(dir, `task-${t}.json`), 'utf8')) as RunSummary);
    const group = members[0]!.group_id!;
    expect(group).toMatch(/^slurm-\d+\.\d+$/);
    expect(members.map((m) => [m.group_id, m.task, m.status])).toEqual([
      [group, '0', 'succeeded'],
      [group, '1', 'succeeded'],
    ]);

    const shown = await runCli(['runs', 'show', group, '--json'], jobEnv);
    expect(shown.code).toBe(0);
    const g = JSON.parse(shown.stdout) as GroupSummary;
    expect(g.status).toBe('succeeded');
    expect(g.by_host).toHaveLength(1); // two tasks on the one node
    expect(g.by_host[0]).toMatchObject({ host: members[0]!.host, members: 2, tasks: ['0', '1'] });
    expect(g.members.map((m) => m.task)).toEqual(['0', '1']);
    expect(g.energy_j).toBeCloseTo(members[0]!.energy_j + members[1]!.energy_j, 6);
    for (const m of members) expect(near(m.energy_j, 80, m.duration_s)).toBe(true);
  }, 180_000);
});
