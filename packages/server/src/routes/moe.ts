import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { VerdantError, invalidInput, isVerdantError, parseWholeNumber, type Store } from '@verdant/core';
import { sendError } from '../errors.js';

export interface MoeRouteOptions {
  store: Store;
}

/** The most trainings one comparison takes (each is a full report). */
const MAX_COMPARED = 12;

/** A lookup that matched no training is a 404 naming `field`; an ambiguous prefix or bad input a 400. */
function sendMoeError(reply: FastifyReply, e: VerdantError): FastifyReply {
  return sendError(reply, e, /^no MoE training/.test(e.message) ? 404 : undefined);
}

// /api/moe: the MoE lab's trainings (@verdant/moe's MoeStore, written by `verdant moe train` and the PyTorch hooks).
// Each route: validate, one library call, the library's JSON (the same objects as `verdant moe list|show|compare
// --json`). A running training is read as it is now: the dashboard polls `?after_step=` for its new steps.
export const moeRoutes: FastifyPluginAsync<MoeRouteOptions> = async (app, opts) => {
  // Loaded on first use: the lab brings its tensor engine along.
  const moe = () => import('@verdant/moe');

  app.get<{ Querystring: { limit?: string } }>(
    '/api/moe/trainings',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'string' } }, additionalProperties: false } } },
    async (req, reply) => {
      try {
        const limit = req.query.limit === undefined ? 50 : parseWholeNumber(req.query.limit, 'limit', 1);
        return { trainings: await (await moe()).listTrainings(opts.store, { limit }) };
      } catch (e) {
        if (isVerdantError(e)) return sendError(reply, e);
        throw e;
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after_step?: string } }>(
    '/api/moe/trainings/:id',
    { schema: { querystring: { type: 'object', properties: { after_step: { type: 'string' } }, additionalProperties: false } } },
    async (req, reply) => {
      try {
        const afterStep = req.query.after_step === undefined ? undefined : parseWholeNumber(req.query.after_step, 'after_step', 0);
        return await (await moe()).trainingReport(opts.store, req.params.id, { field: 'id', ...(afterStep !== undefined ? { afterStep } : {}) });
      } catch (e) {
        if (isVerdantError(e)) return sendMoeError(reply, e);
        throw e;
      }
    },
  );

  app.get<{ Querystring: { ids?: string } }>(
    '/api/moe/compare',
    { schema: { querystring: { type: 'object', properties: { ids: { type: 'string' } }, required: ['ids'], additionalProperties: false } } },
    async (req, reply) => {
      try {
        const ids = (req.query.ids ?? '').split(',').map((s) => s.trim());
        if (ids.some((s) => s === '')) throw invalidInput('ids', `must be training ids separated by commas, got "${req.query.ids ?? ''}"`, 'e.g. ?ids=r_abc,r_def');
        if (ids.length > MAX_COMPARED) throw invalidInput('ids', `names ${ids.length} trainings; at most ${MAX_COMPARED} are compared at once`, 'compare fewer trainings');
        return await (await moe()).compareTrainings(opts.store, ids, { field: 'ids' });
      } catch (e) {
        if (isVerdantError(e)) return sendMoeError(reply, e);
        throw e;
      }
    },
  );
};
