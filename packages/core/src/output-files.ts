import { accessSync, closeSync, constants, openSync, statSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureDirectory } from './config.js';
import { ExitCode, VerdantError, type ExitCodeValue } from './errors.js';

/**
 * Output paths are checked before any work, by a real open (not `access()`, which says yes to root for paths no one
 * can create), and every failure is one VerdantError naming the caller's field: a library names its own
 * (`outputDir`), a face its flag (`--output`).
 */

/** The nearest existing ancestor of `path` (or `path` itself) that is not a directory: what blocks creating it. */
function fileInTheWay(path: string): string {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      /* missing: look further up */
    }
    if (dirname(p) === p) return path;
  }
}

/** A failed write or create in words, as a VerdantError naming the field that gave the path. */
export function outputError(e: unknown, path: string, field: string, example = 'output'): VerdantError {
  const err = e as NodeJS.ErrnoException;
  const where = err.path ?? path;
  const usage = (message: string, fix: string, exitCode: ExitCodeValue = ExitCode.usage) => new VerdantError(message, { field, fix, exitCode, cause: e });
  switch (err.code) {
    case 'ENOENT':
      return usage(`cannot create ${path}: directory ${dirname(resolve(path))} does not exist or cannot hold files`, 'create the directory first, or choose another path');
    case 'EISDIR':
      return usage(`${where} is a directory`, `give a file name, e.g. ${join(path, example)}`);
    case 'ENOTDIR':
    case 'EEXIST':
      return usage(`${fileInTheWay(where)} is a file, not a directory`, 'choose a path where no file stands in the way');
    case 'EACCES':
    case 'EPERM':
      return usage(`permission denied writing ${where}`, 'choose a path you may write to');
    case 'EROFS':
      return usage(`${where} is on a read-only file system`, 'choose a writable location');
    case 'ENOSPC':
    case 'EDQUOT':
      return usage(`no space left writing ${path}`, 'free some space or choose another disk', ExitCode.failure);
    default:
      return usage(`cannot write ${path}: ${err.message ?? String(e)}`, 'choose another path', ExitCode.failure);
  }
}

/**
 * Checks, before any work, that `path` can be written as a file: its directory exists, it is not a directory,
 * and the file system lets us create or open it. Only probes: an existing file is opened without truncating, a
 * new one is created exclusively and removed again. Throws outputError naming `field` (exit 2).
 */
export function checkOutputFile(path: string, field: string, example?: string): void {
  if (path.trim() === '') throw new VerdantError('is empty', { field, fix: 'give a file path', exitCode: ExitCode.usage });
  try {
    let exists = true;
    try {
      if (statSync(path).isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR', path });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      exists = false;
    }
    if (exists) {
      // Appending opens for writing without changing the file. A device or FIFO (/dev/null, a pipe) is only
      // checked for permission: opening a FIFO without a reader would block.
      if (statSync(path).isFile()) closeSync(openSync(path, 'a'));
      else accessSync(path, constants.W_OK);
    } else {
      closeSync(openSync(path, 'wx'));
      unlinkSync(path);
    }
  } catch (e) {
    throw outputError(e, path, field, example);
  }
}

/** Creates `dir` (and its parents) for output files, refusing a file in the way; throws outputError naming `field`. */
export function prepareOutputDirectory(dir: string, files: readonly string[], field: string): void {
  if (dir.trim() === '') throw new VerdantError('is empty', { field, fix: 'give a directory path', exitCode: ExitCode.usage });
  try {
    ensureDirectory(dir);
  } catch (e) {
    throw outputError(e, dir, field);
  }
  for (const f of files) checkOutputFile(join(dir, f), field);
}

/** Writes an output file, turning a filesystem failure into one line naming `field`. */
export async function writeOutputFile(path: string, data: string, field: string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (e) {
    throw outputError(e, path, field);
  }
}
