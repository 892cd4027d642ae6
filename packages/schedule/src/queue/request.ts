import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, isAbsolute } from 'node:path';
import { VerdantError, invalidInput, isVerdantError } from '@verdant/core';
import { resolveCommand } from '@verdant/energy';
import { z } from 'zod';
import { defaultExecutorName, executorDescriptor, executorNames } from '../executor/registry.js';

/** Signals a job may declare for checkpointing: not SIGKILL/SIGSTOP (uncatchable), not SIGCONT. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP', 'SIGCONT']);

const signalName = z
  .string()
  .transform((s) => (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`))
  .refine((s) => s in osConstants.signals && !UNCATCHABLE.has(s), {
    message: 'must be a catchable signal name such as SIGUSR1, SIGTERM or SIGINT (SIGKILL, SIGSTOP and SIGCONT cannot be handled)',
  });

/** One of the registered executors: the enum is built from the registry at each validation, so executors registered later count. */
const executorName = z.string().superRefine((name, ctx) => {
  const r = z.enum(executorNames() as [string, ...string[]]).safeParse(name);
  if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]!.message });
});

/** A string a process can be given (argv, paths, environment): no NUL byte, which spawn would only refuse at start. */
const text = z.string().refine((v) => !v.includes('\0'), 'cannot contain a NUL byte');

/**
 * What a user submits: the command and its constraints. Times are epoch seconds, durations seconds,
 * intensities gCO2e/kWh, power W. Stored as JSON in the job row.
 */
export const jobRequestSchema = z
  .object({
    name: z.string().min(1).max(200),
    argv: z
      .array(text)
      .min(1, 'give the command and its arguments as a list of strings, e.g. ["python", "train.py"]')
      .refine((a) => a[0] !== '', { message: 'the command (first item) is empty', path: [0] }),
    cwd: text.refine(isAbsolute, 'must be an absolute directory'),
    /** Extra environment for the command (stored in the queue: do not put secrets here). */
    env: z.record(z.string().regex(/^[^=\0]+$/, 'an environment variable name cannot be empty or hold "=" or NUL'), text).default({}),
    zone: z.string().min(1),
    /** Where it runs: a registered executor's name. */
    executor: executorName.default(defaultExecutorName),
    /** Estimated running time. */
    durationS: z.number().positive(),
    earliestStart: z.number().nonnegative(),
    deadline: z.number().positive().optional(),
    /** May be paused by the carbon policy. */
    interruptible: z.boolean().default(false),
    /**
     * Checkpoint-and-exit signal. Without one a pause is SIGSTOP/SIGCONT of the process tree; with one the
     * job is sent this signal, must save its state and exit, and is started again to resume.
     */
    checkpointSignal: signalName.optional(),
    pauseAboveG: z.number().nonnegative().optional(),
    resumeBelowG: z.number().nonnegative().optional(),
    /** Average power while running, W; only used for the emission estimates of the plan. */
    powerW: z.number().nonnegative().optional(),
    /** stdout and stderr of the job; default `<cwd>/verdant-<job id>.out`. */
    outputPath: text.refine(isAbsolute, 'must be an absolute path').optional(),
    /** Slurm partition (Slurm executor only). */
    partition: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.pauseAboveG === undefined) !== (r.resumeBelowG === undefined)) {
      ctx.addIssue({ code: 'custom', path: [r.pauseAboveG === undefined ? 'pauseAboveG' : 'resumeBelowG'], message: 'give both thresholds, pause above and resume below' });
    } else if (r.pauseAboveG !== undefined && r.resumeBelowG !== undefined && !(r.pauseAboveG > r.resumeBelowG)) {
      ctx.addIssue({ code: 'custom', path: ['resumeBelowG'], message: `must be below the pause threshold (${r.pauseAboveG} g/kWh) so the policy does not flap` });
    }
    if (r.pauseAboveG !== undefined && !r.interruptible) {
      ctx.addIssue({ code: 'custom', path: ['interruptible'], message: 'pause thresholds need an interruptible job' });
    }
    if (r.checkpointSignal !== undefined && !r.interruptible) {
      ctx.addIssue({ code: 'custom', path: ['interruptible'], message: 'a checkpoint signal needs an interruptible job' });
    }
    if (r.deadline !== undefined && r.deadline < r.earliestStart + r.durationS) {
      ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'is earlier than the earliest start plus the duration' });
    }
  });

export type JobRequest = z.output<typeof jobRequestSchema>;
export type JobRequestInput = z.input<typeof jobRequestSchema>;

/**
 * Validates a request as given: no coercion (a string is not a list, "60" is not a number) and no unknown
 * fields. Errors name the field (prefixed, e.g. "body.durationS"; "body.argv.0"; "body.colour" for an unknown one).
 */
export function parseJobRequest(input: unknown, fieldPrefix = ''): JobRequest {
  const r = jobRequestSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = unknownKey !== undefined ? [...issue.path, unknownKey] : issue.path;
  const field = [fieldPrefix, path.map(String).join('.')].filter(Boolean).join('.') || 'input';
  const missing = path.length > 0 && issue.code === 'invalid_type' && valueAt(input, path) === undefined;
  const message = unknownKey !== undefined ? 'is not a field of a job request' : missing ? 'is required' : issue.message;
  throw invalidInput(field, message, unknownKey !== undefined ? 'remove it, or check its spelling against the job fields' : undefined);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Checks on this host what would otherwise only fail once the job starts, with the request's field names
 * (prefixed like parseJobRequest's): `cwd` is a directory we may enter; for an executor whose jobs run here
 * (`runsHere`: the local one) the command in `argv` resolves as execvp would with the job's environment
 * (exit code 127 not found, 126 not executable, as a shell) and the output file's directory is writable. A
 * batch system's job command is left to its compute node, whose PATH may differ.
 */
export function assertJobRunnable(spec: Pick<JobRequest, 'argv' | 'cwd'> & Partial<Pick<JobRequest, 'env' | 'executor' | 'outputPath'>>, fieldPrefix = '', env: NodeJS.ProcessEnv = process.env): void {
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
  if (!executorDescriptor(spec.executor ?? defaultExecutorName(), field('executor')).runsHere) return;
  try {
    resolveCommand(spec.argv[0]!, { ...env, ...spec.env }, spec.cwd);
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

/** Whether the request carries carbon thresholds (so the policy applies to it). */
export function hasThresholds(r: JobRequest): r is JobRequest & { pauseAboveG: number; resumeBelowG: number } {
  return r.pauseAboveG !== undefined && r.resumeBelowG !== undefined;
}
