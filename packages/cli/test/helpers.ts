import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'verdant.js');
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error('packages/cli/dist is missing: run `npm run build` first (npm test does)');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh VERDANT_HOME with fixture sensors of known power (see docs/sensors.md, VERDANT_FAKE_SENSORS). */
export function sandbox(sensors: Array<{ id: string; kind: string; powerW: number; reading?: 'energy' | 'power' }>): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), 'verdant-cli-'));
  const file = join(home, 'sensors.json');
  writeFileSync(file, JSON.stringify({ sensors }));
  return {
    home,
    env: { ...process.env, VERDANT_HOME: home, VERDANT_FAKE_SENSORS: file, VERDANT_DATABASE_URL: '', VERDANT_NVML: '0' },
  };
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CLI started in the background: its output so far (`stdout`, `stderr` grow as it writes) and its exit code to come. */
export interface CapturedCli {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

export function startCliCapturing(args: string[], env: NodeJS.ProcessEnv): CapturedCli {
  const child = startCli(args, env);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const cli: CapturedCli = { child, stdout: '', stderr: '', exited };
  child.stdout!.on('data', (d) => (cli.stdout += d));
  child.stderr!.on('data', (d) => (cli.stderr += d));
  return cli;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const cli = startCliCapturing(args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** A plain `time,gco2_per_kwh` trace with one constant value around now. */
export function constantTrace(dir: string, g: number): string {
  const file = join(dir, 'trace.csv');
  const start = Math.floor(Date.now() / 3600_000) * 3600 - 2 * 3600;
  const rows = ['time,gco2_per_kwh'];
  for (let i = 0; i < 6; i++) rows.push(`${new Date((start + i * 3600) * 1000).toISOString()},${g}`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}
