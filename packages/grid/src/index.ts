export type { IntensityQueryOptions, ZoneInfo, IntensityProvider } from './provider.js';
// Static yearly averages (@tgwf/co2)
export { StaticProvider, staticLookup, staticZoneInfos, type StaticOptions } from './static/static-provider.js';
export { matchStaticZone, staticFigure, type StaticMatch, type StaticFigure } from './static/resolve-static.js';
export { ISO2_TO_ISO3, ISO3_TO_ISO2, countryName } from './static/iso-countries.js';
// Trace files
export { loadTrace, parseTrace } from './trace/load-trace.js';
export { TraceProvider, type TraceProviderOptions } from './trace/trace-provider.js';
export { traceLookup, checkTraceCovers, replayTime, type TraceCoverage, type TraceLookup, type TraceLookupOptions, type TraceSpan } from './trace/coverage.js';
export { shippedTracePath, shippedTraces, type ShippedTrace } from './trace/shipped.js';
export { parseTraceTime } from './trace/time-cell.js';
export { splitCsvLines, type CsvRow } from './trace/csv.js';
export type { IntensityTrace, LoadTraceOptions, TraceFormat, TraceGap } from './trace/types.js';
// Zones and cloud regions
export { listZones, resolveZone } from './zones/list-zones.js';
export { resolveIntensity, DEFAULT_ZONE, type ResolveIntensityOptions, type ResolvedIntensity } from './zones/resolve-intensity.js';
export {
  cloudRegions,
  listCloudRegions,
  lookupCloudRegion,
  normalizeCloudRegionId,
  isCloudRegionId,
  CLOUDS,
  type CloudRegion,
  type Cloud,
} from './zones/cloud-regions.js';
export { closestMatches, editDistance } from './zones/suggest.js';
export { gridDataDir } from './zones/data-dir.js';
// Forecasts from history
export {
  forecast,
  SEASONAL_SOURCE,
  persistenceForecast,
  seasonalNaiveForecast,
  evaluateForecasts,
  DEFAULT_MODELS,
  type ForecastOptions,
  type EvaluationOptions,
  type Forecaster,
  type HorizonScore,
} from './forecast/index.js';
// Live HTTP providers and the fallback chain
export {
  Redactor,
  parseRetryAfter,
  LiveProviderBase,
  defineLiveProvider,
  envUrl,
  missingSetting,
  isProviderError,
  ProviderError,
  Resilience,
  isLiveProvider,
  ELECTRICITYMAPS_DEFAULT_URL,
  ElectricityMapsProvider,
  electricityMapsProvider,
  WATTTIME_DEFAULT_URL,
  WattTimeProvider,
  wattTimeProvider,
  parseUkZone,
  isUkSubZone,
  UKGRID_DEFAULT_URL,
  UK_REGIONS,
  UkGridProvider,
  ukGridProvider,
  registerLiveProvider,
  liveProviderDescriptors,
  liveProviderNames,
  zoneOwner,
  LIVE_PROVIDERS,
  FallbackChain,
  createGridMetrics,
  CHAIN_LINK_VALUE,
  createProvider,
  liveProviders,
  providersConfigFromEnv,
  providerFromEnv,
  type LiveProviderCommon,
  type LiveProviderDescriptor,
  type ProviderFailureKind,
  type ProviderErrorOptions,
  type ResilienceOptions,
  type LiveProvider,
  type GeoLocation,
  type ElectricityMapsOptions,
  type ElectricityMapsSettings,
  type WattTimeOptions,
  type WattTimeSettings,
  type UkTarget,
  type UkGridOptions,
  type UkGridSettings,
  type LiveProviderName,
  type LiveProviderSettings,
  type ChainLink,
  type LinkFailure,
  type IntensityAnswer,
  type ChainPoint,
  type ForecastModel,
  type FallbackChainOptions,
  type ChainObserver,
  type ChainQuery,
  type GridMetrics,
  type ProvidersConfig,
  type ProviderFromEnvOptions,
} from './providers/index.js';
// Queries with provenance and trace specs, shared by the CLI and the server
export {
  queryIntensityAt,
  queryHistory,
  queryForecast,
  querySeries,
  loadTraceSpecs,
  traceProviderFromSpecs,
  resolveLocation,
  intensityTimeline,
  intensityNow,
  zoneChoices,
  type Timeline,
  type TimelinePart,
  type TimelinePoint,
  type TimelineOptions,
  type ZoneChoice,
  type QueryAnswer,
  type QueryOptions,
  type TraceSpecOptions,
} from './service/index.js';
