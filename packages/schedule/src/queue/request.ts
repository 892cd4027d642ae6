import { constants as osConstants } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** Signals a job may declare for checkpointing: not SIGKILL/SIGSTOP (uncatchable), not SIGCONT. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP', 'SIGCONT']);

const signalName = z
  .string()
  .transform((s) => (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`))
  .refine((s) => s in osConstants.signals && !UNCATCHABLE.has(s), {
    message: 'must be a catchable signal name such as SIGUSR1, SIGTERM or SIGINT (SIGKILL, SIGSTOP and SIGCONT cannot be handled)',
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
    /**
     * Where it runs: a registered executor's name. `parseJobRequest` (executor/job-request.ts) checks it
     * against the registry and fills in the default; the queue itself knows no executor.
     */
    executor: z.string().min(1),
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
    /**
     * Accelerators the job needs (Slurm executor only): requested as the generic resource
     * `--gres=gpu:<type>:<count>`, `type` as the cluster's gres.conf names it (e.g. the `verdant accel` choice).
     */
    accel: z
      .object({
        type: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a GRES type is letters, digits, "_", "." or "-" (e.g. h100)'),
        count: z.number().int().positive(),
      })
      .strict()
      .optional(),
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
/** What a caller gives `parseJobRequest`: `executor` may be left out (the registry's default). */
export type JobRequestInput = Omit<z.input<typeof jobRequestSchema>, 'executor'> & { executor?: string };

/** Whether the request carries carbon thresholds (so the policy applies to it). */
export function hasThresholds(r: JobRequest): r is JobRequest & { pauseAboveG: number; resumeBelowG: number } {
  return r.pauseAboveG !== undefined && r.resumeBelowG !== undefined;
}
