/** Secrets shorter than this are not scrubbed: replacing every "ab" would mangle messages, not protect. */
const MIN_SECRET_LENGTH = 4;
export const REDACTED = '[redacted]';

/**
 * Scrubs known credentials from text that may reach a log or an error message (servers sometimes echo a
 * token back in an error body). Also scrubs the Basic-auth encoding of a username/password pair.
 */
export class Redactor {
  private secrets: string[] = [];

  constructor(secrets: ReadonlyArray<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Adds a secret learnt at run time (a session token). */
  add(secret: string | undefined): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.secrets.includes(secret)) return;
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...this.secrets, secret].sort((a, b) => b.length - a.length);
  }

  /** A redactor that also hides `user:password` in its Basic-auth (base64) form. */
  static withBasicAuth(username: string | undefined, password: string | undefined): Redactor {
    const basic = username !== undefined && password !== undefined ? Buffer.from(`${username}:${password}`).toString('base64') : undefined;
    return new Redactor([password, basic]);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    return out;
  }
}
