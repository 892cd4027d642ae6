/**
 * Fast, deterministic seeding of a store through the Store API (batched inserts), for the dashboard's browser
 * tests, benchmarks and screenshots: many ended runs, one long run sampled at 1 Hz by three sensors, queued
 * and finished jobs, intensity history and forecast.
 */
import { randomBytes } from 'node:crypto';

/** @typedef {import('@verdant/core').Store} Store */
/** @typedef {import('@verdant/core').RunRow} RunRow */

/** Run names of the seeded runs: none is a substring of another, so an exact and a substring filter agree. */
export const RUN_NAMES = ['train-resnet50', 'finetune-llama', 'eval-bert', 'etl-nightly', 'sweep-lr', 'render-frames'];
export const RUN_ZONES = ['DE', 'FR', 'GB', 'SE', 'PL'];
export const RUN_HOSTS = ['gpu-node-1', 'gpu-node-2', 'gpu-node-3', 'cpu-node-1'];
/** Grid intensity of each zone in the seeded runs, gCO2e/kWh. */
const ZONE_G = { DE: 380, FR: 55, GB: 210, SE: 25, PL: 690 };

/** A small deterministic PRNG (mulberry32), so a seed gives the same store every time. */
export function prng(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A run id in the store's own shape (`r_` + creation time in base 36 + random hex), from its start time. */
function runId(startedAtS, rand) {
  const hex = Math.floor(rand() * 0xffffffffff)
    .toString(16)
    .padStart(10, '0');
  return `r_${Math.floor(startedAtS * 1000)
    .toString(36)
    .padStart(9, '0')}${hex}`;
}

/**
 * Inserts `count` ended runs spread over the `days` before `now` (newest first), in transactions of 1,000 rows:
 * names, zones, hosts and statuses cycle pseudo-randomly, one run in ten belongs to one of a few groups.
 * Returns the rows written (the test's oracle for the runs table). run_totals (the Prometheus counters) are
 * not updated.
 * @param {Store} store
 * @param {{ count: number, now?: number, days?: number, seed?: number }} options  now: epoch seconds (default the clock)
 * @returns {Promise<RunRow[]>}
 */
export async function seedRuns(store, { count, now = Date.now() / 1000, days = 30, seed = 42 }) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  /** @type {RunRow[]} */
  const rows = [];
  const span = days * 86400;
  for (let i = 0; i < count; i++) {
    const started = now - 3600 - (i / count) * span - rand() * 60;
    const duration = Math.round(60 + rand() * 7140);
    const ended = Math.min(started + duration, now - 60);
    const r = rand();
    const status = r < 0.8 ? 'succeeded' : r < 0.9 ? 'failed' : r < 0.95 ? 'stopped' : 'interrupted';
    const zone = pick(RUN_ZONES);
    const powerW = 50 + rand() * 550;
    const energy = powerW * (ended - started) * 1.2;
    const group = rand() < 0.1 ? `g_sweep${Math.floor(rand() * 5)}` : null;
    rows.push({
      id: runId(started, rand),
      name: pick(RUN_NAMES),
      status,
      command: JSON.stringify(['python', 'train.py', `--seed=${i}`]),
      cwd: '/work',
      zone,
      intensity_source: 'static:seed',
      pue: 1.2,
      interval_s: 1,
      started_at: started,
      ended_at: ended,
      heartbeat_at: ended,
      exit_code: status === 'succeeded' ? 0 : status === 'failed' ? 1 : status === 'stopped' ? 143 : null,
      pid: null,
      child_pid: null,
      host: pick(RUN_HOSTS),
      energy_j: energy,
      emissions_g: (energy * ZONE_G[zone]) / 3.6e6,
      meta: '{}',
      group_id: group,
      task: group ? String(Math.floor(rand() * 4)) : null,
    });
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await store.db.insertInto('runs').values(chunk).execute();
  }
  return rows;
}

/** The three sensors of a seeded long run. */
export const LONG_RUN_SENSORS = [
  { sensor_id: 'gpu:0', kind: 'gpu', method: 'nvml-energy-counter', description: 'NVIDIA H100 (seeded)', estimate: 0 },
  { sensor_id: 'cpu:package-0', kind: 'cpu', method: 'rapl', description: 'RAPL package 0 (seeded)', estimate: 0 },
  { sensor_id: 'ram', kind: 'ram', method: 'ram-model', description: '3 W per 8 GB (seeded)', estimate: 1 },
];

/** Power of each seeded sensor at t seconds into the run, W. */
function powerAt(sensor, t) {
  if (sensor === 'gpu:0') return 250 + 150 * Math.sin((2 * Math.PI * t) / 3600) + 20 * Math.sin(t / 7);
  if (sensor === 'cpu:package-0') return 60 + 20 * Math.sin((2 * Math.PI * t) / 600);
  return 8;
}

/** Grid intensity t seconds after `start`, gCO2e/kWh (a daily cycle). */
function intensityAt(t) {
  return 350 + 120 * Math.sin((2 * Math.PI * t) / 86400);
}

/**
 * One run sampled every second by three sensors (gpu, cpu, ram) for `durationS` (86,400: 259,200 samples),
 * written with `appendSamples` in batches of `batch` seconds, each with the run's running totals. The run
 * ends `succeeded` unless `running` is set (then it stays running, its heartbeat now, pid this process).
 * @param {Store} store
 * @param {{ durationS?: number, name?: string, zone?: string, end?: number, batch?: number, running?: boolean }} [options]
 *   end: epoch seconds of its last sample (default now - 60)
 * @returns {Promise<{ id: string, startedAt: number, endedAt: number, samples: number, energyJ: number, emissionsG: number }>}
 */
export async function seedLongRun(store, { durationS = 86_400, name = 'pretrain-24h', zone = 'DE', end = Math.floor(Date.now() / 1000) - 60, batch = 2000, running = false } = {}) {
  const startedAt = end - durationS;
  const id = `r_${Math.floor(startedAt * 1000)
    .toString(36)
    .padStart(9, '0')}${randomBytes(5).toString('hex')}`;
  const { localHostName } = await import('@verdant/core');
  await store.createRun(
    {
      id,
      name,
      status: 'running',
      command: JSON.stringify(['python', 'pretrain.py', '--hours', String(durationS / 3600)]),
      cwd: '/work',
      zone,
      intensity_source: 'static:seed',
      pue: 1,
      interval_s: 1,
      started_at: startedAt,
      ended_at: null,
      heartbeat_at: Date.now() / 1000,
      exit_code: null,
      pid: process.pid,
      child_pid: null,
      host: localHostName(),
      energy_j: 0,
      emissions_g: 0,
      meta: '{}',
    },
    LONG_RUN_SENSORS.map((s) => ({ run_id: id, ...s })),
  );
  let energyJ = 0;
  let emissionsG = 0;
  let samples = 0;
  for (let from = 1; from <= durationS; from += batch) {
    const rows = [];
    for (let k = from; k < from + batch && k <= durationS; k++) {
      const g = intensityAt(k);
      for (const s of LONG_RUN_SENSORS) {
        const w = powerAt(s.sensor_id, k);
        const e = (w * g) / 3.6e6;
        energyJ += w;
        emissionsG += e;
        rows.push({ run_id: id, sensor_id: s.sensor_id, t: startedAt + k, dt: 1, energy_j: w, power_w: w, intensity_g_per_kwh: g, emissions_g: e });
      }
    }
    samples += await store.appendSamples(rows, { id, energy_j: energyJ, emissions_g: emissionsG, heartbeat_at: Date.now() / 1000 });
  }
  if (!running) await store.updateRun(id, { status: 'succeeded', exit_code: 0, ended_at: end, heartbeat_at: end });
  return { id, startedAt, endedAt: end, samples, energyJ, emissionsG };
}

/**
 * Appends one second of samples (all three sensors, ending at `t`) to a running long run, with its heartbeat.
 * Returns the wall-clock time (epoch ms) at which the write was committed.
 * @param {Store} store
 * @param {{ id: string, startedAt: number }} run
 * @param {number} t  epoch seconds of the samples
 * @param {{ energyJ: number, emissionsG: number }} totals  the run's totals so far (updated in place)
 */
export async function appendSecond(store, run, t, totals) {
  const k = t - run.startedAt;
  const g = intensityAt(k);
  const rows = LONG_RUN_SENSORS.map((s) => {
    const w = powerAt(s.sensor_id, k);
    totals.energyJ += w;
    totals.emissionsG += (w * g) / 3.6e6;
    return { run_id: run.id, sensor_id: s.sensor_id, t, dt: 1, energy_j: w, power_w: w, intensity_g_per_kwh: g, emissions_g: (w * g) / 3.6e6 };
  });
  await store.appendSamples(rows, { id: run.id, energy_j: totals.energyJ, emissions_g: totals.emissionsG, heartbeat_at: Date.now() / 1000 });
  return Date.now();
}

/**
 * Jobs in the queue: `waiting` scheduled ones planned a day ahead (they stay queued while `verdant serve`
 * runs without its scheduler) and `finished` ones in their history (one succeeded, one cancelled, ...).
 * @param {Store} store
 * @param {{ waiting?: string[], finished?: Array<{ name: string, state: 'succeeded' | 'failed' | 'cancelled' }>, zone?: string, now?: number }} [options]
 * @returns {Promise<Array<{ id: string, name: string, state: string }>>}
 */
export async function seedJobs(store, { waiting = ['nightly-finetune', 'weekly-eval'], finished = [{ name: 'etl-backfill', state: 'succeeded' }], zone = 'DE', now = Date.now() / 1000 } = {}) {
  const { JobQueue } = await import('@verdant/schedule');
  const queue = JobQueue.of(store);
  const out = [];
  const spec = (name, start, durationS) => ({
    name,
    argv: ['python', `${name}.py`],
    cwd: '/work',
    env: {},
    zone,
    executor: 'local',
    durationS,
    earliestStart: start,
    deadline: start + 2 * 86400,
    interruptible: false,
    powerW: 300,
  });
  const plan = (start, durationS) => ({
    plannedStart: start,
    plannedEnd: start + durationS,
    zone,
    source: 'static:seed',
    meanIntensityG: 210,
    baselineIntensityG: 340,
    emissionsG: (300 * durationS * 210) / 3.6e6,
    baselineEmissionsG: (300 * durationS * 340) / 3.6e6,
    savingG: (300 * durationS * 130) / 3.6e6,
    savingFraction: 130 / 340,
  });
  let i = 0;
  for (const name of waiting) {
    const start = Math.floor(now / 3600) * 3600 + 86400 + 3600 * i++;
    const job = await queue.add(spec(name, now, 4 * 3600), plan(start, 4 * 3600), { now: now - 600 });
    out.push({ id: job.id, name, state: job.state });
  }
  for (const f of finished) {
    const start = now - 86400 + 3600 * i++;
    const job = await queue.add(spec(f.name, start - 3600, 2 * 3600), plan(start, 2 * 3600), { now: start - 7200 });
    const ended = f.state === 'cancelled' ? start - 1800 : start + 2 * 3600;
    await queue.update(
      job.id,
      {},
      f.state === 'cancelled'
        ? { state: 'cancelled', ended_at: ended, message: 'cancelled before it started' }
        : { state: f.state, started_at: start, ended_at: ended, ran_s: 2 * 3600, exit_code: f.state === 'succeeded' ? 0 : 1, message: `${f.state} (seeded)` },
      ended,
    );
    out.push({ id: job.id, name: f.name, state: f.state });
  }
  return out;
}

/**
 * Hourly intensity of `zone` in the store's cache: history for the `pastH` hours before now and a forecast for
 * the `futureH` after (a daily cycle), so the grid and overview pages have a curve without a live provider.
 * @param {Store} store
 */
export async function seedIntensity(store, { zone = 'DE', pastH = 72, futureH = 24, now = Date.now() / 1000 } = {}) {
  const hour = Math.floor(now / 3600) * 3600;
  const points = [];
  for (let h = -pastH; h < futureH; h++) {
    const t = hour + h * 3600;
    const local = (t / 3600) % 24;
    points.push({
      zone,
      t,
      resolutionS: 3600,
      gPerKwh: Math.round(320 + 140 * Math.sin(((local - 7) * 2 * Math.PI) / 24)),
      signal: 'average',
      source: 'static:seed',
      ...(h >= 0 ? { generatedAt: hour } : {}),
    });
  }
  await store.putIntensity(points, now);
  return points.length;
}

/**
 * One recorded agent run (the `record` option of runAgent, as a real agent run is stored): a scripted model asks
 * for `ids.length` calls of one tool at once, two at a time run (the rest queue), then answers. Returns its id.
 * @param {import('@verdant/core').Store} store
 */
export async function seedAgentRun(store, { name = 'research-agent', ids = ['search-papers', 'search-code', 'fetch-docs', 'summarize'] } = {}) {
  const { runAgent, tool } = await import('@verdant/agents');
  let turn = 0;
  /** @type {import('@verdant/agents').ModelAdapter} */
  const model = {
    vendor: 'scripted',
    modelId: 'seed-model',
    async *stream() {
      if (++turn === 1) {
        for (const [index, id] of ids.entries()) yield { type: 'tool-call-complete', index, id, name: 'work', args: { id }, rawArgs: '' };
        yield { type: 'finish', reason: 'tool-calls' };
      } else {
        yield { type: 'text-delta', text: 'done' };
        yield { type: 'finish', reason: 'stop' };
      }
    },
  };
  const work = tool({
    name: 'work',
    description: 'does one piece of work',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
    limits: { concurrency: 2 },
    execute: async ({ id }) => {
      await new Promise((r) => setTimeout(r, 30 + 15 * (String(id).length % 4)));
      return id;
    },
  });
  const run = runAgent({ model, tools: [work], messages: [{ role: 'user', content: 'gather and summarize' }], record: { store, name } });
  await run.result;
  return /** @type {string} */ (run.runId);
}
