import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodError } from 'zod';
import { ExitCode, isVerdantError, valueAtPath } from '@verdant/core';

/** ASP.NET's ValidationProblemDetails, the error body every Carbon Aware SDK route returns. */
export interface ValidationProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors: Record<string, string[]>;
}

const TYPES: Record<number, string> = {
  400: 'https://tools.ietf.org/html/rfc7231#section-6.5.1',
  500: 'https://tools.ietf.org/html/rfc7231#section-6.6.1',
  501: 'https://tools.ietf.org/html/rfc7231#section-6.6.2',
};

/** An error that renders as ValidationProblemDetails with this status. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Record<string, string[]>,
    readonly detail?: string,
  ) {
    super(detail ?? Object.entries(errors).map(([k, v]) => `${k}: ${v.join('; ')}`).join(', '));
  }
}

export const badRequest = (field: string, message: string): ProblemError => new ProblemError(400, { [field]: [message] });

/** This face's one table: the grid library's field names and the SDK parameter each one is about. */
const SDK_PARAMETERS: Readonly<Record<string, string>> = { zone: 'location' };
const sdkName = (field: string): string | undefined => (Object.hasOwn(SDK_PARAMETERS, field) ? SDK_PARAMETERS[field] : undefined);

const describe = (e: { message: string; fix?: string | undefined }): string => (e.fix ? `${e.message} (fix: ${e.fix})` : e.message);

/**
 * A library's bad-input error as a 400 keyed by the SDK parameter it is about (`zone` → `location`), with the
 * batch item's prefix ("[0].location"); anything else is returned unchanged.
 */
export function asProblem(e: unknown, prefix = ''): unknown {
  if (!isVerdantError(e) || e.exitCode !== ExitCode.usage || e.field === undefined) return e;
  const name = sdkName(e.field);
  return name === undefined ? e : badRequest(`${prefix}${name}`, describe(e));
}

/** Zod issues keyed as ASP.NET does: "location", "[0].windowSize". */
export function fromZod(e: ZodError, input: unknown, prefix = ''): ProblemError {
  const errors: Record<string, string[]> = {};
  for (const issue of e.issues) {
    const key = prefix + issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || 'body';
    const given = issue.path.length > 0 ? valueAtPath(input, issue.path) : input;
    const missing = issue.path.length > 0 && (given === undefined || given === null);
    (errors[key] ??= []).push(missing ? `The ${String(issue.path.at(-1))} field is required.` : issue.message);
  }
  return new ProblemError(400, errors);
}

function body(status: number, errors: Record<string, string[]>, detail?: string): ValidationProblemDetails {
  const title = status === 400 ? 'One or more validation errors occurred.' : status === 501 ? 'Not Implemented' : 'Internal Server Error';
  return { type: TYPES[status] ?? TYPES[500]!, title, status, ...(detail ? { detail } : {}), errors };
}

/**
 * Renders errors in the SDK's shape: ProblemErrors as they are, VerdantErrors as 400 (bad input, keyed by
 * `field`) or 500 (every intensity source failed), fastify's own body/query errors as 400.
 */
export function problemHandler(err: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ProblemError) return reply.code(err.status).send(body(err.status, err.errors, err.detail));
  if (isVerdantError(err)) {
    const field = err.field === undefined ? 'request' : (sdkName(err.field) ?? err.field);
    if (err.exitCode === ExitCode.usage) return reply.code(400).send(body(400, { [field]: [describe(err)] }));
    return reply.code(500).send(body(500, {}, describe(err)));
  }
  const e = err as FastifyError;
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return reply.code(e.statusCode).send(body(e.statusCode, { request: [e.message] }));
  return reply.code(500).send(body(500, {}, e.message));
}
