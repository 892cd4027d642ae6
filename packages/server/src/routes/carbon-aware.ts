import type { FastifyPluginAsync } from 'fastify';
import type { ZodType } from 'zod';
import { nowS, toIso, type IntensityPoint } from '@verdant/core';
import {
  listCloudRegions,
  queryForecast,
  queryHistory,
  queryIntensityAt,
  type IntensityProvider,
} from '@verdant/grid';
import { locationResolver } from '../carbon-aware/locations.js';
import { ProblemError, badRequest, fromZod, problemHandler } from '../carbon-aware/problem.js';
import { averageBatchBody, averageQuery, byLocationQuery, byLocationsQuery, forecastBatchBody, forecastQuery } from '../carbon-aware/params.js';
import { toTimeSpan } from '../carbon-aware/timespan.js';
import { coveredMean, rollingWindows, type EmissionsDataDto } from '../carbon-aware/windows.js';

export interface CarbonAwareOptions {
  /** Where intensities come from: the configured fallback chain, or a trace provider in tests and replays. */
  intensity: IntensityProvider;
  /** Clock for "now" (requestedAt, current forecasts). Default: wall clock. */
  now?: () => number;
}

/** The SDK's EmissionsData: a measured value with its interval as a .NET TimeSpan. */
interface EmissionsData {
  location: string;
  time: string;
  rating: number;
  duration: string;
}

interface ForecastRequest {
  location: string;
  requestedAt?: number;
  dataStartAt?: number;
  dataEndAt?: number;
  windowSize?: number;
}

/** Horizon asked of a provider when dataEndAt does not say (the SDK uses the whole forecast). */
const DEFAULT_HORIZON_S = 24 * 3600;
/** A requestedAt older than this is a historical (back-testing) request. */
const HISTORICAL_AFTER_S = 60;

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZod(r.error, value);
  return r.data;
}

/**
 * Routes compatible with the Green Software Foundation's Carbon Aware SDK WebAPI: same paths, parameter
 * names, response shapes and ValidationProblemDetails errors; intensities from the injected provider.
 */
export const carbonAwareRoutes: FastifyPluginAsync<CarbonAwareOptions> = async (app, opts) => {
  const intensity = opts.intensity;
  const now = opts.now ?? nowS;
  app.setErrorHandler(problemHandler);

  const resolve = locationResolver(intensity);
  const zoneOf = (location: string, field = 'location'): Promise<string> => resolve(location, field);

  const emissionsData = (location: string, p: IntensityPoint): EmissionsData => ({ location, time: toIso(p.t), rating: p.gPerKwh, duration: toTimeSpan(p.resolutionS) });

  /** Measured points for one location: the point in force at `time` (default now), or all overlapping [time, toTime). */
  async function observed(location: string, time: number | undefined, toTime: number | undefined): Promise<EmissionsData[]> {
    const zone = await zoneOf(location);
    if (toTime !== undefined && time !== undefined && !(toTime > time)) throw badRequest('toTime', 'must be after time');
    if (toTime === undefined) {
      const a = await queryIntensityAt(intensity, zone, time, { now });
      return a.points.map((p) => emissionsData(location, p));
    }
    const from = time ?? now();
    const a = await queryHistory(intensity, zone, from, toTime);
    return a.points.map((p) => emissionsData(location, p));
  }

  app.get('/emissions/bylocation', async (req, reply) => {
    const q = parse(byLocationQuery, req.query);
    const data = await observed(q.location, q.time ?? q.startTime, q.toTime ?? q.endTime);
    return data.length ? data : reply.code(204).send();
  });

  app.get('/emissions/bylocations', async (req, reply) => {
    const q = parse(byLocationsQuery, req.query);
    const data = (await Promise.all(q.location.map((l) => observed(l, q.time, q.toTime)))).flat();
    return data.length ? data : reply.code(204).send();
  });

  app.get('/emissions/bylocations/best', async (req, reply) => {
    const q = parse(byLocationsQuery, req.query);
    const data = (await Promise.all(q.location.map((l) => observed(l, q.time, q.toTime)))).flat();
    if (data.length === 0) return reply.code(204).send();
    const min = Math.min(...data.map((d) => d.rating));
    return data.filter((d) => d.rating === min);
  });

  /** One EmissionsForecast: the provider's forecast (or, for a past requestedAt, the recorded data). */
  async function forecastFor(r: ForecastRequest, fieldPrefix = ''): Promise<Record<string, unknown>> {
    const requestedAt = r.requestedAt ?? now();
    const zone = await zoneOf(r.location, `${fieldPrefix}location`);
    if (r.dataStartAt !== undefined && r.dataEndAt !== undefined && !(r.dataEndAt > r.dataStartAt)) {
      throw badRequest(`${fieldPrefix}dataEndAt`, 'must be after dataStartAt');
    }
    let points: IntensityPoint[];
    let generatedAt: number;
    if (requestedAt < now() - HISTORICAL_AFTER_S) {
      // Verdant keeps no past forecast runs: a back-test uses what was recorded, a perfect forecast.
      const from = r.dataStartAt ?? requestedAt;
      const to = r.dataEndAt ?? from + DEFAULT_HORIZON_S;
      points = (await queryHistory(intensity, zone, from, to)).points;
      generatedAt = requestedAt;
    } else {
      const horizon = Math.max(DEFAULT_HORIZON_S, (r.dataEndAt ?? 0) - requestedAt);
      const a = await queryForecast(intensity, zone, horizon);
      if (a.points.length === 0 && !intensity.forecast) throw new ProblemError(501, {}, `the intensity source "${intensity.name}" offers no forecasts`);
      points = a.points;
      generatedAt = points[0]?.generatedAt ?? requestedAt;
    }
    const first = points[0];
    const last = points[points.length - 1];
    const dataStartAt = r.dataStartAt ?? Math.max(first?.t ?? requestedAt, Math.min(requestedAt, last ? last.t + last.resolutionS : requestedAt));
    const dataEndAt = r.dataEndAt ?? (last ? last.t + last.resolutionS : dataStartAt);
    const windowS = r.windowSize !== undefined ? r.windowSize * 60 : (first?.resolutionS ?? 0);
    const w = rollingWindows(points, dataStartAt, dataEndAt, windowS);
    const dto = (d: { t: number; value: number }): EmissionsDataDto => ({ location: r.location, timestamp: toIso(d.t), duration: Math.round(windowS / 60), value: d.value });
    return {
      generatedAt: toIso(generatedAt),
      requestedAt: toIso(requestedAt),
      location: r.location,
      dataStartAt: toIso(dataStartAt),
      dataEndAt: toIso(dataEndAt),
      windowSize: Math.round(windowS / 60),
      optimalDataPoints: w.optimal.map(dto),
      forecastData: w.forecastData.map(dto),
    };
  }

  app.get('/emissions/forecasts/current', async (req) => {
    const q = parse(forecastQuery, req.query);
    return Promise.all(q.location.map((location) => forecastFor({ location, ...strip({ dataStartAt: q.dataStartAt, dataEndAt: q.dataEndAt, windowSize: q.windowSize }) })));
  });

  app.post('/emissions/forecasts/batch', async (req) => {
    const items = parse(forecastBatchBody, req.body);
    return Promise.all(
      items.map((it, i) =>
        forecastFor({ location: it.location, ...strip({ requestedAt: it.requestedAt, dataStartAt: it.dataStartAt, dataEndAt: it.dataEndAt, windowSize: it.windowSize }) }, `[${i}].`),
      ),
    );
  });

  async function average(r: { location: string; startTime: number; endTime: number }, prefix = ''): Promise<Record<string, unknown>> {
    if (!(r.endTime > r.startTime)) throw badRequest(`${prefix}endTime`, 'must be after startTime');
    const zone = await zoneOf(r.location, `${prefix}location`);
    const a = await queryHistory(intensity, zone, r.startTime, r.endTime);
    const mean = coveredMean(a.points, r.startTime, r.endTime);
    if (Number.isNaN(mean)) throw badRequest(`${prefix}startTime`, `no intensity data for ${r.location} between ${toIso(r.startTime)} and ${toIso(r.endTime)}`);
    return { location: r.location, startTime: toIso(r.startTime), endTime: toIso(r.endTime), carbonIntensity: mean };
  }

  app.get('/emissions/average-carbon-intensity', async (req) => average(parse(averageQuery, req.query)));

  app.post('/emissions/average-carbon-intensity/batch', async (req) => {
    const items = parse(averageBatchBody, req.body);
    return Promise.all(items.map((it, i) => average(it, `[${i}].`)));
  });

  app.get('/locations', async (_req, reply) => {
    const zones = (await intensity.zones()).map((z) => z.zone);
    const served = new Set(zones);
    const out: Record<string, { latitude: number | null; longitude: number | null; name: string }> = {};
    // Verdant has no coordinates for zones; the SDK's schema allows null.
    for (const z of zones) out[z] = { latitude: null, longitude: null, name: z };
    for (const r of listCloudRegions()) if (served.has(r.zone)) out[r.id] = { latitude: null, longitude: null, name: r.id };
    return Object.keys(out).length ? out : reply.code(204).send();
  });
};

/** Drops undefined and null values (optional SDK fields may be either). */
function strip<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}
