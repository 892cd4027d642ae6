import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { invalidInput } from '@verdant/core';
import { formatTable, runSimulation, savingsSeries, SHIPPED_YEARS, SHIPPED_ZONES, type SimulationRequest } from '@verdant/schedule';
import { sendError } from '../errors.js';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

/**
 * The body of POST /api/simulate: `verdant simulate`'s options under the library's own names (SimulationRequest).
 * Only the shipped traces: a path on the server (`traceFiles`) is never read on a client's word.
 */
const simulateBody = z
  .object({
    scenario: z.enum(['periodic', 'ml']).default('periodic'),
    zones: z.array(z.enum(SHIPPED_ZONES as unknown as [string, ...string[]])).optional(),
    years: z.array(z.number().int().refine((y) => (SHIPPED_YEARS as readonly number[]).includes(y), { message: `the shipped traces cover ${SHIPPED_YEARS.join(', ')}` })).optional(),
    timeZone: z.string().min(1).optional(),
    windowsH: z.array(nonNegative).max(12).optional(),
    deadlines: z.array(z.union([z.object({ kind: z.enum(['next-workday', 'semi-weekly']) }).strict(), z.object({ kind: z.literal('slack'), slackS: nonNegative }).strict()])).max(6).optional(),
    interruptible: z.boolean().optional(),
    minChunkS: nonNegative.optional(),
    noise: z.array(z.number().finite().min(0).max(1)).max(6).optional(),
    seeds: z.number().int().min(1).max(50).optional(),
    periodic: z.object({ timeOfDayS: nonNegative.max(86_399).optional(), durationS: positive.optional(), periodS: positive.optional() }).strict().optional(),
    ml: z.object({ count: z.number().int().min(1).max(20_000).optional() }).strict().optional(),
  })
  .strict();

/** POST /api/simulate: the table `verdant simulate` prints, as rows, the text table and series for a chart. */
export const simulateRoutes: FastifyPluginAsync = async (app) => {
  app.post('/api/simulate', async (req, reply) => {
    const body = req.body ?? {};
    if (body !== null && typeof body === 'object' && 'traceFiles' in body) {
      return sendError(reply, invalidInput('traceFiles', 'the API replays the shipped traces only', 'pick zones and years of the shipped traces, or run `verdant simulate --trace <file>` on the machine that has the file'));
    }
    const parsed = simulateBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      return sendError(reply, invalidInput(path.map(String).join('.') || 'body', issue.message, 'see POST /api/simulate in docs/api.md'));
    }
    const request = parsed.data as SimulationRequest;
    const result = await runSimulation(request);
    return { ...result, table: formatTable(result.rows), series: savingsSeries(result.rows) };
  });
};
