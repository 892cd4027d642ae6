export * from './errors.js';
export * from './units.js';
export * from './time.js';
export * from './intensity.js';
export * from './config.js';
export * from './output-files.js';
export * from './logging.js';
export * from './ids.js';
export * from './store/schema.js';
// Types only: the drivers load with the first `Store.open` (connect and migrate are the store's own business).
export type { Connection, Dialect, OpenOptions } from './store/open.js';
export * from './store/store.js';
export { migrations } from './store/migrations.js';
