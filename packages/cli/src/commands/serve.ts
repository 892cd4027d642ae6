import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { action } from '../options/action.js';

type Core = typeof import('@verdant/core');

/** The CLI's fix for a refused token (the library's names no flags); `min` is the server's MIN_PUBLIC_TOKEN_LENGTH. */
function tokenFix(message: string, min: number): string {
  if (/required/.test(message)) return `pass --token (or set VERDANT_API_TOKEN) with at least ${min} characters, e.g. $(openssl rand -hex 32), or listen on 127.0.0.1`;
  return `use at least ${min} visible characters, e.g. --token "$(openssl rand -hex 32)"`;
}

/** Where the banner says the server is: an unspecified address listens on every interface, not on 127.0.0.1. */
function listeningOn(host: string, addr: string | AddressInfo | null): string {
  const port = addr !== null && typeof addr === 'object' ? addr.port : undefined;
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0' || bare === '::' || bare === '') return `all interfaces, port ${port} (http://127.0.0.1:${port} from this machine)`;
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

/** A failed listen in one line naming the option to change (exit 2). */
function listenError(e: unknown, host: string, port: number, { ExitCode, VerdantError }: Core): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const usage = (message: string, field: string, fix: string): Error => new VerdantError(message, { field, fix, exitCode: ExitCode.usage, cause: e });
  switch (code) {
    case 'EADDRINUSE':
      return usage(`port ${port} is in use`, '--port', 'choose another --port (0 picks a free one), or stop the process that holds it');
    case 'EACCES':
      return usage(`permission denied to listen on port ${port}`, '--port', 'choose a port above 1023');
    case 'EADDRNOTAVAIL':
      return usage(`${host} is not an address of this machine`, '--host', 'listen on 127.0.0.1, 0.0.0.0 or one of this machine\'s addresses');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return usage(`cannot resolve host ${host}`, '--host', 'give an IP address or a name this machine resolves');
    default:
      return e;
  }
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the web dashboard (/), the HTTP API, Prometheus /metrics and /healthz over the store, and run the job scheduler')
    .option('--host <host>', 'address to listen on (a token is required beyond loopback)', process.env.VERDANT_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port', process.env.VERDANT_PORT ?? '8787')
    .option('--token <token>', 'bearer token required on every request but /healthz and the dashboard page and assets, at least 16 characters beyond loopback (default: VERDANT_API_TOKEN)')
    .option('--no-scheduler', 'do not start queued jobs (API and metrics only)')
    .action(
      action(async (o: { host: string; port: string; token?: string; scheduler: boolean }) => {
        const [core, { buildServer, assertTokenForHost, MIN_PUBLIC_TOKEN_LENGTH }, { createAgentMetrics }, schedule, grid] = await Promise.all([
          import('@verdant/core'),
          import('@verdant/server'),
          import('@verdant/agents'),
          o.scheduler ? import('@verdant/schedule') : undefined,
          import('@verdant/grid'),
          o.scheduler ? import('../options/channels.js').then((c) => c.registerRunChannels()) : undefined, // for the jobs it runs
        ]);
        const { Store, VerdantError, invalidInput, isVerdantError } = core;
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port', `must be 0-65535, got ${o.port}`);
        // An empty VERDANT_API_TOKEN is unset; an explicit --token is checked as given (blank is refused).
        const envToken = process.env.VERDANT_API_TOKEN === '' ? undefined : process.env.VERDANT_API_TOKEN;
        const token = o.token ?? envToken;
        const tokenField = o.token === undefined && envToken !== undefined ? 'VERDANT_API_TOKEN' : '--token';
        // Checked before the store is opened: a refused token changes nothing.
        try {
          assertTokenForHost(o.host, token);
        } catch (e) {
          if (isVerdantError(e) && e.field === 'token') throw new VerdantError(e.message, { field: tokenField, fix: tokenFix(e.message, MIN_PUBLIC_TOKEN_LENGTH), exitCode: e.exitCode });
          throw e;
        }
        const store = await Store.open();
        // Orchestrators running inside this process report through this registry; /metrics merges it.
        const agentMetrics = createAgentMetrics();
        // One intensity chain for the API and the scheduler, its answers (which link, how old) on /metrics too.
        const gridMetrics = grid.createGridMetrics();
        const intensity = grid.providerFromEnv(process.env, store, { observer: gridMetrics.observer });
        const schedulerMetrics = schedule?.createSchedulerMetrics();
        const extraRegistries = [agentMetrics.registry, gridMetrics.registry, ...(schedulerMetrics ? [schedulerMetrics.registry] : [])];
        const app = await buildServer({ store, host: o.host, ...(token !== undefined ? { token } : {}), intensity, extraRegistries });
        let address: string;
        try {
          await app.listen({ host: o.host, port });
          address = listeningOn(o.host, app.server.address());
        } catch (e) {
          await app.close().catch(() => undefined);
          await store.close();
          throw listenError(e, o.host, port, core);
        }
        let scheduler: { start(): void; stop(): Promise<unknown> } | undefined;
        if (schedule) {
          scheduler = schedule.createServeScheduler({
            store,
            intensity,
            ...(schedulerMetrics ? { metrics: schedulerMetrics } : {}),
            onEvent: (e) => process.stderr.write(`verdant: job ${e.jobId} ${e.state}: ${e.message}\n`),
          });
          scheduler.start();
        }
        process.stderr.write(`verdant: serving ${store.location} on ${address} (dashboard /, API /api, /metrics, /healthz${scheduler ? '; job scheduler on' : ''})\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await scheduler?.stop();
        await app.close();
        await store.close();
      }),
    );
}
