import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ExitCode, VerdantError } from '@verdant/core';
import { errorBody } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route of the web dashboard's static files: no data, so no token (auth.ts). */
    webApp?: boolean;
  }
}

/**
 * Paths that carry data: the API, /metrics and the Carbon Aware SDK routes. They always need the token when
 * one is set, and an unknown path under them is a JSON 404, never the web app's page.
 */
export function isDataPath(url: string): boolean {
  return /^\/(api|metrics|emissions|locations)(\/|\?|$)/.test(url);
}

/** The built dashboard (@verdant/web's dist/), or undefined where the package cannot be found. */
export function webAppRoot(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@verdant/web/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

export interface WebRouteOptions {
  /** The folder holding index.html and assets/ (default: @verdant/web's dist). */
  root?: string;
}

/**
 * The dashboard's Content-Security-Policy: nothing may load from or talk to another origin, nor frame it.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The policy of the files under /assets/: the page's, and 'wasm-unsafe-eval' (compiling WebAssembly, no JavaScript
 * eval). A dedicated Web Worker runs under the policy of its own script's response, not the page's: the browser MoE
 * lab's worker compiles TensorFlow.js's wasm backend (the app's own /assets/*.wasm), and only it needs that.
 */
export const ASSETS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");

/** Headers of the page. */
const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard at /: index.html (no-cache) for / and any path outside the data paths (the app routes by
 * hash, but a reloaded or pasted path still lands on the app), and the hashed files under /assets/ (cached
 * for a year: their names change with their content), both under the same Content-Security-Policy. These routes
 * carry no data, so they need no token (`config.webApp`, read by the bearer hook); the Host/Origin guard applies to
 * them as to every route.
 */
export const webRoutes: FastifyPluginAsync<WebRouteOptions> = async (app, opts) => {
  const root = opts.root ?? webAppRoot();
  const built = root !== undefined && existsSync(join(root, 'index.html'));
  const config = { webApp: true };
  if (built) await app.register(fastifyStatic, { root, serve: false });

  const page = (reply: FastifyReply): FastifyReply => {
    if (!built) {
      return reply.code(503).send(
        errorBody(new VerdantError('the web dashboard is not built', { field: 'url', fix: 'run `npm run build` at the repository root (npm ci does it), then restart verdant serve', exitCode: ExitCode.failure })),
      );
    }
    return reply.headers(PAGE_HEADERS).sendFile('index.html', { cacheControl: false });
  };

  app.get('/', { config }, async (_req, reply) => page(reply));
  app.get<{ Params: { '*': string } }>('/assets/*', { config }, async (req, reply) => {
    if (!built) return reply.callNotFound();
    // A policy on the assets too: a dedicated Web Worker (the browser MoE lab's) runs under the policy of its own
    // script's response, not the page's, so without it the worker could talk to any origin.
    return reply.headers({ 'x-content-type-options': 'nosniff', 'content-security-policy': ASSETS_CONTENT_SECURITY_POLICY }).sendFile(`assets/${req.params['*']}`, { maxAge: '365d', immutable: true, index: false, dotfiles: 'deny' });
  });
  app.get('/*', { config }, async (req, reply) => (isDataPath(req.url) || req.url.startsWith('/assets/') ? reply.callNotFound() : page(reply)));
};
