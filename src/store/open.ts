import { PgliteStore } from './pglite.js';
import { PostgresStore } from './postgres.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** A PostgreSQL URL (the config's `databaseUrl`, from DATABASE_URL). Unset or empty: the embedded store. */
  databaseUrl?: string | undefined;
  /** The embedded store's data directory. Default `.hydra/data`. Ignored with `databaseUrl`. */
  dataDir?: string | undefined;
  /** PostgreSQL only: keep the tables in this schema (see PostgresStore). */
  schema?: string | undefined;
}

/**
 * Opens the store the configuration asks for: PostgreSQL when a URL is given, else PGlite in `dataDir`.
 * Reads no environment variables itself (the config layer does); fails with a StoreError (reason
 * 'unavailable') that names the URL or directory and the fix.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  if (options.databaseUrl) {
    return PostgresStore.open({ url: options.databaseUrl, schema: options.schema });
  }
  return PgliteStore.open({ dataDir: options.dataDir });
}
