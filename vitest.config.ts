import { configDefaults, defineConfig } from 'vitest/config';

const SERIAL = 'packages/*/test/**/*.serial.test.ts';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources in tests (each package's "source" export), so a test
  // never runs a stale dist/. Vitest runs tests in its server (SSR) environment and hands packages under
  // node_modules (the workspace links included) to Node unless told to inline them: inline @verdant/*, and give
  // that environment the "source" condition.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // The MCP SDK imports eventsource-parser, whose "source" export is TypeScript: inlined, Vite compiles it.
    server: { deps: { inline: [/@verdant\//, /packages\/(agents|cli|core|energy|grid|schedule|server)\//, /@modelcontextprotocol\/sdk/] } },
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'tests', include: ['packages/*/test/**/*.test.ts'], exclude: [SERIAL, ...configDefaults.exclude] },
      },
      {
        // Tests that disturb shared services (they restart PostgreSQL) or load the machine for minutes (the packed
        // install compiles better-sqlite3) run alone, after every other file.
        extends: true,
        test: { name: 'serial', include: [SERIAL], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
