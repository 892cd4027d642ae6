import { setTimeout as sleep } from 'node:timers/promises';
import { WATCH_ALL_RUNS, nowS, type RunRow, type SampleRow, type Store } from '@verdant/core';
import type { Prediction } from '../measurement/predict.js';
import { facilityPowerW, runListItem, summarizeRow, type RunSummary } from './summary.js';

export type RunListItem = ReturnType<typeof runListItem>;

/** A live run as the overview shows it: its list line, its facility power now and, when reported, its progress and prediction. */
export type LiveRun = RunListItem & {
  /** Facility power now (each sensor's latest interval x PUE), W. */
  power_w: number;
  /** Fraction done (0..1), when the command reports progress. */
  progress?: number;
  prediction?: Prediction;
};

export interface ZoneTotals {
  zone: string;
  runs: number;
  energy_j: number;
  emissions_g: number;
}
export interface HostTotals {
  host: string;
  runs: number;
  energy_j: number;
  emissions_g: number;
}
/** The runs started in a window: how many, their facility energy and emissions (live ones: so far), by zone and by host. */
export interface WindowTotals {
  since: string;
  runs: number;
  energy_j: number;
  emissions_g: number;
  by_zone: ZoneTotals[];
  by_host: HostTotals[];
}

export interface RunsOverview {
  live: LiveRun[];
  totals: { today: WindowTotals; last_7_days: WindowTotals };
}

const DAY_S = 86_400;

/** The live runs (running or paused), newest first, each with its power now and its progress and prediction. */
export async function liveRuns(store: Store): Promise<LiveRun[]> {
  const { live } = await store.liveAndRecentRuns({ endedSince: 0, limit: 0 });
  return Promise.all(live.map((r) => liveRun(store, r)));
}

async function liveRun(store: Store, r: RunRow): Promise<LiveRun> {
  const latest = await store.latestSamples(r.id);
  let meta: { progress?: { fraction?: unknown }; prediction?: Prediction } = {};
  try {
    meta = JSON.parse(r.meta) as typeof meta;
  } catch {
    meta = {};
  }
  const fraction = meta.progress?.fraction;
  return {
    ...runListItem(r),
    power_w: facilityPowerW(latest, r.pue),
    ...(typeof fraction === 'number' ? { progress: fraction } : {}),
    ...(meta.prediction ? { prediction: meta.prediction } : {}),
  };
}

/**
 * What is running now, and the totals of the runs started today (since 00:00 UTC) and in the last 7 days
 * (the 7 × 24 h before `now`), by zone and by host; live runs count what they have measured so far.
 */
export async function runsOverview(store: Store, now = nowS()): Promise<RunsOverview> {
  const today = Math.floor(now / DAY_S) * DAY_S;
  const week = now - 7 * DAY_S;
  const [live, todayRows, weekRows] = await Promise.all([liveRuns(store), store.runTotalsStartedBetween(today), store.runTotalsStartedBetween(week)]);
  return { live, totals: { today: windowTotals(today, todayRows), last_7_days: windowTotals(week, weekRows) } };
}

function windowTotals(since: number, rows: Array<{ zone: string; host: string; runs: number; energy_j: number; emissions_g: number }>): WindowTotals {
  const group = <K extends 'zone' | 'host'>(k: K) => {
    const m = new Map<string, { runs: number; energy_j: number; emissions_g: number }>();
    for (const r of rows) {
      const t = m.get(r[k]) ?? { runs: 0, energy_j: 0, emissions_g: 0 };
      t.runs += r.runs;
      t.energy_j += r.energy_j;
      t.emissions_g += r.emissions_g;
      m.set(r[k], t);
    }
    return [...m].map(([key, t]) => ({ [k]: key, ...t }) as { [P in K]: string } & typeof t).sort((a, b) => b.energy_j - a.energy_j);
  };
  return {
    since: new Date(since * 1000).toISOString(),
    runs: rows.reduce((a, r) => a + r.runs, 0),
    energy_j: rows.reduce((a, r) => a + r.energy_j, 0),
    emissions_g: rows.reduce((a, r) => a + r.emissions_g, 0),
    by_zone: group('zone'),
    by_host: group('host'),
  };
}

/** One event of a run's live stream. `samples`: rows newly stored (id: the last one's `t`); `run`: the summary, when it changed; `end`: the run has ended (the last event). */
export type RunEvent = { event: 'samples'; id: string; data: SampleRow[] } | { event: 'run'; data: RunSummary } | { event: 'end'; data: RunSummary };

export interface WatchOptions {
  /** Only samples after this time (a client's Last-Event-ID); default all from the start. */
  afterT?: number;
  /** How often the store is read, ms (default 500). */
  pollMs?: number;
  /** Ends the stream. */
  signal?: AbortSignal;
  /** Most samples in one event (default 5000; the rest follow at once). */
  batch?: number;
}

const ENDED = new Set(['succeeded', 'failed', 'stopped', 'interrupted']);

/** A live stream renews its watch this often, s; the watch lasts WATCH_TTL_S, so a reader gone stops counting soon. */
const WATCH_RENEW_S = 2;
const WATCH_TTL_S = 10;

/**
 * Tells the trackers of the runs in `scope` (a run id, or every live run) that a reader watches them live, at
 * most every WATCH_RENEW_S: they then write every second instead of every 5 (see Tracker). Never rejects: a
 * mark the store refused is renewed at the next poll.
 */
function watchMarker(store: Store, scope: string): () => Promise<void> {
  let next = 0;
  return async () => {
    const now = nowS();
    if (now < next) return;
    next = now + WATCH_RENEW_S;
    await store.markWatched(scope, now + WATCH_TTL_S, { nowS: now }).catch(() => undefined);
  };
}

/**
 * A run's live events, read by polling the store: works whatever process writes the run (`verdant run`
 * elsewhere, on the same store). First the run's summary, then new samples as they are stored and the summary
 * whenever its status or totals change, and `end` once the run has ended and every sample has been sent.
 * Stops when `signal` aborts. The run must exist.
 */
export async function* watchRun(store: Store, runId: string, options: WatchOptions = {}): AsyncGenerator<RunEvent> {
  const pollMs = options.pollMs ?? 500;
  const batch = options.batch ?? 5000;
  let after = options.afterT;
  let seen = '';
  const watching = watchMarker(store, runId);
  while (!options.signal?.aborted) {
    // The row first: once it says ended, the samples read after it are all there are.
    const row = await store.getRun(runId);
    if (!row) return;
    if (!ENDED.has(row.status)) await watching();
    for (;;) {
      let rows = await store.samplesBetween(runId, { ...(after !== undefined ? { after } : {}), limit: batch });
      const full = rows.length === batch;
      // A cut batch may end part-way through one time's sensors: those follow with the next batch.
      if (full && rows[0]!.t !== rows.at(-1)!.t) rows = rows.filter((r) => r.t !== rows.at(-1)!.t);
      if (!rows.length) break;
      after = rows.at(-1)!.t;
      yield { event: 'samples', id: String(after), data: rows };
      if (!full || options.signal?.aborted) break;
    }
    const state = `${row.status}|${row.energy_j}|${row.emissions_g}|${row.ended_at}`;
    const ended = ENDED.has(row.status);
    if (state !== seen || ended) {
      seen = state;
      const summary = await summarizeRow(store, row);
      yield { event: 'run', data: summary };
      if (ended) {
        yield { event: 'end', data: summary };
        return;
      }
    }
    try {
      await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return;
    }
  }
}

/** The overview's live events: the live runs with their power, whenever that list changes (read every `pollMs`, default 1000). */
export async function* watchLiveRuns(store: Store, options: Omit<WatchOptions, 'afterT' | 'batch'> = {}): AsyncGenerator<{ event: 'live'; data: { runs: LiveRun[] } }> {
  const pollMs = options.pollMs ?? 1000;
  let seen: string | undefined;
  const watching = watchMarker(store, WATCH_ALL_RUNS);
  while (!options.signal?.aborted) {
    await watching();
    const runs = await liveRuns(store);
    const text = JSON.stringify(runs);
    if (text !== seen) {
      seen = text;
      yield { event: 'live', data: { runs } };
    }
    try {
      await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return;
    }
  }
}
