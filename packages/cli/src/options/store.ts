import type { Store } from '@verdant/core';

/**
 * Opens the configured store (SQLite under VERDANT_HOME, or VERDANT_DATABASE_URL), runs fn, closes it. The
 * store's modules load here, on first use, not when a command module is imported.
 */
export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const { Store } = await import('@verdant/core');
  const store = await Store.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
