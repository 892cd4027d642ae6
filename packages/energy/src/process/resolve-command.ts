import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ExitCode, VerdantError } from '@verdant/core';

/**
 * Finds the executable as execvp would, so a missing command fails before anything is measured, with the
 * shell's exit codes: 127 not found, 126 found but not executable.
 */
export function resolveCommand(cmd: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const candidates = cmd.includes('/')
    ? [isAbsolute(cmd) ? cmd : resolve(cwd, cmd)]
    : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, cmd));
  // A directory given by path is "found but not executable" (126), as the shell says; on PATH it is skipped.
  if (cmd.includes('/') && isDirectory(candidates[0]!)) {
    throw new VerdantError(`${candidates[0]} is a directory`, {
      field: 'command',
      fix: 'give the program to run, not its directory',
      exitCode: ExitCode.notExecutable,
    });
  }
  let foundNotExecutable: string | undefined;
  for (const path of candidates) {
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      foundNotExecutable ??= path;
    }
  }
  if (foundNotExecutable) {
    throw new VerdantError(`${foundNotExecutable} is not executable`, {
      field: 'command',
      fix: `chmod +x ${foundNotExecutable}, or run it through its interpreter`,
      exitCode: ExitCode.notExecutable,
    });
  }
  throw new VerdantError(`command not found: ${cmd}`, {
    field: 'command',
    fix: cmd.includes('/') ? 'check the path' : 'check the spelling, or that its directory is on PATH',
    exitCode: ExitCode.notFound,
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
