import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { invalidInput, ExitCode, VerdantError } from './errors.js';

/** Environment-derived settings; every value is validated and named by its variable on error. */
export interface VerdantEnv {
  home: string;
  databaseUrl: string | undefined;
  sysfsRoot: string;
  procfsRoot: string;
}

const urlSchema = z
  .string()
  .regex(/^(postgres|postgresql|sqlite):/, 'must start with postgres://, postgresql:// or sqlite:');

export function readEnv(env: NodeJS.ProcessEnv = process.env): VerdantEnv {
  const databaseUrl = env.VERDANT_DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined) {
    const r = urlSchema.safeParse(databaseUrl);
    if (!r.success) {
      throw new VerdantError(`VERDANT_DATABASE_URL ${r.error.issues[0]?.message ?? 'is invalid'}`, {
        field: 'VERDANT_DATABASE_URL',
        fix: 'set it to postgres://user@host/db, or unset it to use the embedded SQLite store',
        exitCode: ExitCode.config,
      });
    }
  }
  return {
    home: env.VERDANT_HOME?.trim() || join(homedir(), '.verdant'),
    databaseUrl,
    sysfsRoot: env.VERDANT_SYSFS_ROOT?.trim() || '/sys',
    procfsRoot: env.VERDANT_PROCFS_ROOT?.trim() || '/proc',
  };
}

/** Validates `value` with a zod schema and turns the first issue into a VerdantError naming the field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, fieldPrefix = ''): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '';
  const field = [fieldPrefix, path].filter(Boolean).join('.') || 'input';
  throw invalidInput(field, issue?.message ?? 'is invalid');
}
