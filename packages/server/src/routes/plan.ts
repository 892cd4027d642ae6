import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { VerdantError, invalidInput, isVerdantError, nowS } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { locationResolver } from '../carbon-aware/locations.js';
import { bodyField } from '../body-fields.js';
import { sendError } from '../errors.js';
import { planFromProvider, planResultJson, type PlanRequest } from '@verdant/schedule';

export interface PlanRouteOptions {
  intensity: IntensityProvider;
  now?: () => number;
}

/** An absolute time: ISO 8601 with an offset, or epoch seconds. */
const TIME_HINT = 'must be ISO 8601 (2025-03-01T18:00:00Z) or epoch seconds';
const time = z.union(
  [
    z.number().finite(),
    z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), { message: TIME_HINT })
      .transform((s) => Date.parse(s) / 1000),
  ],
  { message: TIME_HINT },
);
const seconds = z.number().finite().nonnegative();

export const planBody = z
  .object({
    regions: z.array(z.string().min(1)).min(1, 'give at least one grid zone or cloud region'),
    duration_s: z.number().finite().positive(),
    earliest: time.optional(),
    deadline: time.optional(),
    power_w: seconds.optional(),
    energy_j: seconds.optional(),
    interruptible: z.union([z.boolean(), z.object({ min_chunk_s: seconds.default(0), pause_overhead_s: seconds.default(0) }).strict()]).optional(),
    objective: z.union([z.enum(['carbon', 'cost']), z.object({ carbon: seconds, cost: seconds }).strict()]).optional(),
    prices: z.array(z.object({ time, resolution_s: z.number().finite().positive(), per_kwh: z.number().finite() }).strict()).optional(),
    signal: z.enum(['average', 'marginal']).optional(),
  })
  .strict();
export type PlanBody = z.infer<typeof planBody>;

function toRequest(b: PlanBody, zones: string[]): PlanRequest {
  const intr = b.interruptible === true ? { min_chunk_s: 0, pause_overhead_s: 0 } : b.interruptible || undefined;
  return {
    zones,
    durationS: b.duration_s,
    ...(b.earliest !== undefined ? { earliestStart: b.earliest } : {}),
    ...(b.deadline !== undefined ? { deadline: b.deadline } : {}),
    ...(b.power_w !== undefined ? { powerW: b.power_w } : {}),
    ...(b.energy_j !== undefined ? { energyJ: b.energy_j } : {}),
    interruptible: intr ? { minChunkS: intr.min_chunk_s, pauseOverheadS: intr.pause_overhead_s } : false,
    ...(b.objective !== undefined ? { objective: b.objective } : {}),
    ...(b.prices ? { prices: b.prices.map((p) => ({ t: p.time, resolutionS: p.resolution_s, perKwh: p.per_kwh })) } : {}),
    ...(b.signal ? { signal: b.signal } : {}),
  };
}

/** POST /api/plan: the best time (and region) for one job, as `verdant plan --json` prints it. */
export const planRoutes: FastifyPluginAsync<PlanRouteOptions> = async (app, opts) => {
  const now = opts.now ?? nowS;
  const resolve = locationResolver(opts.intensity);
  app.post('/api/plan', async (req, reply) => {
    const parsed = planBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      const field = path.map(String).join('.') || 'body';
      return sendError(reply, invalidInput(field, issue.message, 'see POST /api/plan in docs/api.md'));
    }
    try {
      const zones = await Promise.all(parsed.data.regions.map((r, i) => resolve(r, `regions.${i}`)));
      const result = await planFromProvider(toRequest(parsed.data, [...new Set(zones)]), opts.intensity, { now });
      return planResultJson(result);
    } catch (e) {
      if (!isVerdantError(e)) throw e;
      // The planner names PlanRequest's fields; the client sent body fields.
      const field = bodyField(e.field);
      // Status from the error's kind: bad input 400, every intensity source down 503, anything else 500.
      return sendError(reply, new VerdantError(e.message, { exitCode: e.exitCode, ...(field ? { field } : {}), ...(e.fix ? { fix: e.fix } : {}) }));
    }
  });
};
