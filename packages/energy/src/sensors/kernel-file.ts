import { closeSync, openSync, readSync } from 'node:fs';

/** Shared by every read: reads are synchronous, so no two use it at once. */
const CHUNK = Buffer.allocUnsafe(4096);

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
    this.fd ??= openSync(this.path, 'r');
    try {
      let n = readSync(this.fd, CHUNK, 0, CHUNK.length, 0);
      if (n < CHUNK.length) return CHUNK.toString('latin1', 0, n);
      // Longer than one chunk (never for the counters and stat lines read here): go on from where it stopped.
      const parts = [Buffer.from(CHUNK)];
      let at = n;
      while ((n = readSync(this.fd, CHUNK, 0, CHUNK.length, at)) > 0) {
        parts.push(Buffer.from(CHUNK.subarray(0, n)));
        at += n;
      }
      return Buffer.concat(parts).toString('latin1');
    } catch (e) {
      this.close();
      throw e;
    }
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
