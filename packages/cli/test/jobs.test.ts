import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowS, Store } from '@verdant/core';
import { JobQueue, parseJobRequest } from '@verdant/schedule';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers.js';

beforeAll(assertBuilt);

describe('verdant jobs', () => {
  const home = mkdtempSync(join(tmpdir(), 'verdant-cli-jobs-'));
  const env = { ...process.env, VERDANT_HOME: home, VERDANT_DATABASE_URL: '', VERDANT_OFFLINE: '1' };
  let running: string;
  let waiting: string;

  beforeAll(async () => {
    const store = await Store.open({ url: `sqlite:${join(home, 'verdant.db')}` });
    try {
      const queue = JobQueue.of(store);
      const spec = (name: string) => parseJobRequest({ name, argv: ['sleep', '3600'], cwd: home, zone: 'DE', durationS: 3600, earliestStart: nowS() });
      // Claimed ten minutes ago by a scheduler that is heartbeating: it has run 10 minutes so far.
      const started = nowS() - 600;
      const job = await queue.add(spec('train'), { plannedStart: started, plannedEnd: started + 3600, zone: 'DE', source: 'test' }, { now: started });
      await queue.claim(job, 'sched-1', 'h', started, 1e6);
      running = job.id;
      const later = nowS() + 86400;
      waiting = (await queue.add(spec('later'), { plannedStart: later, plannedEnd: later + 3600, zone: 'DE', source: 'none', note: 'not planned: no intensity source; starts at the earliest start' })).id;
    } finally {
      await store.close();
    }
  });

  it('prints a header row above the jobs', async () => {
    const r = await runCli(['jobs'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^job_id\s+state\s+executor\s+start \(UTC\)\s+ran\s+name$/);
    const row = lines.find((l) => l.startsWith(running))!;
    expect(row).toMatch(/\brunning\b.*\blocal\b.*\bstarted \d{4}-\d\d-\d\dT.*\btrain$/);
    // The columns line up under the header.
    expect(row.indexOf('running')).toBe(lines[0]!.indexOf('state'));
    expect(lines.find((l) => l.startsWith(waiting))).toMatch(/\bscheduled\b.*\bplanned \d{4}-.*\b0:00\s+later$/);
  });

  it('`jobs show` counts the running stretch, and says why a job was not planned', async () => {
    const r = await runCli(['jobs', 'show', running], env);
    expect(r.code).toBe(0);
    const ran = /^ran\s+(\d+):(\d\d) of ~1:00:00/m.exec(r.stdout);
    expect(ran).not.toBeNull();
    expect(Number(ran![1]) * 60 + Number(ran![2])).toBeGreaterThanOrEqual(600);
    const json = JSON.parse((await runCli(['jobs', 'show', running, '--json'], env)).stdout);
    expect(json.ran_s).toBeGreaterThanOrEqual(600);
    const w = await runCli(['jobs', 'show', waiting], env);
    expect(w.stdout).toMatch(/^note\s+not planned: no intensity source; starts at the earliest start$/m);
    expect(w.stdout).toMatch(/^state\s+scheduled\s+not planned: no intensity source/m);
  });
});
