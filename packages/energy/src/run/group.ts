import { checkGroupId } from '@verdant/core';

/** How a run joins a run group: the group's id, the member's task (rank) within it, and where the id came from. */
export interface RunGroupMembership {
  group: string;
  /** SLURM_PROCID, else RANK, else LOCAL_RANK, when one is a whole number. */
  task?: string;
  /** `given`: the caller's `group`; `slurm`: SLURM_JOB_ID + SLURM_STEP_ID; `torchelastic`: TORCHELASTIC_RUN_ID. */
  from: 'given' | 'slurm' | 'torchelastic';
}

/** Slurm's step ids from here up are not parallel job steps (batch script, extern, interactive, pending). */
const SLURM_SPECIAL_STEP = 4294967290;
const WHOLE = /^\d+$/;

/** Characters a derived id cannot carry become `_`, and it is cut to the 128 a group id may have. */
const tidy = (id: string): string => id.replace(/[^A-Za-z0-9._:@+-]/g, '_').slice(0, 128);

/**
 * The run group a measured command joins, from the caller's `group` (already checked) or its environment:
 * an explicit group wins; else a Slurm job step, `slurm-<SLURM_JOB_ID>.<SLURM_STEP_ID>` (so every task of
 * `srun -n 4 verdant run ...` joins one group, while runs one after another in a batch script, which have no
 * step id, stay runs of their own); else a torchrun job, `torchelastic-<TORCHELASTIC_RUN_ID>` (not torchrun's
 * default id `none`, which every job started without a rendezvous id shares); else none.
 */
export function runGroupOf(env: NodeJS.ProcessEnv, given?: string): RunGroupMembership | undefined {
  const task = [env.SLURM_PROCID, env.RANK, env.LOCAL_RANK].map((v) => v?.trim()).find((v) => v !== undefined && WHOLE.test(v));
  const withTask = (m: RunGroupMembership): RunGroupMembership => (task !== undefined ? { ...m, task } : m);
  if (given !== undefined) return withTask({ group: given, from: 'given' });
  const job = env.SLURM_JOB_ID?.trim();
  const step = env.SLURM_STEP_ID?.trim();
  if (job && step && WHOLE.test(step) && Number(step) < SLURM_SPECIAL_STEP) {
    return withTask({ group: checkGroupId(tidy(`slurm-${job}.${step}`), 'SLURM_JOB_ID'), from: 'slurm' });
  }
  const elastic = env.TORCHELASTIC_RUN_ID?.trim();
  if (elastic && elastic !== 'none') return withTask({ group: checkGroupId(tidy(`torchelastic-${elastic}`), 'TORCHELASTIC_RUN_ID'), from: 'torchelastic' });
  return undefined;
}
