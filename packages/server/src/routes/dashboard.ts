import type { FastifyPluginAsync } from 'fastify';
import { invalidInput, nowS, parseTime, readRegion, readZones, type Store } from '@verdant/core';
import { runsOverview } from '@verdant/energy';
import { DEFAULT_ZONE, intensityNow, intensityTimeline, zoneChoices, type IntensityProvider } from '@verdant/grid';
import { locationResolver } from '../carbon-aware/locations.js';

export interface DashboardRouteOptions {
  store: Store;
  intensity: IntensityProvider;
  /** The user's zones (default VERDANT_ZONES, else VERDANT_REGION). */
  zones?: readonly string[];
  /** The zone the overview shows (default VERDANT_REGION, else the world average). */
  defaultZone?: string;
  now?: () => number;
}

const HOUR_S = 3600;
const DAY_S = 86_400;
/** The longest span /api/intensity answers: a year. */
const MAX_SPAN_S = 366 * DAY_S;

const text = { type: 'string' } as const;
const intensityQuery = { type: 'object', properties: { zone: text, from: text, to: text }, additionalProperties: false } as const;

/** GET /api/overview, GET /api/zones, GET /api/intensity: what the dashboard's overview and grid pages read. */
export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, opts) => {
  const { store, intensity } = opts;
  const now = opts.now ?? nowS;
  const configured = opts.zones ?? readZones(process.env);
  const defaultZone = opts.defaultZone ?? readRegion(undefined)?.region ?? DEFAULT_ZONE;
  const resolve = locationResolver(intensity);

  app.get('/api/overview', async () => {
    const t = now();
    const zone = await resolve(defaultZone, 'VERDANT_REGION').catch(() => defaultZone);
    const [runs, current, ahead] = await Promise.all([
      // Runs are counted by the wall clock; the grid is read at the server's clock (a replayed trace's "now").
      runsOverview(store),
      intensityNow(intensity, zone, { now: () => t }),
      intensityTimeline(intensity, zone, t, t + DAY_S, { now: () => t }),
    ]);
    return {
      ...runs,
      grid: {
        zone,
        now: 'error' in current ? null : current,
        ...('error' in current ? { now_error: current.error } : {}),
        forecast: ahead.points.map((p) => ({ t: p.t, g_per_kwh: p.g_per_kwh, source: p.source })),
        parts: ahead.parts,
      },
    };
  });

  app.get('/api/zones', async () => ({ default_zone: defaultZone, zones: await zoneChoices(intensity, configured) }));

  app.get<{ Querystring: { zone?: string; from?: string; to?: string } }>('/api/intensity', { schema: { querystring: intensityQuery } }, async (req) => {
    const t = now();
    const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
    const zone = await resolve(given(req.query.zone) ?? defaultZone, 'zone');
    const from = given(req.query.from) !== undefined ? parseTime(req.query.from!, 'from') : Math.floor(t / HOUR_S) * HOUR_S - DAY_S;
    const to = given(req.query.to) !== undefined ? parseTime(req.query.to!, 'to') : Math.floor(t / HOUR_S) * HOUR_S + DAY_S;
    if (to <= from) throw invalidInput('to', 'must be after from', 'give a to later than from');
    if (to - from > MAX_SPAN_S) throw invalidInput('to', `spans ${Math.round((to - from) / DAY_S)} days, more than ${MAX_SPAN_S / DAY_S}`, 'ask for at most a year at a time');
    return intensityTimeline(intensity, zone, from, to, { now: () => t });
  });
};
