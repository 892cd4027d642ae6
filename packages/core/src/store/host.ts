import { hostname } from 'node:os';
import { ExitCode, VerdantError } from '../errors.js';

/** The environment variable that names this machine in the store, instead of the operating system's host name. */
export const HOST_NAME_ENV = 'VERDANT_HOSTNAME';

/** What a host name (and a run group's id) may hold: letters, digits and `.` `_` `-` `:` `@` `+`, at most 128. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

/**
 * The name runs are recorded under on this machine: `VERDANT_HOSTNAME` when set (containers whose host name
 * changes with each start, or two processes on one machine that stand for two hosts in a test), else the
 * operating system's host name. Never throws: a value that `checkHostName` would refuse is ignored here, since
 * readers (the reaper, `resume`) must still work; `verdant run` refuses it before it starts.
 */
export function localHostName(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[HOST_NAME_ENV]?.trim();
  return given && NAME.test(given) ? given : hostname();
}

/**
 * Checks a host name given by a caller (`field`, e.g. `host`) or by `VERDANT_HOSTNAME`: letters, digits and
 * `.` `_` `-` `:` `@` `+`, starting with a letter or digit, at most 128 characters. Returns it trimmed.
 */
export function checkHostName(value: string, field: string): string {
  const name = value.trim();
  if (!NAME.test(name)) {
    throw new VerdantError(`${field} ${JSON.stringify(value)} is not a host name`, {
      field,
      fix: 'use letters, digits and . _ - : @ +, starting with a letter or digit, at most 128 characters',
      exitCode: field === HOST_NAME_ENV ? ExitCode.config : ExitCode.usage,
    });
  }
  return name;
}

/**
 * Checks a run group's id (`field`, e.g. `group`): the same characters as a host name, so it can stand in a URL
 * path and a Prometheus label as it is. Returns it trimmed.
 */
export function checkGroupId(value: string, field: string): string {
  const id = value.trim();
  if (!NAME.test(id)) {
    throw new VerdantError(`${field} ${JSON.stringify(value)} is not a valid group id`, {
      field,
      fix: 'use letters, digits and . _ - : @ +, starting with a letter or digit, at most 128 characters (e.g. train-42)',
      exitCode: ExitCode.usage,
    });
  }
  return id;
}
