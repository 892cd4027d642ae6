import { ExitCode, VerdantError, type Store } from '@verdant/core';
import { StaticProvider } from '../static/static-provider.js';
import { opt, type LiveProviderCommon } from './base.js';
import { FallbackChain, type FallbackChainOptions } from './fallback.js';
import type { LiveProvider } from './live.js';
import { liveProviderDescriptors, liveProviderNames, type LiveProviderSettings } from './registry.js';
import type { ResilienceOptions } from './resilience.js';

/**
 * Everything the live providers need: each enabled provider's settings by name (keys normally come from
 * the environment: providersConfigFromEnv), and the policies, logger and clock they share.
 */
export interface ProvidersConfig extends LiveProviderCommon {
  /** A provider without an entry is left out of the chain. */
  providers?: LiveProviderSettings;
}

/** One live provider, with its own retry, breaker and timeout. Throws a VerdantError naming a missing key. */
export function createProvider(name: string, config: ProvidersConfig = {}): LiveProvider {
  const descriptor = liveProviderDescriptors().find((d) => d.name === name);
  if (!descriptor) {
    throw new VerdantError(`unknown provider "${name}"`, {
      field: 'provider',
      fix: `use one of ${liveProviderNames().join(', ')}`,
      exitCode: ExitCode.usage,
    });
  }
  return descriptor.create(config.providers?.[name] ?? {}, commonOptions(config));
}

/** The live providers a configuration enables (those with settings), in chain order. */
export function liveProviders(config: ProvidersConfig): LiveProvider[] {
  const common = commonOptions(config);
  return liveProviderDescriptors()
    .filter((d) => config.providers?.[d.name] !== undefined)
    .map((d) => d.create(config.providers![d.name], common));
}

/** What every provider shares, without the per-provider settings (absent ones left out). */
function commonOptions(config: ProvidersConfig): LiveProviderCommon {
  return { ...opt('resilience', config.resilience), ...opt('logger', config.logger), ...opt('now', config.now) };
}

/**
 * Reads each registered provider's settings from the environment (ELECTRICITYMAPS_TOKEN, WATTTIME_USERNAME,
 * WATTTIME_PASSWORD, the VERDANT_<PROVIDER>_URL base-URL overrides; the UK API needs no key), and
 * VERDANT_OFFLINE=1 (no live providers at all: cache, model and static only).
 */
export function providersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProvidersConfig {
  const offline = /^(1|true|yes)$/i.test(env.VERDANT_OFFLINE?.trim() ?? '');
  const providers: Record<string, unknown> = {};
  if (!offline) {
    for (const d of liveProviderDescriptors()) {
      const settings = d.fromEnv(env);
      if (settings !== undefined) providers[d.name] = settings;
    }
  }
  return { providers };
}

export interface ProviderFromEnvOptions extends Omit<FallbackChainOptions, 'live' | 'store'> {
  resilience?: ResilienceOptions;
}

/**
 * The configured chain: the enabled live providers in their order (a zone a provider owns goes to it
 * alone: GB-region/GB-postcode zones to ukgrid), then cached values in `store`, then the forecast model
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
