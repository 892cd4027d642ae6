import { ExitCode, VerdantError } from '@verdant/core';
import type { LiveProviderDescriptor } from './base.js';
import { electricityMapsProvider } from './electricitymaps.js';
import { ukGridProvider } from './ukgrid.js';
import { wattTimeProvider } from './watttime.js';

/** The live providers Verdant ships, one line each (their `order` places them in the chain). */
export const LIVE_PROVIDERS = [
  ukGridProvider,
  electricityMapsProvider,
  wattTimeProvider,
] as const;

/** The shipped providers' names ("ukgrid" | "electricitymaps" | "watttime"). */
export type LiveProviderName = (typeof LIVE_PROVIDERS)[number]['name'];

type SettingsOf<D> = D extends LiveProviderDescriptor<infer S, string> ? S : never;

/** Each live provider's settings by its name: typed for the shipped ones, `unknown` for registered ones. */
export type LiveProviderSettings = { [D in (typeof LIVE_PROVIDERS)[number] as D['name']]?: SettingsOf<D> } & { readonly [name: string]: unknown };

/** In chain order (kept sorted as providers register, since the chain reads it on every query). */
const registered: LiveProviderDescriptor[] = [...LIVE_PROVIDERS].sort(byOrder);

function byOrder(a: LiveProviderDescriptor, b: LiveProviderDescriptor): number {
  return a.order - b.order;
}

/**
 * Adds a live provider (a plugin, or a test's stand-in) to every chain built after this call; returns a
 * function that removes it again. A name already registered is refused.
 */
export function registerLiveProvider(descriptor: LiveProviderDescriptor): () => void {
  if (registered.some((d) => d.name === descriptor.name)) {
    throw new VerdantError(`a live provider named "${descriptor.name}" is already registered`, {
      field: 'provider',
      fix: 'give the provider another name',
      exitCode: ExitCode.usage,
    });
  }
  registered.push(descriptor);
  registered.sort(byOrder);
  return () => {
    const i = registered.indexOf(descriptor);
    if (i >= 0) registered.splice(i, 1);
  };
}

/** The registered live providers in chain order. */
export function liveProviderDescriptors(): readonly LiveProviderDescriptor[] {
  return registered;
}

export function liveProviderNames(): string[] {
  return liveProviderDescriptors().map((d) => d.name);
}

/** The provider that declares a zone its own (see `LiveProviderDescriptor.owns`), if any. */
export function zoneOwner(zone: string): string | undefined {
  return liveProviderDescriptors().find((d) => d.owns?.(zone))?.name;
}
