import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ExitCode, VerdantError, invalidInput, isVerdantError } from '@verdant/core';

/** The one error body of Verdant's routes (docs/api.md): every key present, `field` null when no single field is at fault. */
export interface ErrorBody {
  error: string;
  field: string | null;
  fix: string | null;
  exit_code: number;
}

export function errorBody(e: VerdantError): ErrorBody {
  return { error: e.message, field: e.field ?? null, fix: e.fix ?? null, exit_code: e.exitCode };
}

/**
 * HTTP status from the error's kind: bad input (including a command that is not found or not executable)
 * 400, a failed intensity provider 503, anything else (store, configuration, an unexpected fault) 500.
 * "Not found" is decided by the route that looked the thing up (see `sendNotFound`).
 */
function httpStatus(e: VerdantError): number {
  switch (e.exitCode) {
    case ExitCode.usage:
    case ExitCode.notFound:
    case ExitCode.notExecutable:
      return 400;
    case ExitCode.provider:
      return 503;
    default:
      return 500;
  }
}

export function sendError(reply: FastifyReply, e: VerdantError, status = httpStatus(e)): FastifyReply {
  return reply.code(status).send(errorBody(e));
}

/**
 * The full run id for a path's id or unique prefix; undefined once the reply is sent: a 404 when no run has it,
 * a 400 naming `id` when the prefix is ambiguous.
 */
export async function resolveRunParam(store: { resolveRunId(idOrPrefix: string): Promise<string> }, idOrPrefix: string, reply: FastifyReply): Promise<string | undefined> {
  try {
    return await store.resolveRunId(idOrPrefix);
  } catch (e) {
    if (!(e instanceof VerdantError)) throw e;
    if (/^no run/.test(e.message)) await sendNotFound(reply, 'run', idOrPrefix);
    else await sendError(reply, new VerdantError(e.message, { field: 'id', fix: 'pass more characters of the id', exitCode: e.exitCode }));
    return undefined;
  }
}

/** 404 for a lookup that found nothing: `no <what> with id <id>`, naming the path parameter `id`. */
export function sendNotFound(reply: FastifyReply, what: 'run' | 'job', id: string): FastifyReply {
  return reply.code(404).send(errorBody(invalidInput('id', `no ${what} with id ${id}`, `list them with GET /api/${what}s`)));
}

const REFERENCE = 'see the API reference in docs/api.md';

/** One of ajv's validation errors (query string) as a VerdantError naming the parameter. */
function fromValidation(err: FastifyError, req: FastifyRequest): VerdantError {
  const first = err.validation?.[0];
  const params = (first?.params ?? {}) as { additionalProperty?: string; missingProperty?: string };
  const where = err.validationContext === 'querystring' ? 'query parameter' : (err.validationContext ?? 'request');
  const fix = `see ${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]} in docs/api.md`;
  if (params.additionalProperty) return invalidInput(params.additionalProperty, `unknown ${where} "${params.additionalProperty}"`, fix);
  if (params.missingProperty) return invalidInput(params.missingProperty, `${where} ${params.missingProperty} is required`, fix);
  const field = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || (err.validationContext ?? 'request');
  return invalidInput(field, first?.message ?? err.message, fix);
}

/**
 * Errors thrown anywhere under Verdant's routes, rendered as `{ error, field, fix, exit_code }`. Fastify's own
 * 4xx errors (unsupported content type, body too large) keep their status; any other fault is a 500 that
 * names no internals beyond its message (never a stack).
 */
function handleError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isVerdantError(err)) return sendError(reply, err);
  const e = err as FastifyError;
  if (e.validation) return sendError(reply, fromValidation(e, req));
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const field = e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'content-type' : 'body';
    const fix = field === 'content-type' ? 'send JSON with content-type: application/json' : REFERENCE;
    return reply.code(e.statusCode).send(errorBody(new VerdantError(e.message, { field, fix, exitCode: ExitCode.usage })));
  }
  req.log.error({ err }, 'request failed');
  return reply.code(500).send(errorBody(new VerdantError(e.message || 'internal error', { fix: 'this is a server fault, not your request: see the server log', exitCode: ExitCode.failure })));
}

/** Keys that JSON.parse keeps as own properties but that would reach prototypes once merged into objects. */
function rejectPoisonedKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'))) {
    throw invalidInput('body', `the body has a "${key === '__proto__' ? '__proto__' : 'constructor.prototype'}" key, which is never a valid field`, 'remove that key');
  }
  return value;
}

/**
 * JSON bodies: parse errors and `__proto__` / `constructor.prototype` keys become 400s that say what is
 * wrong. An empty body is no body (a route that needs one says so).
 */
function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const suspicious = text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');
  try {
    return suspicious ? JSON.parse(text, rejectPoisonedKeys) : JSON.parse(text);
  } catch (e) {
    if (isVerdantError(e)) throw e;
    throw invalidInput('body', `the body is not valid JSON (${(e as Error).message})`, 'send one JSON object with content-type: application/json');
  }
}

/** Installs the JSON parser, the error handler and the 404 handler on the root instance. */
export function installErrorHandling(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody(invalidInput('url', `no route ${req.method} ${req.url.split('?')[0]}`, REFERENCE))),
  );
}
