import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, sandbox, startCli } from './helpers.js';

beforeAll(assertBuilt);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

function serve(env: NodeJS.ProcessEnv) {
  const child = startCli(['serve', '--port', '0'], env);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return { child, log: () => err };
}

describe('verdant serve restarted in the middle of a schedule', () => {
  it('loses no job and starts none twice', async () => {
    const { home, env } = sandbox([{ id: 'gpu:0', kind: 'gpu', powerW: 10 }]);
    const e = { ...env, VERDANT_OFFLINE: '1', VERDANT_REGION: 'FR' };
    const marker = join(home, 'marker');
    const ids: string[] = [];
    const submit = async (name: string, inS: number, work: number) => {
      const r = await runCli(
        ['submit', '--json', '--name', name, '--output', join(home, `${name}.out`), '--duration', '1m', '--earliest', String(Math.round(Date.now() / 1000 + inS)), '--deadline', '2h', '--',
          'sh', '-c', `echo ${name} >> ${marker}; sleep ${work}`],
        e,
      );
      expect(r.code, r.stderr).toBe(0);
      ids.push(JSON.parse(r.stdout).job_id);
    };
    // A starts before the crash and is still running then; B and C are due after it. B and C are submitted
    // once A runs, with starts counted from then, so slow start-ups on a busy machine cannot make them due
    // before the crash.
    await submit('A', 0, 10);
    const first = serve(e);
    for (let i = 0; i < 240 && !lines(marker).includes('A'); i++) await sleep(250);
    expect(lines(marker)).toEqual(['A']);
    await submit('B', 10, 0);
    await submit('C', 12, 0);
    first.child.kill('SIGKILL'); // crash mid-schedule: A running, B and C waiting
    expect(lines(marker)).toEqual(['A']);
    await new Promise((r) => first.child.on('exit', r));

    const second = serve(e);
    try {
      let states: string[] = [];
      for (let i = 0; i < 120; i++) {
        await sleep(500);
        const listed = JSON.parse((await runCli(['jobs', 'list', '--json'], e)).stdout);
        const byId = new Map(listed.jobs.map((j: { job_id: string; state: string }) => [j.job_id, j.state]));
        states = ids.map((id) => byId.get(id) as string);
        if (states.every((s) => ['succeeded', 'failed', 'cancelled'].includes(s))) break;
      }
      expect(states.slice(1)).toEqual(['succeeded', 'succeeded']);
      // A's outcome is unknown after the crash: reported, never silently re-run
      expect(['succeeded', 'failed']).toContain(states[0]);
      expect(lines(marker).sort()).toEqual(['A', 'B', 'C']);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.on('exit', r));
    }
  }, 150_000);
});
