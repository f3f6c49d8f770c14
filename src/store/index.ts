/**
 * The store: PostgreSQL-dialect SQL over embedded PGlite (default) or a PostgreSQL server, with
 * migrations, durable transactions and vector search (pgvector, or a real[] fallback). See docs/store.md.
 * Any export added here becomes public API.
 * @module
 */
export type { Migration, SqlExecutor, SqlResult, Store, StoreCapabilities, StoreKind } from './types.js';
export { openStore, type OpenStoreOptions } from './open.js';
export { DEFAULT_DATA_DIR, PgliteStore, type PgliteStoreOptions } from './pglite.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres.js';
export { redactUrl, StoreError, type StoreErrorReason } from './errors.js';
export {
  cosineDistanceSql,
  parseVectorLiteral,
  STORE_MIGRATIONS,
  toVectorLiteral,
  vectorColumnType,
  vectorIndexSql,
  vectorParam,
} from './vector.js';
