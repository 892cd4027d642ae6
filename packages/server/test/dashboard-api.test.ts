import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLTTB } from 'downsample';
import type { FastifyInstance } from 'fastify';
import { Store, newId, nowS, type RunRow, type SampleRow } from '@verdant/core';
import { scratchStores, testRunRow } from '@verdant/core/testing';
import { TraceProvider, loadTrace, shippedTracePath } from '@verdant/grid';
import { formatTable, runSimulation } from '@verdant/schedule';
import { buildServer } from '../src/index.js';
import { listen, send } from './http-helpers.js';
import { sse, waitFor } from './sse-helpers.js';

const TOKEN = 'dashboard-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const T0 = 1_700_000_000;
const SENSORS = ['cpu:0', 'gpu:0', 'gpu:1'];

const ended = (i: number, overrides: Partial<RunRow> = {}): RunRow => ({
  ...testRunRow(),
  id: `r_page_${String(i).padStart(5, '0')}`,
  name: `job-${i % 13}`,
  status: i % 5 === 0 ? 'failed' : 'succeeded',
  zone: i % 2 ? 'ES' : 'NO',
  host: `h${i % 3}`,
  started_at: T0 + i * 30,
  ended_at: T0 + i * 30 + (i % 17) * 10,
  heartbeat_at: T0 + i * 30 + (i % 17) * 10,
  energy_j: (i * 37) % 211,
  emissions_g: (i % 7) / 2,
  exit_code: 0,
  pid: null,
  group_id: i % 9 === 0 ? 'grp-a' : null,
  task: null,
  ...overrides,
});

/** One sample per sensor per second; power varies so LTTB has shapes to keep. */
function sampleRows(runId: string, start: number, n: number): SampleRow[] {
  const out: SampleRow[] = [];
  for (let k = 0; k < n; k++) {
    for (const [j, sensor] of SENSORS.entries()) {
      const power = 50 + 40 * Math.sin(k / (20 + j * 7)) + (k % 97 === 0 ? 60 : 0);
      out.push({ run_id: runId, sensor_id: sensor, t: start + k + 1, dt: 1, energy_j: power, power_w: power, intensity_g_per_kwh: 300, emissions_g: (power * 300) / 3.6e6 });
    }
  }
  return out;
}

for (const { name, open } of scratchStores('verdant-dash-')) {
  describe.skipIf(!open)(`dashboard API on ${name}`, () => {
    let url: string;
    let drop: (() => Promise<void>) | undefined;
    let store: Store;
    let app: FastifyInstance;
    let port: number;
    const runs: RunRow[] = [];
    const longRun = newId('r');

    beforeAll(async () => {
      const w = await open!();
      url = w.url;
      drop = w.drop;
      store = await Store.open({ url });
      for (let i = 0; i < 2000; i++) runs.push(ended(i));
      for (let i = 0; i < runs.length; i += 500) await store.db.insertInto('runs').values(runs.slice(i, i + 500)).execute();
      await store.createRun(
        ended(99_999, { id: longRun, name: 'long', group_id: null, started_at: T0 - 10_000, ended_at: T0 - 10_000 + 3000, heartbeat_at: T0 - 10_000 + 3000 }),
        SENSORS.map((s) => ({ run_id: longRun, sensor_id: s, kind: s.split(':')[0]!, method: 'fixture', description: '', estimate: 0 })),
      );
      await store.appendSamples(sampleRows(longRun, T0 - 10_000, 3000));
      const intensity = new TraceProvider([await loadTrace(shippedTracePath('ES', 2023))], { clock: () => Date.UTC(2023, 5, 1) / 1000 });
      app = await buildServer({ store, intensity, token: TOKEN, clock: () => Date.UTC(2023, 5, 1) / 1000, zones: ['ES', 'aws:eu-west-1'], streamPollMs: { run: 100, live: 100 } });
      port = await listen(app);
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
      await drop?.();
    });

    const get = async (path: string) => send(port, { path, headers: AUTH });

    it('pages /api/runs with filters, sorting and cursors, and keeps the old listing', async () => {
      const old = (await get('/api/runs')).json() as { runs: Array<{ run_id: string }>; total: number; next_cursor: string };
      expect(old.runs).toHaveLength(50);
      expect(old.runs[0]!.run_id).toBe('r_page_01999');
      expect(old.total).toBe(2001);
      // Failed runs in ES between two times, by energy ascending, 7 at a time: each exactly once, in order.
      const since = new Date((T0 + 300 * 30) * 1000).toISOString();
      const until = T0 + 1500 * 30;
      const want = runs
        .filter((r) => r.status === 'failed' && r.zone === 'ES' && r.started_at >= T0 + 300 * 30 && r.started_at < until)
        .sort((a, b) => a.energy_j - b.energy_j || (a.id < b.id ? -1 : 1))
        .map((r) => r.id);
      expect(want.length).toBeGreaterThan(50);
      const seen: string[] = [];
      let cursor = '';
      for (;;) {
        const r = await get(`/api/runs?status=failed&zone=ES&since=${since}&until=${until}&sort=energy_j&order=asc&limit=7&cursor=${cursor}`);
        expect(r.status).toBe(200);
        const page = r.json() as { runs: Array<{ run_id: string }>; next_cursor: string | null; total: number };
        expect(page.total).toBe(want.length);
        seen.push(...page.runs.map((x) => x.run_id));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      expect(seen).toEqual(want);
      const search = (await get('/api/runs?q=PAGE_0000&status=succeeded,failed&limit=100')).json() as { runs: Array<{ run_id: string }> };
      expect(search.runs.map((r) => r.run_id).sort()).toEqual(runs.filter((r) => r.id.startsWith('r_page_0000')).map((r) => r.id));
      const group = (await get('/api/runs?group=grp-a&sort=name&limit=1000')).json() as { total: number };
      expect(group.total).toBe(runs.filter((r) => r.group_id === 'grp-a').length);
    });

    it('refuses bad paging parameters with the field and a fix', async () => {
      for (const [q, field] of [
        ['cursor=zzz', 'cursor'],
        ['sort=pid', 'sort'],
        ['status=done', 'status'],
        ['since=yesterday', 'since'],
        ['limit=5000', 'limit'],
        ['colour=red', 'colour'],
      ] as const) {
        const r = await get(`/api/runs?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.json(), q).toMatchObject({ field });
        expect(typeof r.json().fix, q).toBe('string');
      }
      const first = (await get('/api/runs?sort=energy_j')).json() as { next_cursor: string };
      const r = await get(`/api/runs?sort=name&cursor=${first.next_cursor}`);
      expect(r.status).toBe(400);
      expect(r.json()).toMatchObject({ field: 'cursor' });
    });

    it('downsamples a run to at most N points per sensor, first and last kept, with exact running totals', async () => {
      const all = await store.samples(longRun);
      const r = await get(`/api/runs/${longRun}/samples?points=200`);
      expect(r.status).toBe(200);
      const view = r.json() as { points: number; sensors: Array<{ sensor_id: string }>; samples: Array<SampleRow & { cum_energy_j: number; cum_emissions_g: number }> };
      expect(view.sensors.map((s) => s.sensor_id)).toEqual(SENSORS);
      for (const s of SENSORS) {
        const mine = all.filter((x) => x.sensor_id === s);
        const got = view.samples.filter((x) => x.sensor_id === s);
        expect(got.length).toBeLessThanOrEqual(200);
        expect(got.length).toBeGreaterThan(150);
        expect(got[0]!.t).toBe(mine[0]!.t);
        expect(got.at(-1)!.t).toBe(mine.at(-1)!.t);
        // The spike every 97 s is the shape LTTB keeps: most of them survive.
        expect(got.filter((x) => x.power_w > 95 + 40).length).toBeGreaterThan(5);
        for (const x of got) {
          const upTo = mine.filter((m) => m.t <= x.t);
          expect(x.cum_energy_j).toBeCloseTo(upTo.reduce((a, m) => a + m.energy_j, 0), 6);
          expect(x.cum_emissions_g).toBeCloseTo(upTo.reduce((a, m) => a + m.emissions_g, 0), 9);
        }
        expect(got.at(-1)!.cum_energy_j).toBeCloseTo(mine.reduce((a, m) => a + m.energy_j, 0), 6);
        // Exactly the samples plain LTTB on (t, power_w) picks from all of them, each as stored.
        const lttb = createLTTB<SampleRow>({ x: (m) => m.t, y: (m) => m.power_w });
        const expected = Array.from(lttb(mine, 200));
        expect(got.map((x) => x.t)).toEqual(expected.map((m) => m.t));
        expect(got.map(({ cum_energy_j: _e, cum_emissions_g: _g, ...row }) => row)).toEqual(expected);
      }
      // A time range: only samples inside it, running totals still from the run's start.
      const from = T0 - 10_000 + 1000;
      const to = T0 - 10_000 + 1500;
      const part = (await get(`/api/runs/${longRun}/samples?points=50&from=${from}&to=${new Date(to * 1000).toISOString()}`)).json() as typeof view;
      expect(part.samples.every((x) => x.t >= from && x.t <= to)).toBe(true);
      const g0 = part.samples.filter((x) => x.sensor_id === 'gpu:0');
      expect(g0.length).toBe(50);
      expect(g0[0]!.cum_energy_j).toBeCloseTo(all.filter((m) => m.sensor_id === 'gpu:0' && m.t <= from).reduce((a, m) => a + m.energy_j, 0), 6);
      // Without points: every sample, the old shape.
      const raw = (await get(`/api/runs/${longRun}/samples`)).json() as { run_id: string; samples: SampleRow[] };
      expect(raw.samples).toHaveLength(all.length);
      expect(Object.keys(raw)).toEqual(['run_id', 'samples']);
      expect((await get(`/api/runs/${longRun}/samples?points=1`)).json()).toMatchObject({ field: 'points' });
    });

    it('downloads the raw samples as CSV', async () => {
      const r = await get(`/api/runs/${longRun}/samples?format=csv`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/csv/);
      expect(r.headers['content-disposition']).toContain(`${longRun}-samples.csv`);
      const lines = r.text.trimEnd().split('\n');
      expect(lines[0]).toBe('sensor_id,t,dt,energy_j,power_w,intensity_g_per_kwh,emissions_g');
      expect(lines).toHaveLength(1 + 3000 * SENSORS.length);
      const first = (await store.samples(longRun))[0]!;
      expect(lines[1]).toBe([first.sensor_id, first.t, first.dt, first.energy_j, first.power_w, first.intensity_g_per_kwh, first.emissions_g].join(','));
    });

    it('streams the samples another process appends, the run as it changes, and the end', async () => {
      // The writer is another Store on the same database, as `verdant run` in another process is.
      const writer = await Store.open({ url });
      try {
        const id = newId('r');
        const start = nowS();
        await writer.createRun({ ...testRunRow({ id, name: 'live-one', host: 'elsewhere', started_at: start, heartbeat_at: start }), group_id: null, task: null }, [
          { run_id: id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 },
        ]);
        await writer.appendSamples([{ run_id: id, sensor_id: 'gpu:0', t: start + 1, dt: 1, energy_j: 100, power_w: 100, intensity_g_per_kwh: 200, emissions_g: 0.1 }], { id, energy_j: 100, emissions_g: 0.1, heartbeat_at: nowS() });

        expect(await sse(port, `/api/runs/${id}/stream`).status).toBe(401);
        const s = sse(port, `/api/runs/${id}/stream`, AUTH);
        expect(await s.status).toBe(200);
        expect((await s.headers)['content-type']).toMatch(/^text\/event-stream/);
        await s.until((ev) => ev.some((e) => e.event === 'samples') && ev.some((e) => e.event === 'run'));
        const firstRun = s.events.find((e) => e.event === 'run')!.data as { status: string; energy_j: number };
        expect(firstRun).toMatchObject({ status: 'running', energy_j: 100 });

        // The open stream marks the run as watched: its tracker's next write reads that back (and writes every second).
        let watchedUntil = 0;
        await writer.appendSamples([{ run_id: id, sensor_id: 'gpu:0', t: start + 2, dt: 1, energy_j: 150, power_w: 150, intensity_g_per_kwh: 200, emissions_g: 0.15 }], { id, energy_j: 250, emissions_g: 0.25, heartbeat_at: nowS() }, { onWatched: (u) => (watchedUntil = u) });
        expect(watchedUntil).toBeGreaterThan(nowS());
        await s.until((ev) => ev.some((e) => e.event === 'samples' && e.id === String(start + 2)));
        await s.until((ev) => ev.some((e) => e.event === 'run' && (e.data as { energy_j: number }).energy_j === 250));
        await writer.updateRun(id, { status: 'succeeded', exit_code: 0, ended_at: nowS() });
        await s.until((ev) => ev.at(-1)?.event === 'end');
        await waitFor(s.ended, 10_000, 'the stream to end');
        const ts = s.events.filter((e) => e.event === 'samples').flatMap((e) => (e.data as SampleRow[]).map((x) => x.t));
        expect(ts).toEqual([start + 1, start + 2]);
        expect((s.events.at(-1)!.data as { status: string }).status).toBe('succeeded');

        // Resuming from Last-Event-ID sends only what came after it.
        const again = sse(port, `/api/runs/${id}/stream`, { ...AUTH, 'last-event-id': String(start + 1) });
        await again.until((ev) => ev.at(-1)?.event === 'end');
        expect(again.events.filter((e) => e.event === 'samples').flatMap((e) => (e.data as SampleRow[]).map((x) => x.t))).toEqual([start + 2]);
        expect((await send(port, { path: '/api/runs/r_nope/stream', headers: AUTH })).status).toBe(404);
      } finally {
        await writer.close();
      }
    });

    it('streams the live runs for the overview and serves its totals and grid', async () => {
      const writer = await Store.open({ url });
      try {
        const id = newId('r');
        const start = nowS();
        await writer.createRun({ ...testRunRow({ id, name: 'overview-live', host: 'elsewhere', zone: 'ES', pue: 1.5, started_at: start, heartbeat_at: start }), group_id: null, task: null }, [
          { run_id: id, sensor_id: 'gpu:0', kind: 'gpu', method: 'fixture', description: '', estimate: 0 },
        ]);
        const live = sse(port, '/api/stream', AUTH);
        await live.until((ev) => ev.some((e) => e.event === 'live' && (e.data as { runs: Array<{ run_id: string }> }).runs.some((r) => r.run_id === id)));
        // The overview's stream marks every live run as watched.
        let watchedUntil = 0;
        await writer.appendSamples([{ run_id: id, sensor_id: 'gpu:0', t: start + 1, dt: 1, energy_j: 200, power_w: 200, intensity_g_per_kwh: 100, emissions_g: 0.0083 }], { id, energy_j: 300, emissions_g: 0.0083, heartbeat_at: nowS() }, { onWatched: (u) => (watchedUntil = u) });
        expect(watchedUntil).toBeGreaterThan(nowS());
        const withPower = (ev: typeof live.events) =>
          ev.some((e) => e.event === 'live' && (e.data as { runs: Array<{ run_id: string; power_w: number }> }).runs.some((r) => r.run_id === id && r.power_w === 300));
        await live.until(withPower);

        const o = (await get('/api/overview')).json() as {
          live: Array<{ run_id: string; power_w: number }>;
          totals: { today: { runs: number; energy_j: number; by_zone: Array<{ zone: string; energy_j: number }>; by_host: Array<{ host: string }> }; last_7_days: { runs: number } };
          grid: { zone: string; now: { g_per_kwh: number; source: string } | null; forecast: Array<{ t: number }> };
        };
        expect(o.live.find((r) => r.run_id === id)?.power_w).toBe(300);
        expect(o.totals.today.runs).toBeGreaterThanOrEqual(1);
        expect(o.totals.today.by_zone.find((z) => z.zone === 'ES')!.energy_j).toBeGreaterThanOrEqual(300);
        expect(o.totals.today.by_host.some((h) => h.host === 'elsewhere')).toBe(true);
        // The seeded runs of 2023 are outside both windows.
        expect(o.totals.last_7_days.runs).toBeLessThan(10);
        live.close();
        await writer.updateRun(id, { status: 'succeeded', exit_code: 0, ended_at: nowS() });
      } finally {
        await writer.close();
      }
    });

    it('ends open streams when the server closes (close does not hang)', async () => {
      const other = await buildServer({ store, token: TOKEN, streamPollMs: { run: 100, live: 100 } });
      const p = await listen(other);
      const a = sse(p, '/api/stream', AUTH);
      const b = sse(p, `/api/runs/${longRun}/stream`, AUTH);
      await a.until((ev) => ev.length > 0);
      await b.until((ev) => ev.some((e) => e.event === 'end'));
      await other.close();
      await waitFor(a.ended, 10_000, 'the overview stream to end');
      await waitFor(b.ended, 10_000, 'the run stream to end');
    });
  });
}

describe('zones, intensity and job controls', () => {
  let store: Store;
  let app: FastifyInstance;
  let port: number;
  const clock = Date.UTC(2023, 5, 1, 12) / 1000;
  let trace: Awaited<ReturnType<typeof loadTrace>>;
  beforeAll(async () => {
    store = await Store.open({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'verdant-dash-')), 'v.db')}` });
    trace = await loadTrace(shippedTracePath('ES', 2023));
    app = await buildServer({ store, intensity: new TraceProvider([trace], { clock: () => clock }), token: TOKEN, clock: () => clock, zones: ['ES', 'aws:eu-west-1'] });
    port = await listen(app);
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('lists the configured zones first, then known zones and cloud regions', async () => {
    const z = (await send(port, { path: '/api/zones', headers: AUTH })).json() as { zones: Array<{ id: string; kind: string; configured: boolean; zone?: string }> };
    expect(z.zones.slice(0, 2)).toMatchObject([
      { id: 'ES', kind: 'zone', configured: true },
      { id: 'aws:eu-west-1', kind: 'cloud-region', configured: true, zone: 'IE' },
    ]);
    expect(z.zones.some((x) => x.kind === 'cloud-region' && !x.configured)).toBe(true);
  });

  it('serves history and forecast with the source of each part', async () => {
    const from = clock - 6 * 3600;
    const to = clock + 6 * 3600;
    const r = (await send(port, { path: `/api/intensity?zone=ES&from=${from}&to=${to}`, headers: AUTH })).json() as {
      zone: string;
      points: Array<{ t: number; g_per_kwh: number; forecast: boolean; source: string }>;
      parts: Array<{ forecast: boolean; link: string; fallback: boolean; points: number }>;
    };
    expect(r.zone).toBe('ES');
    expect(r.parts).toMatchObject([
      { forecast: false, link: 'trace', fallback: false, points: 6 },
      { forecast: true, link: 'trace', fallback: false, points: 6 },
    ]);
    expect(r.points).toHaveLength(12);
    for (const p of r.points) expect(p.g_per_kwh).toBe(trace.points.find((x) => x.t === p.t)!.gPerKwh);
    expect(r.points.filter((p) => p.forecast).map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5].map((h) => clock + h * 3600));
    const bad = await send(port, { path: '/api/intensity?zone=ES&from=2023-06-02&to=2023-06-01', headers: AUTH });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'to' });
    expect((await send(port, { path: '/api/intensity?zone=Atlantis', headers: AUTH })).json()).toMatchObject({ field: 'zone' });
  });

  it('pauses, resumes and cancels a job only with the token', async () => {
    const created = await send(port, { method: 'POST', path: '/api/jobs', headers: AUTH, body: { argv: ['true'], cwd: tmpdir(), zone: 'ES', durationS: 60, earliestStart: clock + 3600 } });
    expect(created.status).toBe(201);
    const id = created.json().job_id as string;
    for (const verb of ['pause', 'resume', 'cancel']) {
      expect((await send(port, { method: 'POST', path: `/api/jobs/${id}/${verb}` })).status, verb).toBe(401);
    }
    const paused = await send(port, { method: 'POST', path: `/api/jobs/${id}/pause`, headers: AUTH });
    expect(paused.status).toBe(200);
    expect(paused.json()).toMatchObject({ job_id: id, pending_request: 'hold' });
    const resumed = await send(port, { method: 'POST', path: `/api/jobs/${id}/resume`, headers: AUTH });
    expect(resumed.json()).toMatchObject({ job_id: id, pending_request: 'resume' });
    const cancelled = await send(port, { method: 'POST', path: `/api/jobs/${id}/cancel`, headers: AUTH });
    expect(cancelled.json()).toMatchObject({ job_id: id, state: 'cancelled' });
    const again = await send(port, { method: 'POST', path: `/api/jobs/${id}/pause`, headers: AUTH });
    expect(again.status).toBe(400);
    expect((await send(port, { method: 'POST', path: '/api/jobs/j_nope/resume', headers: AUTH })).status).toBe(404);
  });

  it('simulates as `verdant simulate` does: the same rows, its table and chart series', async () => {
    const request = { scenario: 'periodic' as const, zones: ['ES'], years: [2023], windowsH: [4] };
    const r = await send(port, { method: 'POST', path: '/api/simulate', headers: AUTH, body: request });
    expect(r.status).toBe(200);
    const body = r.json() as { rows: unknown[]; table: string; series: Array<{ zone: string; years: number[]; savingsPct: number[] }> };
    const direct = await runSimulation(request);
    expect(body.rows).toEqual(JSON.parse(JSON.stringify(direct.rows)));
    expect(body.table).toBe(formatTable(direct.rows));
    expect(body.series).toMatchObject([{ zone: 'ES', years: [2023], savingsPct: [direct.rows[0]!.savingsPct] }]);
    for (const [payload, field] of [
      [{ traceFiles: ['/etc/passwd'] }, 'traceFiles'],
      [{ zones: ['DE'] }, 'zones.0'],
      [{ years: [1999] }, 'years.0'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const bad = await send(port, { method: 'POST', path: '/api/simulate', headers: AUTH, body: payload });
      expect(bad.status, field).toBe(400);
      expect(bad.json(), field).toMatchObject({ field });
    }
    expect((await send(port, { method: 'POST', path: '/api/simulate', body: request })).status).toBe(401);
  });
});
