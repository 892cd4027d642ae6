/**
 * Exit codes are part of the CLI contract and documented in the README.
 * 126/127 follow the shell convention for "not executable" / "not found".
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  store: 4,
  budgetExceeded: 5,
  provider: 6,
  notExecutable: 126,
  notFound: 127,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface VerdantErrorOptions {
  /** What was wrong: a library names its own field ("maxEmissionsG"); a face shows its flag ("--max-co2"), body field or variable. */
  field?: string;
  /** What the user should do instead. */
  fix?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

/** An error meant for a human: it names the field and the fix. */
export class VerdantError extends Error {
  readonly field: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: VerdantErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerdantError';
    this.field = options.field;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }

  /** One line for a terminal: "<field>: <message>. <fix>". */
  describe(): string {
    const head = this.field ? `${this.field}: ${this.message}` : this.message;
    return this.fix ? `${head} (fix: ${this.fix})` : head;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.message, field: this.field, fix: this.fix, exit_code: this.exitCode };
  }
}

/** A bad option, config value or request body. */
export function invalidInput(field: string, message: string, fix?: string): VerdantError {
  return new VerdantError(message, { field, fix, exitCode: ExitCode.usage });
}

export function isVerdantError(e: unknown): e is VerdantError {
  return e instanceof VerdantError;
}
