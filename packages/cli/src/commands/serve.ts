import type { Command } from 'commander';
import { invalidInput } from '@verdant/core';
import { action } from '../shared.js';
import { Store } from '@verdant/core';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the HTTP API, Prometheus /metrics and /healthz over the store')
    .option('--host <host>', 'address to listen on (a token is required beyond loopback)', process.env.VERDANT_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port', process.env.VERDANT_PORT ?? '8787')
    .option('--token <token>', 'bearer token required on every request (default: VERDANT_API_TOKEN)')
    .action(
      action(async (o: { host: string; port: string; token?: string }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port', `must be 0-65535, got ${o.port}`);
        const token = o.token ?? process.env.VERDANT_API_TOKEN;
        const store = await Store.open();
        const { buildServer } = await import('@verdant/server');
        const app = await buildServer({ store, host: o.host, ...(token ? { token } : {}) });
        const address = await app.listen({ host: o.host, port });
        process.stderr.write(`verdant: serving ${store.location} on ${address} (GET /api/runs, /metrics, /healthz)\n`);
        await new Promise<void>((resolve) => {
          const shutdown = () => resolve();
          process.once('SIGINT', shutdown);
          process.once('SIGTERM', shutdown);
        });
        await app.close();
        await store.close();
      }),
    );
}
