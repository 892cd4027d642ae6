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
import { ProblemError, asProblem, badRequest, fromZod, problemHandler } from '../carbon-aware/problem.js';
import { averageBatchBody, averageQuery, byLocationQuery, byLocationsQuery, forecastBatchBody, forecastQuery } from '../carbon-aware/params.js';
import { toTimeSpan } from '../carbon-aware/timespan.js';
import { coveredMean, filterByDuration, optimalEntries, rollingAverage, type EmissionsDataDto, type ForecastEntry } from '../carbon-aware/windows.js';

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
  /** Verdant's addition, present when the source says: whether the value is its estimate, and how it was made. */
  isEstimated?: boolean;
  estimationMethod?: string;
}

interface ForecastRequest {
  location: string;
  /** Set on batch items (required there); a current forecast is requested now. */
  requestedAt?: number;
  dataStartAt?: number;
  dataEndAt?: number;
  /** Minutes. */
  windowSize?: number;
}

/** The forecast a data source publishes, and so the range dataStartAt/dataEndAt must fall in: 24 h from now (or from requestedAt). */
const FORECAST_HORIZON_S = 24 * 3600;
/** A requestedAt older than this is a historical (back-testing) request. */
const HISTORICAL_AFTER_S = 60;

function parse<T>(schema: ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZod(r.error, value);
  return r.data;
}

/**
 * The SDK's CarbonAwareParameters checks on a start/end pair, keyed by the start's parameter name as the
 * client wrote it: the start is required when the end is given (StartRequiredIfEnd, on the emissions routes)
 * and must come first (StartBeforeEnd, everywhere). Runs before anything is fetched.
 */
function checkRange(start: number | undefined, end: number | undefined, names: readonly [string, string], opts: { startRequiredIfEnd?: boolean; prefix?: string } = {}): void {
  const [startName, endName] = names;
  const key = `${opts.prefix ?? ''}${startName}`;
  if (opts.startRequiredIfEnd && end !== undefined && start === undefined) throw badRequest(key, `${startName} must be defined if ${endName} is defined`);
  if (start !== undefined && end !== undefined && !(start < end)) throw badRequest(key, `${startName} must be before ${endName}`);
}

/** Runs one batch item's (or single request's) work, reporting the grid library's bad input under the SDK parameter with the item's prefix. */
async function keyed<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asProblem(e, prefix);
  }
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

  const emissionsData = (location: string, p: IntensityPoint): EmissionsData => ({
    location,
    time: toIso(p.t),
    rating: p.gPerKwh,
    duration: toTimeSpan(p.resolutionS),
    ...(p.estimated !== undefined ? { isEstimated: p.estimated } : {}),
    ...(p.estimationMethod !== undefined ? { estimationMethod: p.estimationMethod } : {}),
  });

  /**
   * Measured points for one location: the point in force at `time` (default now), or all overlapping [time, toTime).
   * Range already checked; the source's errors about `zone` reach problemHandler, which keys them by `location`.
   */
  async function observed(location: string, time: number | undefined, toTime: number | undefined): Promise<EmissionsData[]> {
    const zone = await zoneOf(location);
    const a = toTime === undefined || time === undefined ? await queryIntensityAt(intensity, zone, time, { now }) : await queryHistory(intensity, zone, time, toTime);
    return a.points.map((p) => emissionsData(location, p));
  }

  app.get('/emissions/bylocation', async (req, reply) => {
    const q = parse(byLocationQuery, req.query);
    // Older SDK releases spelled the range startTime/endTime here; errors use the name the client sent.
    const endName = q.toTime === undefined && q.endTime !== undefined ? 'endTime' : 'toTime';
    const startName = q.time !== undefined ? 'time' : q.startTime !== undefined || endName === 'endTime' ? 'startTime' : 'time';
    const names = [startName, endName] as const;
    const time = q.time ?? q.startTime;
    const toTime = q.toTime ?? q.endTime;
    checkRange(time, toTime, names, { startRequiredIfEnd: true });
    const data = await observed(q.location, time, toTime);
    return data.length ? data : reply.code(204).send();
  });

  async function observedAll(location: string[], time: number | undefined, toTime: number | undefined): Promise<EmissionsData[]> {
    checkRange(time, toTime, ['time', 'toTime'], { startRequiredIfEnd: true });
    return (await Promise.all(location.map((l) => observed(l, time, toTime)))).flat();
  }

  app.get('/emissions/bylocations', async (req, reply) => {
    const q = parse(byLocationsQuery, req.query);
    const data = await observedAll(q.location, q.time, q.toTime);
    return data.length ? data : reply.code(204).send();
  });

  app.get('/emissions/bylocations/best', async (req, reply) => {
    const q = parse(byLocationsQuery, req.query);
    const data = await observedAll(q.location, q.time, q.toTime);
    if (data.length === 0) return reply.code(204).send();
    const min = Math.min(...data.map((d) => d.rating));
    return data.filter((d) => d.rating === min);
  });

  /**
   * The forecast data for one request: the provider's current forecast, or for a past requestedAt what was
   * recorded over the 24 h from then (Verdant keeps no past forecast runs: a back-test is a perfect forecast).
   */
  async function forecastData(r: ForecastRequest, zone: string, key: (f: string) => string): Promise<{ points: IntensityPoint[]; generatedAt: number }> {
    const t = now();
    if (r.requestedAt !== undefined && r.requestedAt < t - HISTORICAL_AFTER_S) {
      const points = (await queryHistory(intensity, zone, r.requestedAt, r.requestedAt + FORECAST_HORIZON_S)).points;
      if (points.length === 0) throw badRequest(key('requestedAt'), `no recorded intensity for ${r.location} in the 24 h from ${toIso(r.requestedAt)} to back-test a forecast with`);
      return { points, generatedAt: r.requestedAt };
    }
    const a = await queryForecast(intensity, zone, FORECAST_HORIZON_S);
    if (a.points.length === 0) {
      if (!intensity.forecast) throw new ProblemError(501, {}, `the intensity source "${intensity.name}" offers no forecasts`);
      throw badRequest(key('location'), `the intensity source has no forecast for ${r.location}`);
    }
    return { points: a.points, generatedAt: a.points[0]!.generatedAt ?? r.requestedAt ?? t };
  }

  /** One EmissionsForecast, processed as the SDK's ForecastHandler does and echoed as its EmissionsForecastDTO. */
  async function forecastFor(r: ForecastRequest, prefix = ''): Promise<Record<string, unknown>> {
    const key = (f: string): string => `${prefix}${f}`;
    checkRange(r.dataStartAt, r.dataEndAt, ['dataStartAt', 'dataEndAt'], { prefix });
    return keyed(prefix, async () => {
      const requestedAt = r.requestedAt ?? now();
      const zone = await zoneOf(r.location, key('location'));
      const { points, generatedAt } = await forecastData(r, zone, key);
      // EmissionsForecast.Validate: the window must lie within the forecast's data.
      const minT = points[0]!.t;
      const last = points[points.length - 1]!;
      const maxT = last.t + last.resolutionS;
      const dataStartAt = r.dataStartAt ?? minT;
      const dataEndAt = r.dataEndAt ?? maxT;
      const range = `'${toIso(minT)}' through '${toIso(maxT)}'`;
      const errors: Record<string, string[]> = {};
      const add = (f: string, m: string): void => {
        (errors[key(f)] ??= []).push(m);
      };
      if (dataStartAt >= dataEndAt) add('dataStartAt', 'dataStartAt must be earlier than dataEndAt');
      if (dataStartAt < minT || dataStartAt > maxT) add('dataStartAt', `dataStartAt must be within time range of the forecasted data, ${range}`);
      if (dataEndAt < minT || dataEndAt > maxT) add('dataEndAt', `dataEndAt must be within time range of the forecasted data, ${range}`);
      if (Object.keys(errors).length > 0) throw new ProblemError(400, errors);

      const entries = rollingAverage(filterByDuration(points, dataStartAt, dataEndAt), (r.windowSize ?? 0) * 60, dataStartAt, dataEndAt);
      const first = entries[0];
      const final = entries[entries.length - 1];
      if ((r.dataStartAt === undefined || r.dataEndAt === undefined) && (!first || !final)) {
        throw badRequest(key('windowSize'), `no window of ${r.windowSize} minutes fits in the forecasted data, ${range}`);
      }
      const dto = (d: ForecastEntry): EmissionsDataDto => ({ location: r.location, timestamp: toIso(d.t), duration: Math.trunc(d.durationS / 60), value: d.value });
      return {
        generatedAt: toIso(generatedAt),
        requestedAt: toIso(requestedAt),
        location: r.location,
        // Defaults as the SDK echoes them: the first entry, and the start of the last one.
        dataStartAt: toIso(r.dataStartAt ?? first!.t),
        dataEndAt: toIso(r.dataEndAt ?? final!.t),
        windowSize: r.windowSize ?? 0,
        optimalDataPoints: optimalEntries(entries).map(dto),
        forecastData: entries.map(dto),
      };
    });
  }

  app.get('/emissions/forecasts/current', async (req) => {
    const q = parse(forecastQuery, req.query);
    return Promise.all(q.location.map((location) => forecastFor({ location, ...strip({ dataStartAt: q.dataStartAt, dataEndAt: q.dataEndAt, windowSize: q.windowSize }) })));
  });

  app.post('/emissions/forecasts/batch', async (req) => {
    const items = parse(forecastBatchBody, req.body);
    return Promise.all(
      items.map((it, i) =>
        forecastFor({ location: it.location, requestedAt: it.requestedAt, ...strip({ dataStartAt: it.dataStartAt, dataEndAt: it.dataEndAt, windowSize: it.windowSize }) }, `[${i}].`),
      ),
    );
  });

  async function average(r: { location: string; startTime: number; endTime: number }, prefix = ''): Promise<Record<string, unknown>> {
    checkRange(r.startTime, r.endTime, ['startTime', 'endTime'], { prefix });
    return keyed(prefix, async () => {
      const zone = await zoneOf(r.location, `${prefix}location`);
      const a = await queryHistory(intensity, zone, r.startTime, r.endTime);
      const mean = coveredMean(a.points, r.startTime, r.endTime);
      if (Number.isNaN(mean)) throw badRequest(`${prefix}startTime`, `no intensity data for ${r.location} between ${toIso(r.startTime)} and ${toIso(r.endTime)}`);
      return { location: r.location, startTime: toIso(r.startTime), endTime: toIso(r.endTime), carbonIntensity: mean };
    });
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
