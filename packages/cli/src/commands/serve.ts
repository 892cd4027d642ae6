import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import { Store, invalidInput } from '@verdant/core';
import { action } from '../shared.js';

const onPath = (bin: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the HTTP API, Prometheus /metrics and /healthz over the store, and run the job scheduler')
    .option('--host <host>', 'address to listen on (a token is required beyond loopback)', process.env.VERDANT_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port', process.env.VERDANT_PORT ?? '8787')
    .option('--token <token>', 'bearer token required on every request (default: VERDANT_API_TOKEN)')
    .option('--no-scheduler', 'do not start queued jobs (API and metrics only)')
    .action(
      action(async (o: { host: string; port: string; token?: string; scheduler: boolean }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port', `must be 0-65535, got ${o.port}`);
        const token = o.token ?? process.env.VERDANT_API_TOKEN;
        const store = await Store.open();
        const [{ buildServer }, { createAgentMetrics }] = await Promise.all([import('@verdant/server'), import('@verdant/agents')]);
        // Orchestrators running inside this process report through this registry; /metrics merges it.
        const agentMetrics = createAgentMetrics();
        const app = await buildServer({ store, host: o.host, ...(token ? { token } : {}), extraRegistries: [agentMetrics.registry] });
        const address = await app.listen({ host: o.host, port });
        let scheduler: { start(): void; stop(): Promise<unknown> } | undefined;
        if (o.scheduler) {
          const { createServeScheduler } = await import('@verdant/schedule');
          scheduler = createServeScheduler({
            store,
            slurm: onPath('squeue'),
            onEvent: (e) => process.stderr.write(`verdant: job ${e.jobId} ${e.state}: ${e.message}\n`),
          });
          scheduler.start();
        }
        process.stderr.write(`verdant: serving ${store.location} on ${address} (API /api, /metrics, /healthz${scheduler ? '; job scheduler on' : ''})\n`);
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
