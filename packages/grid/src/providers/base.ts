import { z } from 'zod';
import { ExitCode, VerdantError, nowS, type IntensityPoint, type Logger } from '@verdant/core';
import type { IntensityQueryOptions, ZoneInfo } from '../provider.js';
import { getJson, parseBody, withSlash } from './http.js';
import type { LiveProvider } from './live.js';
import { Redactor } from './redact.js';
import { Resilience, type ResilienceOptions } from './resilience.js';

/** What every live provider takes besides its own settings: resilience policies, a logger and a clock. */
export interface LiveProviderCommon {
  resilience?: ResilienceOptions;
  logger?: Logger;
  /** Epoch seconds; default the system clock. */
  now?: () => number;
}

/**
 * The part every live HTTP provider shares: its name, base URL, the redactor of its secrets, one
 * `Resilience` (retry ⊃ breaker ⊃ timeout) for all its calls, its clock, and the breaker's state. A
 * provider adds its endpoints and its wire format; `handles` defaults to every zone.
 */
export abstract class LiveProviderBase implements LiveProvider {
  protected readonly baseUrl: URL;
  protected readonly resilience: Resilience;
  protected readonly now: () => number;

  constructor(
    readonly name: string,
    baseUrl: string,
    common: LiveProviderCommon = {},
    /** Secrets to scrub from every message and log line; a provider may add session tokens as it learns them. */
    protected readonly redactor: Redactor = new Redactor(),
  ) {
    this.baseUrl = withSlash(new URL(baseUrl));
    this.resilience = new Resilience(name, common.resilience, common.logger, redactor);
    this.now = common.now ?? nowS;
  }

  /** Zones this provider can answer; every zone unless a provider narrows it. */
  handles(_zone: string): boolean {
    return true;
  }

  /** Whether the breaker is refusing calls (open after repeated failures). */
  get circuitOpen(): boolean {
    return this.resilience.circuitOpen;
  }

  abstract zones(): Promise<ZoneInfo[]>;
  abstract current(zone: string, opts?: IntensityQueryOptions): Promise<IntensityPoint>;
  abstract history(zone: string, from: number, to: number, opts?: IntensityQueryOptions): Promise<IntensityPoint[]>;

  /** `path` (relative to the base URL, which keeps its own path prefix) with query parameters. */
  protected url(path: string, params: Record<string, string> = {}): URL {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  /** One GET of JSON (no policies): every failure a redacted ProviderError of this provider. */
  protected request(url: URL, signal: AbortSignal, headers?: Record<string, string>): Promise<unknown> {
    return getJson({ provider: this.name, url, ...(headers ? { headers } : {}), signal, redactor: this.redactor });
  }

  /** Runs `fn` under this provider's policies; `fn` gets the attempt's AbortSignal. */
  protected guarded<T>(fn: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    return this.resilience.execute(fn, callerSignal);
  }

  /** A GET of JSON under the policies. */
  protected fetchJson(url: URL, callerSignal?: AbortSignal, headers?: Record<string, string>): Promise<unknown> {
    return this.guarded((s) => this.request(url, s, headers), callerSignal);
  }

  /** Checks a body against its documented shape (a mismatch is a 'malformed' ProviderError). */
  protected parse<T>(what: string, schema: z.ZodType<T>, body: unknown): T {
    return parseBody(this.name, what, schema, body);
  }
}

/**
 * A live provider as the registry lists it: how it is configured from the environment and built, and
 * where it sits in the chain. `S` is its settings (keys, base URL, options), all optional so that
 * `create` can name what is missing.
 */
export interface LiveProviderDescriptor<S = unknown, N extends string = string> {
  /** The provider's name, as answers and failures report it ("electricitymaps"). */
  readonly name: N;
  /** Place in the chain: lower is asked first. */
  readonly order: number;
  /**
   * Its settings from the environment, or undefined when the environment does not enable it (no key).
   * A malformed value throws a VerdantError (exit 3) naming the variable.
   */
  fromEnv(env: NodeJS.ProcessEnv): S | undefined;
  /** Builds it; a missing key is a VerdantError (exit 3) naming the variable. */
  create(settings: S, common: LiveProviderCommon): LiveProvider;
  /**
   * Zone names that only this provider understands (Verdant's own names for parts of a grid): the chain
   * asks no other live provider for them, whether or not this one is configured.
   */
  owns?(zone: string): boolean;
}

/** Keeps the descriptor's literal name in its type, so the registry's names are a type too. */
export function defineLiveProvider<S, const N extends string>(d: LiveProviderDescriptor<S, N>): LiveProviderDescriptor<S, N> {
  return d;
}

const urlSchema = z.url({ protocol: /^https?$/ });

/** An http(s) URL from the environment, or undefined when unset; anything else is a config error naming the variable. */
export function envUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  if (!urlSchema.safeParse(v).success) {
    throw new VerdantError(`${name} must be an http(s) URL, got "${v.slice(0, 80)}"`, {
      field: name,
      fix: `set ${name} to the API's base URL (scheme and host, e.g. http://127.0.0.1:8080), or unset it`,
      exitCode: ExitCode.config,
    });
  }
  return v;
}

/** The configuration error for a missing key. */
export function missingSetting(field: string, fix: string): VerdantError {
  return new VerdantError(`${field} is not set`, { field, fix, exitCode: ExitCode.config });
}

/** `{ [key]: value }` when value is defined, else `{}` (keeps optional properties truly absent). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * A provider's settings as the registry carries them: its constructor options less the common ones, all
 * optional (so that `create` can name what is missing).
 */
export type ProviderSettings<O extends LiveProviderCommon> = Partial<Omit<O, keyof LiveProviderCommon>>;
