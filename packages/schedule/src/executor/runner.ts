/**
 * How the local scheduler starts a job's process. The scheduler only needs pause/resume (SIGSTOP/SIGCONT of
 * the tree), a way to send the checkpoint signal, a stop, and the exit; the tracked runner measures energy on
 * top (see tracked-runner.ts).
 */
export interface RunnableJob {
  jobId: string;
  name: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  zone: string;
  /** stdout and stderr are appended here. */
  outputPath: string;
}

export interface RunExit {
  /** Exit code, or null when a signal ended the process. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningJob {
  readonly pid: number;
  /** The measured run's id when the runner tracks energy. */
  readonly runId: string | undefined;
  /** Freezes the whole process tree (SIGSTOP). */
  pause(): Promise<void>;
  /** Continues a frozen tree (SIGCONT). */
  resume(): Promise<void>;
  /** Sends a signal to the job's main process (the checkpoint signal). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceS. */
  stop(graceS?: number): Promise<void>;
  readonly done: Promise<RunExit>;
}

export interface JobRunner {
  start(job: RunnableJob): Promise<RunningJob>;
}
