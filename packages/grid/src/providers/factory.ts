import { z } from 'zod';
import { ExitCode, VerdantError, type Logger, type Store } from '@verdant/core';
import { StaticProvider } from '../static/static-provider.js';
import { ElectricityMapsProvider } from './electricitymaps.js';
import { FallbackChain, type FallbackChainOptions } from './fallback.js';
import type { LiveProvider } from './live.js';
import type { ResilienceOptions } from './resilience.js';
import { UkGridProvider } from './ukgrid.js';
import { WattTimeProvider } from './watttime.js';

export type LiveProviderName = 'electricitymaps' | 'watttime' | 'ukgrid';
export const LIVE_PROVIDER_NAMES: readonly LiveProviderName[] = ['ukgrid', 'electricitymaps', 'watttime'];

/** Everything the live providers need; keys normally come from the environment (providersConfigFromEnv). */
export interface ProvidersConfig {
  electricityMaps?: { token?: string; baseUrl?: string; emissionFactorType?: 'lifecycle' | 'direct' };
  wattTime?: { username?: string; password?: string; baseUrl?: string };
  ukGrid?: { baseUrl?: string; enabled?: boolean };
  resilience?: ResilienceOptions;
  logger?: Logger;
  now?: () => number;
}

/** One live provider, with its own retry, breaker and timeout. Throws a VerdantError naming a missing key. */
export function createProvider(name: LiveProviderName, config: ProvidersConfig = {}): LiveProvider {
  const common = {
    ...(config.resilience ? { resilience: config.resilience } : {}),
    ...(config.logger ? { logger: config.logger } : {}),
    ...(config.now ? { now: config.now } : {}),
  };
  switch (name) {
    case 'electricitymaps': {
      const c = config.electricityMaps ?? {};
      if (!c.token) throw missing('ELECTRICITYMAPS_TOKEN', 'set ELECTRICITYMAPS_TOKEN to your Electricity Maps API token');
      return new ElectricityMapsProvider({ token: c.token, ...opt('baseUrl', c.baseUrl), ...opt('emissionFactorType', c.emissionFactorType), ...common });
    }
    case 'watttime': {
      const c = config.wattTime ?? {};
      if (!c.username) throw missing('WATTTIME_USERNAME', 'set WATTTIME_USERNAME and WATTTIME_PASSWORD to your WattTime account');
      if (!c.password) throw missing('WATTTIME_PASSWORD', 'set WATTTIME_PASSWORD along with WATTTIME_USERNAME');
      return new WattTimeProvider({ username: c.username, password: c.password, ...opt('baseUrl', c.baseUrl), ...common });
    }
    case 'ukgrid':
      return new UkGridProvider({ ...opt('baseUrl', config.ukGrid?.baseUrl), ...common });
    default:
      throw new VerdantError(`unknown provider "${String(name)}"`, {
        field: 'provider',
        fix: `use one of ${LIVE_PROVIDER_NAMES.join(', ')}`,
        exitCode: ExitCode.usage,
      });
  }
}

/**
 * The live providers a configuration enables, in chain order: ukgrid (answers only GB zones; needs no key),
 * electricitymaps if it has a token, watttime if it has a username and password.
 */
export function liveProviders(config: ProvidersConfig): LiveProvider[] {
  const out: LiveProvider[] = [];
  if (config.ukGrid?.enabled !== false) out.push(createProvider('ukgrid', config));
  if (config.electricityMaps?.token) out.push(createProvider('electricitymaps', config));
  if (config.wattTime?.username || config.wattTime?.password) out.push(createProvider('watttime', config));
  return out;
}

const urlSchema = z.url({ protocol: /^https?$/ });

/**
 * Reads keys and base-URL overrides: ELECTRICITYMAPS_TOKEN, WATTTIME_USERNAME, WATTTIME_PASSWORD,
 * VERDANT_ELECTRICITYMAPS_URL, VERDANT_WATTTIME_URL, VERDANT_UKGRID_URL, and VERDANT_OFFLINE=1 (no live
 * providers at all: cache, model and static only).
 */
export function providersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProvidersConfig {
  const offline = /^(1|true|yes)$/i.test(env.VERDANT_OFFLINE?.trim() ?? '');
  if (offline) return { ukGrid: { enabled: false } };
  const config: ProvidersConfig = {};
  const emToken = env.ELECTRICITYMAPS_TOKEN?.trim();
  if (emToken) config.electricityMaps = { token: emToken, ...opt('baseUrl', envUrl(env, 'VERDANT_ELECTRICITYMAPS_URL')) };
  const wtUser = env.WATTTIME_USERNAME?.trim();
  const wtPass = env.WATTTIME_PASSWORD;
  if (wtUser || wtPass) config.wattTime = { ...opt('username', wtUser), ...opt('password', wtPass), ...opt('baseUrl', envUrl(env, 'VERDANT_WATTTIME_URL')) };
  config.ukGrid = { ...opt('baseUrl', envUrl(env, 'VERDANT_UKGRID_URL')) };
  return config;
}

export interface ProviderFromEnvOptions extends Omit<FallbackChainOptions, 'live' | 'store'> {
  resilience?: ResilienceOptions;
}

/**
 * The configured chain: live providers for the zone's family (GB zones → ukgrid; others → electricitymaps
 * if a token is set, watttime if credentials are), then cached values in `store`, then the forecast model
 * over cached history, then static yearly averages.
 */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env, store?: Store, options: ProviderFromEnvOptions = {}): FallbackChain {
  const { resilience, ...chainOptions } = options;
  const config: ProvidersConfig = {
    ...providersConfigFromEnv(env),
    ...opt('resilience', resilience),
    ...opt('logger', options.logger),
    ...opt('now', options.now),
  };
  return new FallbackChain({
    ...chainOptions,
    live: liveProviders(config),
    ...opt('store', store),
    static: options.static ?? new StaticProvider(options.now ? { clock: options.now } : {}),
  });
}

function envUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
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

function missing(field: string, fix: string): VerdantError {
  return new VerdantError(`${field} is not set`, { field, fix, exitCode: ExitCode.config });
}

/** `{ [key]: value }` when value is defined, else `{}` (keeps optional properties truly absent). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
