import { configDefaults, defineConfig } from 'vitest/config';

const SERIAL = 'packages/*/test/**/*.serial.test.ts';

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources in tests (see each package's "source" export).
    conditions: ['source'],
  },
  test: {
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
