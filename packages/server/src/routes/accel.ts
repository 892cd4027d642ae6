import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { invalidInput, isVerdantError, nowS, type Store } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { sendError } from '../errors.js';

export interface AccelRouteOptions {
  store: Store;
  intensity: IntensityProvider;
  now?: () => number;
}

// /api/accel/*: hardware planning (@verdant/accel). Bodies use the library's field names (as POST /api/jobs
// does), values as numbers or as the CLI's strings ("7B", "14d"); the library parses them and its errors name
// those fields. Each route: validate, one library call, the library's JSON.

const value = z.union([z.string(), z.number().finite(), z.boolean(), z.array(z.string())]);
const JOB = ['paramsTotal', 'paramsActive', 'tokens', 'precision', 'measured', 'optimizerBytesPerParam', 'memoryOverhead', 'utilization', 'scalingPerDoubling', 'hostOverhead', 'pue'] as const;
const RECOMMEND = [...JOB, 'earliestStart', 'deadline', 'startStepS', 'maxStarts', 'maxDevices', 'pricing', 'billingGranularityS', 'budgetUsd', 'carbonCapG', 'allowRegions', 'denyRegions', 'preferRegions', 'devices', 'objective'] as const;
const fields = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((k) => [k, value.optional()]))).strict();
const estimateBody = fields([...JOB, 'device', 'count']);
const compareBody = fields([...JOB, 'devices', 'count', 'zones', 'starts', 'pricing']);
const recommendBody = fields(RECOMMEND);
const importBody = z.object({ csv: z.string().min(1), format: z.string(), provider: z.string().optional(), retrievedAt: z.union([z.string(), z.number()]).optional() }).strict();
const PROFILE = ['device', 'source', 'provenance', 'precision', 'achievedTflops', 'achievedFlops', 'tokensPerS', 'paramsTotal', 'paramsActive', 'devices', 'powerW', 'scalingPerDoubling', 'workload', 'retrievedAt'] as const;
const profileBody = fields(PROFILE);
const profilesQuery = z.object({ device: z.string().optional() }).strict();
const offersQuery = z.object({ provider: z.string().optional(), device: z.string().optional(), region: z.string().optional(), max_age: z.string().optional() }).strict();

function parse<T>(schema: z.ZodType<T>, input: unknown, reply: FastifyReply, doc: string): T | undefined {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  void sendError(reply, invalidInput(path.map(String).join('.') || 'body', issue.message, `see ${doc} in docs/api.md`));
  return undefined;
}

/** Library errors (bad input) become the one error body; anything else propagates. */
async function guarded(reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (e) {
    if (isVerdantError(e)) return sendError(reply, e);
    throw e;
  }
}

export const accelRoutes: FastifyPluginAsync<AccelRouteOptions> = async (app, opts) => {
  const now = opts.now ?? nowS;
  const accel = () => import('@verdant/accel');

  app.get('/api/accel/devices', async () => {
    const a = await accel();
    return { devices: a.devices().map(a.deviceJson) };
  });

  app.get<{ Params: { id: string } }>('/api/accel/devices/:id', async (req, reply) =>
    guarded(reply, async () => {
      const a = await accel();
      const d = await a.showDevice(req.params.id, opts.store);
      return { device: a.deviceJson(d.device), profiles: d.profiles.map(a.profileJson) };
    }),
  );

  app.get('/api/accel/offers', async (req, reply) => {
    const q = parse(offersQuery, req.query, reply, 'GET /api/accel/offers');
    if (!q) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      const maxAgeS = a.maxAgeFromField(q.max_age);
      const r = await a.listOffers(opts.store, { ...(q.provider ? { provider: q.provider } : {}), ...(q.device ? { device: q.device } : {}), ...(q.region ? { region: q.region } : {}), ...(maxAgeS !== undefined ? { maxAgeS } : {}), now: now() });
      return { sample: r.sample, warning: r.warning ?? null, offers: r.offers.map(a.offerJson) };
    });
  });

  app.get('/api/accel/imports', async () => {
    const a = await accel();
    return { imports: (await a.importHistory(opts.store)).map(a.importJson) };
  });

  // A cloud's whole vms.csv runs to megabytes: this route takes up to 32 MiB (the others keep Fastify's 1 MiB).
  app.post('/api/accel/import', { bodyLimit: 32 * 2 ** 20 }, async (req, reply) => {
    const b = parse(importBody, req.body, reply, 'POST /api/accel/import');
    if (!b) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      const retrievedAt = typeof b.retrievedAt === 'number' ? b.retrievedAt : a.timeFromField(b.retrievedAt, 'retrievedAt');
      const r = await a.importOffersText(opts.store, { text: b.csv, format: a.offerFormat(b.format), ...(b.provider ? { provider: b.provider } : {}), ...(retrievedAt !== undefined ? { retrievedAt } : {}) });
      return reply.code(201).send(a.importJson(r));
    });
  });

  app.get('/api/accel/profiles', async (req, reply) => {
    const q = parse(profilesQuery, req.query, reply, 'GET /api/accel/profiles');
    if (!q) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      return { profiles: (await a.listProfiles(opts.store, q.device ? { device: q.device } : {})).map(a.profileJson) };
    });
  });

  app.post('/api/accel/profiles', async (req, reply) => {
    const b = parse(profileBody, req.body, reply, 'POST /api/accel/profiles');
    if (!b) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      const p = await a.addProfile(opts.store, a.profileEntryFromFields(b), now());
      return reply.code(201).send(a.profileJson(p));
    });
  });

  app.post('/api/accel/estimate', async (req, reply) => {
    const b = parse(estimateBody, req.body, reply, 'POST /api/accel/estimate');
    if (!b) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      if (typeof b.device !== 'string') throw invalidInput('device', 'is required', 'give a device id or alias, e.g. h100');
      const count = b.count === undefined ? 8 : Number(b.count);
      return a.estimateJson(await a.estimateJob({ job: a.jobFromFields(b), device: b.device, count }, opts.store));
    });
  });

  app.post('/api/accel/compare', async (req, reply) => {
    const b = parse(compareBody, req.body, reply, 'POST /api/accel/compare');
    if (!b) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      const names = Array.isArray(b.devices) ? b.devices : [];
      const count = b.count === undefined ? 8 : Number(b.count);
      if (b.zones !== undefined) {
        // With zones: cost and carbon per zone and start (docs/hardware.md's comparison tables).
        const zones = (Array.isArray(b.zones) ? b.zones : [String(b.zones)]).filter(Boolean);
        const starts = b.starts === undefined ? [now()] : (Array.isArray(b.starts) ? b.starts : [b.starts]).map((t) => (typeof t === 'number' ? t : a.timeFromField(String(t), 'starts')!));
        const pricing = b.pricing === undefined ? {} : { pricing: String(b.pricing) as 'on-demand' | 'spot' };
        return a.regionComparisonJson(await a.compareRegions({ job: a.jobFromFields(b), devices: names, count, zones, starts, ...pricing }, { store: opts.store, provider: opts.intensity, now }));
      }
      const c = await a.compareDevices({ job: a.jobFromFields(b), devices: names, count }, opts.store);
      return { count, rows: c.rows.map((r) => ({ device: a.deviceJson(r.device), estimate: r.estimate ? a.estimateJson(r.estimate) : null, excluded: r.excluded })) };
    });
  });

  app.post('/api/accel/recommend', async (req, reply) => {
    const b = parse(recommendBody, req.body, reply, 'POST /api/accel/recommend');
    if (!b) return reply;
    return guarded(reply, async () => {
      const a = await accel();
      const request = a.recommendFromFields(b, now());
      return a.recommendationJson(await a.recommendPlan(request, { store: opts.store, provider: opts.intensity, now }));
    });
  });
};
