import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { isVerdantError, nowS, type JobState, type Store } from '@verdant/core';
import { providerFromEnv } from '@verdant/grid';
import { cancelJob, JobQueue, jobToJson, providerSource, submitJob, type IntensitySource } from '@verdant/schedule';

const STATES: JobState[] = ['queued', 'scheduled', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    state: { type: 'string', enum: STATES },
  },
  additionalProperties: false,
} as const;

/** The body is checked in full by the library (zod) so errors name the field; here only its outline. */
const submitBody = {
  type: 'object',
  required: ['argv'],
  properties: { argv: { type: 'array', items: { type: 'string' }, minItems: 1 } },
} as const;

export interface JobRoutesOptions {
  store: Store;
  /** Intensity to plan over; default the providers configured in the environment. */
  source?: IntensitySource;
}

/** GET/POST /api/jobs, GET /api/jobs/:id, POST /api/jobs/:id/cancel. */
export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, { store, source }) => {
  const queue = JobQueue.of(store);
  const planSource = source ?? providerSource(providerFromEnv(process.env, store));

  app.get<{ Querystring: { limit: number; state?: JobState } }>('/api/jobs', { schema: { querystring: listQuery } }, async (req) => {
    const jobs = await queue.list({ limit: req.query.limit, ...(req.query.state ? { states: [req.query.state] } : {}) });
    return { jobs: jobs.map(jobToJson) };
  });

  app.post<{ Body: Record<string, unknown> & { argv: string[] } }>('/api/jobs', { schema: { body: submitBody } }, async (req, reply) => {
    const b = req.body;
    const now = nowS();
    // Defaults a client would otherwise repeat: a name from the command, start now.
    const input = { name: b.argv[0], earliestStart: now, ...b };
    const { job } = await submitJob(store, input, { source: planSource, now, fieldPrefix: 'body' });
    return reply.code(201).send(jobToJson(job));
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req, reply) => {
    try {
      const job = await queue.require(req.params.id, 'id');
      return { ...jobToJson(job), events: (await queue.events(job.id)).map((e) => ({ at: new Date(e.t * 1000).toISOString(), state: e.state, message: e.message })) };
    } catch (e) {
      return notFound(e, reply);
    }
  });

  app.post<{ Params: { id: string } }>('/api/jobs/:id/cancel', async (req, reply) => {
    try {
      await queue.require(req.params.id, 'id');
    } catch (e) {
      return notFound(e, reply);
    }
    return jobToJson(await cancelJob(store, req.params.id, 'id'));
  });
};

function notFound(e: unknown, reply: FastifyReply) {
  if (isVerdantError(e) && /^no job/.test(e.message)) return reply.code(404).send(e.toJSON());
  throw e;
}
