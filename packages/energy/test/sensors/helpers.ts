import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoveryContext } from '../../src/sensors/sensor.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const bin = (name: string): string => join(FIXTURES, `bin-${name}`);
/** Where `node` lives, so that the `#!/usr/bin/env node` fake binaries run under a restricted PATH. */
export const NODE_DIR = dirname(process.execPath);

const cleanups: string[] = [];

/** A scratch directory removed by cleanupTemp(). */
export function tempDir(prefix = 'verdant-sensors-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

/** A writable copy of a fixture tree (the tests advance its counters). */
export function copyFixture(name: string): string {
  const dir = tempDir();
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface TestContext extends DiscoveryContext {
  warnings: string[];
  setRoot(pid: number | undefined): void;
}

/** A discovery context over fixture trees, with PATH limited to the given fake-binary dirs plus node. */
export function context(options: { bins?: string[]; sysfs?: string; procfs?: string; env?: NodeJS.ProcessEnv; rootPid?: number }): TestContext {
  const warnings: string[] = [];
  let root = options.rootPid;
  return {
    env: { PATH: [...(options.bins ?? []), NODE_DIR].join(':'), VERDANT_NVML: '0', ...options.env },
    sysfsRoot: options.sysfs ?? tempDir(),
    procfsRoot: options.procfs ?? tempDir(),
    rootPid: () => root,
    warn: (m) => warnings.push(m),
    warnings,
    setRoot: (pid) => {
      root = pid;
    },
  };
}

/** Rewrites fields of a fixture /proc/<pid>/stat, by their number in proc(5) (4: ppid, 14: utime, ...). */
export function setStatFields(procfs: string, pid: number, fields: Record<number, number | undefined>): void {
  const path = join(procfs, String(pid), 'stat');
  const text = readFileSync(path, 'utf8');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).trim().split(' ');
  for (const [field, v] of Object.entries(fields)) if (v !== undefined) rest[Number(field) - 3] = String(v);
  writeFileSync(path, `${text.slice(0, close + 1)} ${rest.join(' ')}\n`);
}

/** Rewrites utime/stime/cutime/cstime (ticks) of a fixture /proc/<pid>/stat. */
export function setCpuTicks(procfs: string, pid: number, ticks: { utime?: number; stime?: number; cutime?: number; cstime?: number }): void {
  setStatFields(procfs, pid, { 14: ticks.utime, 15: ticks.stime, 16: ticks.cutime, 17: ticks.cstime });
}

/** How many of this process's file descriptors are open on any of `paths`. */
export function openDescriptors(...paths: string[]): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return paths.includes(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false;
    }
  }).length;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
