export { queryIntensityAt, queryHistory, queryForecast, querySeries, type QueryAnswer, type QueryOptions } from './intensity-query.js';
export { loadTraceSpecs, traceProviderFromSpecs, type TraceSpecOptions } from './trace-specs.js';
export { resolveLocation } from './resolve-location.js';
export { intensityTimeline, intensityNow, zoneChoices, type Timeline, type TimelinePart, type TimelinePoint, type TimelineOptions, type ZoneChoice } from './timeline.js';
