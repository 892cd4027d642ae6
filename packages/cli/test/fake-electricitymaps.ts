import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the Electricity Maps v3 API (the recorded shapes of /carbon-intensity/latest and
 * /carbon-intensity/forecast), with hourly values around the current hour so the CLI's wall clock falls
 * inside them. `values[i]` is the intensity of the hour starting i hours after the current one.
 */
export class FakeElectricityMaps {
  readonly requests: Array<{ path: string; zone: string | null; headers: IncomingHttpHeaders }> = [];
  /** Answer every request with this status instead (e.g. 401 for a revoked token). */
  failWith: number | undefined;

  private constructor(
    private readonly server: Server,
    readonly hour0: number,
    readonly values: number[],
  ) {}

  static async start(values: number[]): Promise<FakeElectricityMaps> {
    // The fake's "current hour" is fixed at start: never start in the last two minutes of an hour, so the
    // CLI's clock is still inside that hour when the test's commands run.
    const toNextHour = 3600_000 - (Date.now() % 3600_000);
    if (toNextHour < 120_000) await new Promise((r) => setTimeout(r, toNextHour + 1000));
    const hour0 = Math.floor(Date.now() / 3600_000) * 3600;
    const server = createServer();
    const fake = new FakeElectricityMaps(server, hour0, values);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const zone = url.searchParams.get('zone');
      fake.requests.push({ path: url.pathname, zone, headers: req.headers });
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (fake.failWith) return send(fake.failWith, { message: 'Invalid auth-token' });
      const iso = (t: number): string => new Date(t * 1000).toISOString();
      if (url.pathname === '/v3/carbon-intensity/latest') {
        return send(200, {
          zone,
          carbonIntensity: values[0],
          datetime: iso(hour0),
          updatedAt: iso(hour0 + 60),
          createdAt: iso(hour0 - 86400),
          emissionFactorType: 'lifecycle',
          isEstimated: true,
          estimationMethod: 'TIME_SLICER_AVERAGE',
          temporalGranularity: 'hourly',
        });
      }
      if (url.pathname === '/v3/carbon-intensity/forecast') {
        return send(200, { zone, forecast: values.map((v, i) => ({ carbonIntensity: v, datetime: iso(hour0 + i * 3600) })), updatedAt: iso(hour0 + 60) });
      }
      send(404, { message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
