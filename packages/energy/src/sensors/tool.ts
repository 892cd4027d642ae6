import { execFile } from 'node:child_process';
import { VerdantError } from '@verdant/core';

/** Vendor CLIs answer in well under a second; a hung driver must not stall the Tracker. */
export const TOOL_TIMEOUT_MS = 5_000;

/** Thrown when the vendor binary is not on PATH: the device family is simply absent. */
export class ToolMissing extends Error {
  constructor(readonly tool: string) {
    super(`${tool} not found on PATH`);
    this.name = 'ToolMissing';
  }
}

/**
 * Runs a vendor CLI with an argument array (never a shell string), looked up on env.PATH, and returns
 * its stdout. Rejects with ToolMissing when absent, and a VerdantError naming the tool otherwise.
 */
export function runTool(
  tool: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = TOOL_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new ToolMissing(tool));
      const why = err.killed ? `timed out after ${timeoutMs} ms` : (stderr.trim() || stdout.trim() || err.message).slice(0, 300);
      reject(
        new VerdantError(`${tool} ${args.join(' ')} failed: ${why}`, {
          field: tool,
          fix: `check that ${tool} works when run by hand, or exclude this sensor family`,
          cause: err,
        }),
      );
    });
  });
}

/**
 * Shares one call among all sensors of a device family: the Tracker reads every sensor at the same
 * instant, so N GPUs cost one CLI spawn per interval instead of N.
 */
export function sharedQuery<T>(query: () => Promise<T>, maxAgeMs = 250): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < maxAgeMs) return last.value;
    const value = query();
    last = { at: now, value };
    value.catch(() => {
      if (last?.value === value) last = undefined;
    });
    return value;
  };
}

/** Splits CSV output (no quoting in these tools) into trimmed fields per non-empty line. */
export function csvRows(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(',').map((f) => f.trim()));
}

/** A number from a CLI field such as "250.12", "250.12 W" or "[N/A]"; undefined when not a number. */
export function numberField(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const m = /^-?\d+(\.\d+)?/.exec(field.trim());
  return m ? Number(m[0]) : undefined;
}
