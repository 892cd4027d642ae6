import { execFile } from 'node:child_process';
import { ExitCode, VerdantError } from '@verdant/core';

/** Where the Slurm client binaries are (default: found on PATH). */
export interface SlurmBinaries {
  sbatch: string;
  squeue: string;
  sacct: string;
  scontrol: string;
  scancel: string;
}

export const DEFAULT_BINARIES: SlurmBinaries = { sbatch: 'sbatch', squeue: 'squeue', sacct: 'sacct', scontrol: 'scontrol', scancel: 'scancel' };

export class SlurmCommandError extends VerdantError {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly code: number | string | null,
  ) {
    super(`${command} failed: ${stderr.trim() || `exit ${code}`}`, {
      field: 'slurm',
      fix: permissionHint(command, stderr),
      exitCode: code === 'ENOENT' ? ExitCode.notFound : ExitCode.failure,
    });
  }
}

function permissionHint(command: string, stderr: string): string {
  if (/access\/permission denied|not authorized|Access denied/i.test(stderr)) {
    return command.includes('suspend') || command.includes('resume')
      ? 'scontrol suspend/resume needs root or a Slurm operator (see docs/scheduling.md); use hold/release before a job starts instead'
      : 'run as the job owner or a Slurm operator';
  }
  if (/ENOENT|not found/i.test(stderr)) return 'install the Slurm client tools (sbatch, squeue, scontrol, scancel) and put them on PATH';
  return 'check `scontrol ping` and the Slurm logs';
}

/**
 * The environment for Slurm's query commands: the caller's, with `SLURM_TIME_FORMAT=standard`, so a user's own
 * setting (relative, "%s", a strftime format) cannot change the times squeue, sacct and scontrol print.
 */
function slurmQueryEnv(): NodeJS.ProcessEnv {
  return { ...process.env, SLURM_TIME_FORMAT: 'standard' };
}

/**
 * Runs one Slurm client command with an argument array (never a shell) and returns stdout. `env` is the
 * environment sbatch exports to the job; every other command runs with slurmQueryEnv().
 */
export function runSlurm(bin: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: options.env ?? slurmQueryEnv(), timeout: options.timeoutMs ?? 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code ?? null;
        reject(new SlurmCommandError(`${bin} ${args[0] ?? ''}`.trim(), String(stderr || err.message), code as number | string | null));
      } else resolve(String(stdout));
    });
  });
}

/** A Slurm time argument: "now" or "now+<s>" relative to the controller's clock, so time zones cannot skew it. */
export function slurmTimeArg(target: number, now: number): string {
  const ahead = Math.round(target - now);
  return ahead > 0 ? `now+${ahead}` : 'now';
}

/**
 * Slurm prints local times without a zone ("2026-03-01T18:00:00", SLURM_TIME_FORMAT=standard, which runSlurm sets);
 * "N/A", "Unknown" and "None" are no time.
 */
export function parseSlurmTime(s: string | undefined): number | null {
  if (!s || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(s.trim())) return null;
  const ms = new Date(s.trim()).getTime(); // no zone suffix: read as local time, as Slurm wrote it
  return Number.isNaN(ms) ? null : ms / 1000;
}
