import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * The progress channel: Verdant passes VERDANT_PROGRESS_FILE to the command, which appends one JSON
 * object per line, e.g. {"progress":0.25} or {"step":250,"total":1000}. A file (not a socket) works from
 * any language, survives the command's forks, and needs no client library.
 */
export const PROGRESS_ENV = 'VERDANT_PROGRESS_FILE';

export interface ProgressUpdate {
  /** Fraction done, 0..1. */
  fraction: number;
  t: number;
  message?: string;
}

/** Parses one line; returns undefined for lines that carry no usable progress. */
export function parseProgressLine(line: string, t: number): ProgressUpdate | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  let fraction: number | undefined;
  if (typeof o.progress === 'number') fraction = o.progress;
  else if (typeof o.step === 'number' && typeof o.total === 'number' && o.total > 0) fraction = o.step / o.total;
  else if (typeof o.epoch === 'number' && typeof o.epochs === 'number' && o.epochs > 0) fraction = o.epoch / o.epochs;
  if (fraction === undefined || !Number.isFinite(fraction)) return undefined;
  return { fraction: Math.min(1, Math.max(0, fraction)), t, ...(typeof o.message === 'string' ? { message: o.message } : {}) };
}

/**
 * Polls closer together than this (s) return nothing new unless forced: progress moves slowly, samples need not
 * (at 10 samples a second the file is looked at twice a second; at one a second, every sample).
 */
export const PROGRESS_POLL_S = 0.5;

/**
 * Reads what the command appended since the last poll. Offered every sample, so a poll is cheap: it looks at
 * the file at most once per PROGRESS_POLL_S; until the file exists that is one existence check (no failed open,
 * no error object), then one read of the open file into a buffer allocated once. The reads are synchronous on
 * purpose: a local file that nobody locks answers at once, and a thread-pool round trip costs more than the read.
 */
export class ProgressReader {
  private offset = 0;
  /** The `t` of the last poll that looked at the file. */
  private lookedAt = -Infinity;
  private partial = '';
  private fd: number | undefined;
  private buf: Buffer | undefined;
  /** Keeps a UTF-8 character split across two reads whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly path: string) {}

  /** Whether poll(t) would look at the file: PROGRESS_POLL_S after the last look, or before it (the clock was set back). */
  due(t: number): boolean {
    const since = t - this.lookedAt;
    return !(since >= 0 && since < PROGRESS_POLL_S);
  }

  /**
   * The latest update appended since the last look, stamped `t` (epoch seconds, the sample's time). Looks only
   * when `t` is PROGRESS_POLL_S past the last look (or before it: the clock was set back), or when `force`d (the
   * command's exit, so that its last line is read).
   */
  async poll(t: number, force = false): Promise<ProgressUpdate | undefined> {
    if (!force && !this.due(t)) return undefined;
    this.lookedAt = t;
    if (this.fd === undefined) {
      if (!existsSync(this.path)) return undefined; // the command has not reported yet
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return undefined;
      }
    }
    this.buf ??= Buffer.allocUnsafe(64 * 1024);
    let latest: ProgressUpdate | undefined;
    for (;;) {
      let bytesRead: number;
      try {
        bytesRead = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      } catch {
        break; // unreadable now (the file was replaced or the disk failed): try again at the next sample
      }
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      const text = this.partial + this.decoder.write(this.buf.subarray(0, bytesRead));
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) latest = parseProgressLine(line, t) ?? latest;
    }
    return latest;
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.fd = undefined;
  }
}

/**
 * Node API for a measured program: `reportProgress(0.5)` or `reportProgress({ step, total })`.
 * A no-op when the program is not running under `verdant run`.
 */
export async function reportProgress(p: number | { step: number; total: number; message?: string }): Promise<void> {
  const path = process.env[PROGRESS_ENV];
  if (!path) return;
  const { appendFile } = await import('node:fs/promises');
  const line = typeof p === 'number' ? { progress: p } : p;
  await appendFile(path, `${JSON.stringify(line)}\n`);
}
