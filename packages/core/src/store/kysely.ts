/**
 * The part of kysely the store runs with. Kysely ships as ~260 ES modules, which cost a CLI command that
 * opens the store most of its start-up; the build (scripts/bundle-vendor.mjs, after `tsc -b`) replaces this
 * module's compiled file with one bundled file of the same exports. Types still come from 'kysely' itself,
 * and tests, which run the TypeScript sources, load kysely as usual.
 */
export { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
