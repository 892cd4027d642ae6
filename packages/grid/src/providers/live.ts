import type { IntensityProvider } from '../provider.js';

/** A provider that calls a live API: it says which zones it can answer, and whether its breaker is open. */
export interface LiveProvider extends IntensityProvider {
  handles(zone: string): boolean;
  readonly circuitOpen: boolean;
}

export function isLiveProvider(p: IntensityProvider): p is LiveProvider {
  return typeof (p as Partial<LiveProvider>).handles === 'function';
}
