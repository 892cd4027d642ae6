import { closeSync, openSync, readSync, readvSync } from 'node:fs';

/** Shared by every read: reads are synchronous, so no two use it at once. */
const CHUNK = Buffer.allocUnsafe(4096);
/** CHUNK as readvSync takes it: its argument checks are a fraction of readSync's, which cost more than the read. */
const CHUNKS = [CHUNK];

/**
 * A file the kernel renders at each read (procfs, sysfs) that a sensor reads at every sample: opened once, then
 * read with one pread from offset 0, at which the kernel renders it afresh. One system call a sample instead of
 * fs.readFileSync's four (open, fstat, read, close) and its path and option handling, which on a busy machine
 * is most of a sample's cost. An open /proc/<pid> file stays bound to its process: once the process is gone a
 * read fails (ESRCH) rather than reading a process that has reused the pid.
 */
export class KernelFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** The file's text now; throws as a read of the path would (ENOENT, EACCES, ESRCH), and then closes the file. */
  read(): string {
    return this.parse(latin1);
  }

  /**
   * `parse(bytes, length)` of the file's bytes now, without making a string: for the per-sample reads, where a
   * string and its slices would cost more than the parse. The bytes are in a buffer shared by every read, good
   * only until `parse` returns. Throws as read() does.
   *
   * This runs at every sample, on a machine whose caches other work has emptied since the last one: there, each
   * function call and each argument check costs microseconds, so the read is written out here in one piece.
   */
  parse<T>(parse: (bytes: Uint8Array, length: number) => T): T {
    this.fd ??= openSync(this.path, 'r');
    let n: number;
    try {
      n = readvSync(this.fd, CHUNKS, 0);
    } catch (e) {
      this.close();
      throw e;
    }
    if (n < CHUNK.length) return parse(CHUNK, n);
    const whole = this.readLong(n);
    return parse(whole, whole.length);
  }

  /** The whole of a file longer than one chunk (never the counters and stat lines read here), from its first `first` bytes in CHUNK. */
  private readLong(first: number): Buffer {
    const parts = [Buffer.from(CHUNK.subarray(0, first))];
    let at = first;
    try {
      let n: number;
      while ((n = readSync(this.fd!, CHUNK, 0, CHUNK.length, at)) > 0) {
        parts.push(Buffer.from(CHUNK.subarray(0, n)));
        at += n;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    return Buffer.concat(parts);
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}

/**
 * The decimal integer in bytes [from, to) of a kernel file (an optional sign and digits, with white space around,
 * as the kernel prints numbers); NaN for anything else, an empty range included.
 */
export function parseDecimal(bytes: Uint8Array, from: number, to: number): number {
  while (from < to && isWhite(bytes[from]!)) from++;
  while (to > from && isWhite(bytes[to - 1]!)) to--;
  const negative = bytes[from] === 0x2d; // '-'
  if (from < to && (negative || bytes[from] === 0x2b)) from++; // '+'
  if (from === to) return NaN;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

const isWhite = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

const latin1 = (bytes: Uint8Array, length: number): string => Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
