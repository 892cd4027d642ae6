import { rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BINARIES, parseSlurmTime, runSlurm, slurmTimeArg, SlurmCommandError, type SlurmBinaries } from './commands.js';
import type { SlurmJobInfo } from './state.js';

/** The batch script: runs the job's argv as given (arguments travel as sbatch's script arguments, unquoted by any shell). */
const EXEC_SCRIPT = '#!/bin/sh\n# verdant: runs the job argv passed as arguments\nexec "$@"\n';

export interface SbatchOptions {
  name: string;
  argv: string[];
  cwd: string;
  outputPath: string;
  /** Epoch seconds; omitted or past: eligible now. */
  begin?: number;
  hold?: boolean;
  partition?: string;
  /** Generic resources, `--gres=<gres>` (e.g. "gpu:h100:8"). */
  gres?: string;
  /** Extra environment for the job (exported by sbatch with the submitter's). */
  env?: Record<string, string>;
}

/** Thin typed wrappers over the Slurm client commands; every call uses an argument array. */
export class SlurmClient {
  constructor(
    private readonly bin: SlurmBinaries = DEFAULT_BINARIES,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  /** `sbatch --parsable [--begin=now+N] [--hold] script argv...`; returns the Slurm job id. */
  async sbatch(o: SbatchOptions): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'verdant-sbatch-'));
    const script = join(dir, 'verdant-exec.sh');
    try {
      await writeFile(script, EXEC_SCRIPT, { mode: 0o755 });
      const args = ['--parsable', `--job-name=${o.name}`, `--chdir=${o.cwd}`, `--output=${o.outputPath}`, '--export=ALL'];
      if (o.begin !== undefined && o.begin > this.clock()) args.push(`--begin=${slurmTimeArg(o.begin, this.clock())}`);
      if (o.hold) args.push('--hold');
      if (o.partition) args.push(`--partition=${o.partition}`);
      if (o.gres) args.push(`--gres=${o.gres}`);
      args.push(script, ...o.argv);
      const out = await runSlurm(this.bin.sbatch, args, { env: { ...process.env, ...(o.env ?? {}) } });
      const id = out.trim().split(';')[0]!; // "<id>" or "<id>;<cluster>"
      if (!/^\d+(_\d+)?$/.test(id)) throw new SlurmCommandError('sbatch', `unexpected output: ${out.trim()}`, null);
      return id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  hold(id: string): Promise<string> {
    return runSlurm(this.bin.scontrol, ['hold', id]);
  }
  release(id: string): Promise<string> {
    return runSlurm(this.bin.scontrol, ['release', id]);
  }
  /** Needs root or a Slurm operator. */
  suspend(id: string): Promise<string> {
    return runSlurm(this.bin.scontrol, ['suspend', id]);
  }
  /** Needs root or a Slurm operator. */
  resumeSuspended(id: string): Promise<string> {
    return runSlurm(this.bin.scontrol, ['resume', id]);
  }
  setStartTime(id: string, start: number): Promise<string> {
    return runSlurm(this.bin.scontrol, ['update', `JobId=${id}`, `StartTime=${slurmTimeArg(start, this.clock())}`]);
  }
  cancel(id: string): Promise<string> {
    return runSlurm(this.bin.scancel, [id]);
  }

  /**
   * The job's state: squeue first (pending and recent jobs), then sacct (when accounting is on), then
   * `scontrol show job`. Undefined when no source knows the id any more.
   */
  async info(id: string): Promise<SlurmJobInfo | undefined> {
    const q = await this.fromSqueue(id).catch(() => undefined);
    if (q) {
      // squeue has no exit code; scontrol has it while the controller remembers the job.
      if (!['PENDING', 'RUNNING', 'SUSPENDED'].includes(q.slurmState)) {
        const s = await this.fromScontrol(id).catch(() => undefined);
        if (s) return { ...q, exitCode: s.exitCode, endTime: s.endTime };
      }
      return q;
    }
    return (await this.fromSacct(id).catch(() => undefined)) ?? (await this.fromScontrol(id).catch(() => undefined));
  }

  async fromSqueue(id: string): Promise<SlurmJobInfo | undefined> {
    const out = await runSlurm(this.bin.squeue, ['-h', '-t', 'all', '-j', id, '-o', '%i|%T|%r|%S']);
    const line = out.split('\n').find((l) => l.startsWith(`${id}|`));
    if (!line) return undefined;
    const [jobId, state, reason, start] = line.split('|');
    return { jobId: jobId!, slurmState: state!, reason: reason ?? 'None', startTime: parseSlurmTime(start), endTime: null, exitCode: null, via: 'squeue' };
  }

  /** Accounting may be disabled (AccountingStorageType=none): then sacct fails and this returns undefined. */
  async fromSacct(id: string): Promise<SlurmJobInfo | undefined> {
    const out = await runSlurm(this.bin.sacct, ['-n', '-P', '-X', '-j', id, '-o', 'JobID,State,Reason,Start,End,ExitCode']);
    const line = out.split('\n').find((l) => l.startsWith(`${id}|`));
    if (!line) return undefined;
    const [jobId, state, reason, start, end, exit] = line.split('|');
    return { jobId: jobId!, slurmState: state!.split(' ')[0]!, reason: reason || 'None', startTime: parseSlurmTime(start), endTime: parseSlurmTime(end), exitCode: parseExit(exit), via: 'sacct' };
  }

  async fromScontrol(id: string): Promise<SlurmJobInfo | undefined> {
    const out = await runSlurm(this.bin.scontrol, ['-o', 'show', 'job', id]);
    const fields = new Map<string, string>();
    for (const m of out.matchAll(/(\w+)=(\S*)/g)) if (!fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
    if (fields.get('JobId') !== id) return undefined;
    return {
      jobId: id,
      slurmState: fields.get('JobState') ?? 'UNKNOWN',
      reason: fields.get('Reason') ?? 'None',
      startTime: parseSlurmTime(fields.get('StartTime')),
      endTime: parseSlurmTime(fields.get('EndTime')),
      exitCode: parseExit(fields.get('ExitCode')),
      via: 'scontrol',
    };
  }
}

/** "2:0" (code:signal) -> 2. */
function parseExit(s: string | undefined): number | null {
  const m = /^(\d+):(\d+)$/.exec(s?.trim() ?? '');
  if (!m) return null;
  return Number(m[2]) > 0 ? 128 + Number(m[2]) : Number(m[1]);
}
