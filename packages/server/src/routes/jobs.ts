import { basename } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { invalidInput, isVerdantError, nowS, type JobState, type Store } from '@verdant/core';
import type { IntensityProvider } from '@verdant/grid';
import { assertJobRunnable, cancelJob, JobQueue, pauseJob, resumeJob, jobToJson, parseJobRequest, providerSource, submitJob } from '@verdant/schedule';
import { locationResolver } from '../carbon-aware/locations.js';
import { sendNotFound } from '../errors.js';

const STATES: JobState[] = ['queued', 'scheduled', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    state: { type: 'string', enum: STATES },
  },
  additionalProperties: false,
} as const;

export interface JobRoutesOptions {
  store: Store;
  /** Where zones are resolved and what jobs are planned over (buildServer's provider). */
  intensity: IntensityProvider;
}

/** GET/POST /api/jobs, GET /api/jobs/:id, POST /api/jobs/:id/cancel, /pause and /resume. */
export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, { store, intensity }) => {
  const queue = JobQueue.of(store);
  const planSource = providerSource(intensity);
  const resolveZone = locationResolver(intensity);

  app.get<{ Querystring: { limit: number; state?: JobState } }>('/api/jobs', { schema: { querystring: listQuery } }, async (req) => {
    const jobs = await queue.list({ limit: req.query.limit, ...(req.query.state ? { states: [req.query.state] } : {}) });
    return { jobs: jobs.map(jobToJson) };
  });

  // The body is checked in full here, before anything is written: its shape by the library's schema (no
  // coercion, no unknown fields), its zone against the known zones, and its cwd and command on this host.
  app.post('/api/jobs', async (req, reply) => {
    const b = req.body;
    if (b === null || typeof b !== 'object' || Array.isArray(b)) {
      throw invalidInput('body', 'must be a JSON object describing the job', 'send e.g. {"argv":["python","train.py"],"cwd":"/home/me","zone":"DE","durationS":3600}');
    }
    const now = nowS();
    const argv = (b as { argv?: unknown }).argv;
    // Defaults a client would otherwise repeat: a name from the command, start now. (Without a usable command
    // the request fails on `argv`, never on the name it would have given.)
    const name = Array.isArray(argv) && typeof argv[0] === 'string' && argv[0] ? basename(argv[0]) || argv[0] : 'job';
    const spec = parseJobRequest({ name, earliestStart: now, ...b }, 'body');
    const zone = await resolveZone(spec.zone, 'body.zone');
    assertJobRunnable(spec, 'body');
    const { job } = await submitJob(store, { ...spec, zone }, { source: planSource, now, fieldPrefix: 'body' });
    return reply.code(201).send(jobToJson(job));
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req, reply) => {
    const job = await findJob(req.params.id);
    if (!job) return sendNotFound(reply, 'job', req.params.id);
    return { ...jobToJson(job), events: (await queue.events(job.id)).map((e) => ({ at: new Date(e.t * 1000).toISOString(), state: e.state, message: e.message })) };
  });

  app.post<{ Params: { id: string } }>('/api/jobs/:id/cancel', async (req, reply) => {
    const job = await findJob(req.params.id);
    if (!job) return sendNotFound(reply, 'job', req.params.id);
    return jobToJson(await cancelJob(store, job.id, 'id'));
  });

  // Hold a job (a running one is paused, a waiting one not started) and lift the hold, through its executor.
  for (const [verb, act] of [['pause', pauseJob], ['resume', resumeJob]] as const) {
    app.post<{ Params: { id: string } }>(`/api/jobs/:id/${verb}`, async (req, reply) => {
      const job = await findJob(req.params.id);
      if (!job) return sendNotFound(reply, 'job', req.params.id);
      return jobToJson(await act(store, job.id, 'id'));
    });
  }

  /** The job for an id or unique prefix; undefined when there is none (an ambiguous prefix is a 400). */
  async function findJob(idOrPrefix: string) {
    try {
      return await queue.require(idOrPrefix, 'id');
    } catch (e) {
      if (isVerdantError(e) && /^no job/.test(e.message)) return undefined;
      throw e;
    }
  }
};
