// `verdant moe train|show|compare|sweep` end to end (built CLI, fake sensors, SQLite): a measured training with
// J/token from measured energy, and the checkpoint-signal contract: signalled, it saves and exits; started again
// with VERDANT_JOB_RESUMED=1 it finishes with the same losses, bit for bit, as an uninterrupted run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '@verdant/core';
import { MoeStore } from '@verdant/moe';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@verdant/core/testing';
import { assertBuilt, runCli, sandbox, startCliCapturing } from './helpers.js';

beforeAll(assertBuilt);

const TINY = {
  corpus: 'synthetic', tokenizer: 'char',
  model: { layers: 2, dModel: 16, heads: 2, seqLen: 16, experts: 4, dHidden: 16 },
  router: { kind: 'aux-free' }, batch: 2, steps: 100, evalInterval: 25, evalBatches: 1, seed: 5,
};

describe('verdant moe', () => {
  it('trains as a measured run, and a checkpoint-signalled run resumes to the same losses', async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 40 }]);
    const cfgFile = join(home, 'tiny.json');
    writeFileSync(cfgFile, JSON.stringify(TINY));

    const a = await runCli(['moe', 'train', '--config', cfgFile, '--name', 'straight', '--json', '--interval', '200ms'], env);
    expect(a.stderr).not.toMatch(/Error|at /);
    expect(a.code).toBe(0);
    const s = JSON.parse(a.stdout);
    expect(s).toMatchObject({ status: 'succeeded', steps: 100, tokens: 100 * 2 * 16, router: 'aux-free' });
    expect(s.energy_j).toBeGreaterThan(0);
    expect(s.j_per_token).toBeCloseTo(s.energy_j / s.tokens, 12);
    expect(s.layers.map((l: { layer: number }) => l.layer)).toEqual([0, 1]);
    expect(s.layers[0].bias).toHaveLength(4);
    const runs = JSON.parse((await runCli(['runs', 'show', s.run_id, '--json'], env)).stdout);
    expect(runs.energy_j).toBeCloseTo(s.energy_j, 9);
    expect(runs.meta.progress.fraction).toBe(1); // {step, total} on the progress channel

    // Interrupted: the declared checkpoint signal reaches `verdant moe train` (the job's main process).
    const ck = join(home, 'ck');
    const jobEnv = { ...env, VERDANT_CHECKPOINT_SIGNAL: 'SIGUSR1' };
    const paused = startCliCapturing(['moe', 'train', '--config', cfgFile, '--name', 'paused', '--checkpoint-dir', ck, '--json', '--interval', '200ms'], jobEnv);
    const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    try {
      const moe = MoeStore.of(store);
      await waitFor('the training to reach step 3', async () => {
        const t = (await moe.list()).find((x) => x.name === 'paused');
        return t && t.stepsDone >= 3 ? t : undefined;
      }, 120_000);
    } finally {
      await store.close();
    }
    paused.child.kill('SIGUSR1');
    expect(await paused.exited).toBe(0);
    const first = JSON.parse(paused.stdout);
    expect(first.status).toBe('checkpointed');
    expect(first.steps).toBeLessThan(100);
    expect(paused.stderr).toMatch(/checkpointed at step/);

    const b = await runCli(['moe', 'train', '--config', cfgFile, '--name', 'paused', '--checkpoint-dir', ck, '--json', '--interval', '200ms'], { ...jobEnv, VERDANT_JOB_RESUMED: '1', VERDANT_JOB_ATTEMPT: '2' });
    expect(b.code).toBe(0);
    const second = JSON.parse(b.stdout);
    expect(second).toMatchObject({ training_id: first.training_id, status: 'succeeded', steps: 100, final_loss: s.final_loss, eval_loss: s.eval_loss });
    expect(second.run_ids).toHaveLength(2);
    expect(second.energy_j).toBeGreaterThan(first.energy_j);

    const showA = JSON.parse((await runCli(['moe', 'show', s.training_id, '--json'], env)).stdout);
    const showB = JSON.parse((await runCli(['moe', 'show', second.run_id, '--json'], env)).stdout);
    expect(showB.steps.map((x: { loss: number }) => x.loss)).toEqual(showA.steps.map((x: { loss: number }) => x.loss));
    expect(showB.layers.map((l: { maxVio: number }) => l.maxVio)).toEqual(showA.layers.map((l: { maxVio: number }) => l.maxVio));
    expect(showB.steps.at(-1).energyJ).toBeGreaterThan(0);

    // Started once more after the end: it sees it is done and exits 0.
    const c = await runCli(['moe', 'train', '--config', cfgFile, '--name', 'paused', '--checkpoint-dir', ck, '--json'], { ...jobEnv, VERDANT_JOB_RESUMED: '1' });
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/at the end already/);

    const cmp = await runCli(['moe', 'compare', s.training_id, second.training_id.slice(0, 12), '--csv', '-'], env);
    expect(cmp.code).toBe(0);
    const lines = cmp.stdout.trim().split('\n');
    expect(lines[0]).toBe('training_id,name,router,step,tokens,wall_s,energy_j,loss,eval_loss');
    expect(lines).toHaveLength(1 + 200);
    const csv = await runCli(['moe', 'show', s.training_id, '--csv', join(home, 'm.csv')], env);
    expect(csv.code).toBe(0);
  }, 300_000);

  it('refuses bad flags before anything runs, naming the flag', async () => {
    const { env } = sandbox([]);
    const r = await runCli(['moe', 'train', '--router', 'switch', '--k', '2'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--k/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const g = await runCli(['moe', 'sweep', '--grid', '{"router.kind":["switch","nope"]}'], env);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/combination 2/);
    const m = await runCli(['moe', 'show', 'r_none'], env);
    expect(m.code).toBe(2);
  });

  it('sweeps a grid two processes at once, each a measured run', async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 40 }]);
    const cfgFile = join(home, 'base.json');
    writeFileSync(cfgFile, JSON.stringify({ ...TINY, steps: 4, evalInterval: 2 }));
    const r = await runCli(['moe', 'sweep', '--config', cfgFile, '--grid', '{"router.kind":["switch","expert-choice"]}', '--json'], env);
    expect(r.code).toBe(0);
    const { trainings } = JSON.parse(r.stdout);
    expect(trainings.map((t: { summary: { router: string } }) => t.summary.router)).toEqual(['switch', 'expert-choice']);
    for (const t of trainings) expect(t.summary.energy_j).toBeGreaterThan(0);
    expect(trainings[1].summary.notes.join(' ')).toMatch(/sees every token/);
    expect(trainings[1].summary.layers[0].droppedFraction).toBe(0);
    expect(new Set(trainings.map((t: { summary: { run_id: string } }) => t.summary.run_id)).size).toBe(2);
  }, 300_000);

  it('runs a study: measured arms on the same tokens, a table and charts', async () => {
    const { home, env } = sandbox([{ id: 'cpu:package-0', kind: 'cpu', powerW: 40 }]);
    const cfgFile = join(home, 'base.json');
    const { router: _r, ...base } = TINY;
    writeFileSync(cfgFile, JSON.stringify({ ...base, steps: 4, evalInterval: 2 }));
    const bad = await runCli(['moe', 'study', '--config', cfgFile, '--arms', 'gshard,nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/arms: unknown arm "nope"/);
    // The base config's own field and fix, as the flag that set it.
    const steps = await runCli(['moe', 'study', '--config', cfgFile, '--arms', 'gshard', '--steps', 'abc'], env);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toMatch(/verdant: --steps: .*\(fix: /);
    const parallel = await runCli(['moe', 'study', '--config', cfgFile, '--arms', 'gshard', '--parallel', '0'], env);
    expect(parallel.code).toBe(2);
    expect(parallel.stderr).toMatch(/--parallel: .*\(fix: /);
    // An --out that cannot be a folder fails before any arm trains.
    const notDir = join(home, 'a-file');
    writeFileSync(notDir, 'x');
    const badOut = await runCli(['moe', 'study', '--config', cfgFile, '--arms', 'gshard', '--out', join(notDir, 'study')], env);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toMatch(/--out: cannot be written .*\(fix: /);
    const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    try {
      expect(await MoeStore.of(store).list()).toEqual([]);
    } finally {
      await store.close();
    }
    const out = join(home, 'study');
    const r = await runCli(['moe', 'study', '--config', cfgFile, '--arms', 'aux-free,dense', '--out', out, '--json'], env);
    expect(r.code).toBe(0);
    const { rows, files } = JSON.parse(r.stdout);
    expect(rows.map((x: { arm: string }) => x.arm)).toEqual(['aux-free', 'dense']);
    for (const row of rows) expect(row).toMatchObject({ tokens: 4 * 2 * 16 });
    for (const row of rows) expect(row.energyJ).toBeGreaterThan(0);
    expect(files.map((f: string) => f.slice(out.length + 1)).sort()).toEqual(['load.svg', 'loss-energy.svg', 'loss.svg', 'maxvio.svg', 'study.json', 'study.md']);
  }, 300_000);
});
