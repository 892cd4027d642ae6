import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { VerdantError, invalidInput, isVerdantError, valueAtPath } from '@verdant/core';
import { resolveCommand } from '@verdant/energy';
import { z } from 'zod';
import { jobRequestSchema, type JobRequest } from '../queue/request.js';
import { defaultExecutorName, executorDescriptor, executorNames } from './registry.js';

// Job requests as the executors registry sees them: the request schema (queue/request.ts) knows no executor,
// so the queue stays below the executors that use it.

/**
 * Validates a request as given: no coercion (a string is not a list, "60" is not a number) and no unknown
 * fields. Errors name the field (prefixed, e.g. "body.durationS"; "body.argv.0"; "body.colour" for an unknown one).
 */
export function parseJobRequest(input: unknown, fieldPrefix = ''): JobRequest {
  const given = withExecutor(input, fieldPrefix);
  const r = jobRequestSchema.safeParse(given);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = unknownKey !== undefined ? [...issue.path, unknownKey] : issue.path;
  const field = [fieldPrefix, path.map(String).join('.')].filter(Boolean).join('.') || 'input';
  const missing = path.length > 0 && issue.code === 'invalid_type' && valueAtPath(input, path) === undefined;
  const message = unknownKey !== undefined ? 'is not a field of a job request' : missing ? 'is required' : issue.message;
  throw invalidInput(field, message, unknownKey !== undefined ? 'remove it, or check its spelling against the job fields' : undefined);
}

/**
 * The request with its executor checked against the registry (built at each call, so executors registered
 * later count) and the default filled in where none is given. Anything but an object is left to the schema.
 */
function withExecutor(input: unknown, fieldPrefix: string): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const executor = (input as { executor?: unknown }).executor;
  if (executor === undefined) return { ...input, executor: defaultExecutorName() };
  if (typeof executor !== 'string') return input;
  const r = z.enum(executorNames() as [string, ...string[]]).safeParse(executor);
  if (!r.success) throw invalidInput([fieldPrefix, 'executor'].filter(Boolean).join('.'), r.error.issues[0]!.message);
  return input;
}

/**
 * Checks on this host what would otherwise only fail once the job starts, with the request's field names
 * (prefixed like parseJobRequest's): `cwd` is a directory we may enter; for an executor whose jobs run here
 * (`runsHere`: the local one) the command in `argv` resolves as execvp would with the job's environment
 * (exit code 127 not found, 126 not executable, as a shell) and the output file's directory is writable. A
 * batch system's job command is left to its compute node, whose PATH may differ.
 */
export function assertJobRunnable(spec: JobRequest, fieldPrefix = ''): void {
  const field = (name: string): string => [fieldPrefix, name].filter(Boolean).join('.');
  const dir = (path: string, name: string, access: number): void => {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw invalidInput(field(name), `no such directory: ${path}`, 'give a directory that exists on the host that runs the job');
    }
    if (!isDir) throw invalidInput(field(name), `${path} is not a directory`, 'give a directory');
    try {
      accessSync(path, access);
    } catch {
      throw invalidInput(field(name), `permission denied: ${path}`, 'give a directory the job may use');
    }
  };
  dir(spec.cwd, 'cwd', fsConstants.X_OK);
  if (!executorDescriptor(spec.executor, field('executor')).runsHere) return;
  try {
    resolveCommand(spec.argv[0]!, { ...process.env, ...spec.env }, spec.cwd);
  } catch (e) {
    if (!isVerdantError(e)) throw e;
    throw new VerdantError(e.message, { field: field('argv'), ...(e.fix ? { fix: e.fix } : {}), exitCode: e.exitCode, cause: e });
  }
  if (spec.outputPath === undefined) dir(spec.cwd, 'cwd', fsConstants.W_OK | fsConstants.X_OK);
  else assertWritableFile(spec.outputPath, field('outputPath'));
}

function assertWritableFile(path: string, field: string): void {
  let exists = false;
  try {
    if (statSync(path).isDirectory()) throw invalidInput(field, `${path} is a directory`, 'give a file path');
    exists = true;
  } catch (e) {
    if (isVerdantError(e)) throw e;
  }
  try {
    accessSync(exists ? path : dirname(path), fsConstants.W_OK);
  } catch {
    throw invalidInput(field, exists ? `permission denied: ${path}` : `cannot create ${path}: its directory does not exist or is not writable`, 'give a path the job may write');
  }
}
