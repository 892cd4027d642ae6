// What another process sees of a running run: a second Store on the same database (as `verdant serve` is) reads
// the run's progress, prediction and paused spans while it runs, and its samples about a second after they are
// taken while a reader watches it (every 5 s while nobody does). On SQLite and on PostgreSQL (VERDANT_TEST_DATABASE_URL).
import { afterEach, describe, expect, it } from 'vitest';
import { Store, constantLookup, nowS, type RunRow } from '@verdant/core';
import { testStores } from '@verdant/core/testing';
import { runCommand } from '../src/process/run-command.js';
import { cleanupTemp, finish } from './helpers.js';

afterEach(cleanupTemp);

async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const metaOf = (r: RunRow | undefined): Record<string, unknown> => (r ? (JSON.parse(r.meta) as Record<string, unknown>) : {});
interface Span {
  from: number;
  to: number | null;
  reason: string;
}

describe.each(testStores('verdant-live-'))('a running run as another process reads it (%s)', (_name, url) => {
  it.skipIf(!url)("sees its progress, prediction and paused spans before it ends, and the final meta after", async () => {
    const writer = await Store.open({ url: url! });
    const reader = await Store.open({ url: url! });
    try {
      const script = `require('fs').appendFileSync(process.env.VERDANT_PROGRESS_FILE, '{"progress":0.25}\\n'); setInterval(() => {}, 1000)`;
      const run = await runCommand({
        argv: [process.execPath, '-e', script],
        lookup: constantLookup(300, 'DE'),
        store: writer,
        intervalS: 0.2,
        stdio: 'ignore',
        discover: { only: ['cpu-model', 'ram-model'] },
      });
      try {
        const live = await waitFor('progress and a prediction in the store', async () => {
          const r = await reader.getRun(run.runId);
          const m = metaOf(r);
          return (m.progress as { fraction?: number } | undefined)?.fraction === 0.25 && m.prediction ? r : undefined;
        });
        expect(live.status).toBe('running');
        expect(live.ended_at).toBeNull();
        expect(metaOf(live).prediction).toMatchObject({ fraction: 0.25 });

        await run.pause('test');
        const paused = await waitFor('an open paused span', async () => {
          const r = await reader.getRun(run.runId);
          const spans = metaOf(r).pauses as Span[] | undefined;
          return r?.status === 'paused' && spans?.length === 1 && spans[0]!.to === null ? spans : undefined;
        });
        expect(paused[0]!.reason).toBe('test');
        await run.resume('test');
        const closed = await waitFor('the paused span closed', async () => {
          const r = await reader.getRun(run.runId);
          const spans = metaOf(r).pauses as Span[] | undefined;
          return r?.status === 'running' && spans?.[0]?.to != null ? spans : undefined;
        });
        expect(closed[0]!.to!).toBeGreaterThanOrEqual(closed[0]!.from);
        expect((await reader.getRun(run.runId))?.ended_at).toBeNull();
      } finally {
        await run.stop('test done', 1);
        await finish(run, 60);
      }
      const final = metaOf(await reader.getRun(run.runId));
      expect(final).toMatchObject({ progress: { fraction: 0.25 }, stop_reason: 'test done' });
      expect((final.pauses as Span[])[0]!.to).not.toBeNull();
    } finally {
      await reader.close();
      await writer.close();
    }
  }, 120_000);

  it.skipIf(!url)('its samples reach the store about every 5 s while nobody watches, and about every second once a reader watches it', async () => {
    const writer = await Store.open({ url: url! });
    const reader = await Store.open({ url: url! });
    try {
      const run = await runCommand({
        argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
        lookup: constantLookup(300, 'DE'),
        store: writer,
        intervalS: 0.2,
        stdio: 'ignore',
        discover: { only: ['cpu-model', 'ram-model'] },
      });
      try {
        await waitFor('a first sample in the store', async () => (await reader.samples(run.runId)).length > 0);
        // How old the newest stored sample is, looked at every 100 ms for 8 s. A quantile of many looks is robust
        // to a loaded machine's stalls (which only make samples older); no single look is timed.
        const ageQuantile = async (q: number): Promise<number> => {
          const ages: number[] = [];
          const end = Date.now() + 8000;
          while (Date.now() < end) {
            const samples = await reader.samples(run.runId);
            ages.push(nowS() - Math.max(...samples.map((s) => s.t)));
            await new Promise((r) => setTimeout(r, 100));
          }
          ages.sort((a, b) => a - b);
          return ages[Math.floor(ages.length * q)]!;
        };
        // Nobody watches: a write every 5 s, so one look in four finds the newest sample older than ~3.75 s
        // (writes every second would keep three looks in four under ~1 s).
        expect(await ageQuantile(0.75)).toBeGreaterThan(2.5);
        // A reader watches it (what `verdant serve`'s run page and overview do every 2 s): seen at the next write.
        const watch = () => reader.markWatched(run.runId, nowS() + 60);
        await watch();
        const marked = nowS();
        await waitFor('two writes after the mark', async () => {
          const samples = await reader.samples(run.runId);
          return samples.filter((s) => s.t > marked).length > 0 && nowS() - marked > 6;
        });
        await watch();
        // With a write every second three looks in four find it younger than about a second.
        expect(await ageQuantile(0.75)).toBeLessThan(2.5);
      } finally {
        await run.stop('test done', 1);
        await finish(run, 60);
      }
    } finally {
      await reader.close();
      await writer.close();
    }
  }, 120_000);
});
