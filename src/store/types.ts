/**
 * The `Store` seam: PostgreSQL-dialect SQL over either embedded PGlite (the default, zero setup) or a
 * PostgreSQL server. Subsystems write plain SQL with `$1` placeholders that both run unchanged.
 * docs/store.md describes the contract; test/store/conformance.ts checks it against both implementations.
 */

export interface SqlResult<Row> {
  rows: Row[];
  /**
   * Rows changed by INSERT/UPDATE/DELETE/MERGE/COPY; 0 for every other statement, SELECT included (use
   * `rows.length`). The two drivers disagree on SELECT, so the store normalises to this.
   */
  rowCount: number;
}

/** Anything that runs SQL: the store itself, or a transaction handed to `Store.transaction`. */
export interface SqlExecutor {
  /**
   * Runs ONE statement with `$1`… parameters (extended protocol on both stores, so a second statement in
   * `sql` is an error everywhere). Pass jsonb values as `JSON.stringify(value)`: a bare JS array would be
   * sent as a PostgreSQL array by `pg`. Results: int8 → number, or bigint beyond 2^53; numeric → string;
   * date → 'YYYY-MM-DD' string; timestamptz → Date; json/jsonb → parsed; arrays → JS arrays.
   * Fails with a `StoreError` (`reason` 'query_failed', `sqlState` set).
   */
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<SqlResult<Row>>;
  /** Runs a script of one or more statements without parameters (simple protocol); results are dropped. */
  exec(sql: string): Promise<void>;
}

export interface StoreCapabilities {
  /** pgvector is installed: `vector` columns, `<=>` distance, HNSW indexes. */
  vector: boolean;
  /** Why `vector` is false (e.g. the server has no pgvector package); shown by `hydra doctor` and tests. */
  vectorUnavailableReason?: string;
}

export type StoreKind = 'pglite' | 'postgres';

export interface Store extends SqlExecutor {
  readonly kind: StoreKind;
  /** Where it lives: the absolute data directory, or the server URL with its password replaced by `***`. */
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  /**
   * Runs `work` in one transaction: committed when it resolves (and only then is the promise resolved, so
   * an acknowledged write is durable), rolled back when it throws. Not nestable: inside `work`, use `tx`
   * only — calling this store's `query`, `exec`, `transaction` or `migrate` there fails with a
   * `StoreError` (reason 'transaction_misuse'), as does using `tx` after the transaction ended. A statement
   * that fails inside aborts the whole transaction, even if `work` catches the error.
   * PGlite runs one transaction at a time (and queries outside it wait); PostgreSQL runs them concurrently,
   * each on its own connection, at READ COMMITTED.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Applies pending migrations: the store's own (component 'store', reserved) first, then the given ones
   * per component in version order, each in its own transaction together with its `schema_version` row.
   * Idempotent, and serialised across processes by a PostgreSQL advisory lock.
   */
  migrate(migrations: readonly Migration[]): Promise<void>;
  /** The highest applied migration version of a component, 0 if none. */
  schemaVersion(component: string): Promise<number>;
  /** Waits for running work, then closes the connection(s). Idempotent; later calls fail ('closed'). */
  close(): Promise<void>;
}

/**
 * One schema change of one component (e.g. `memory` version 3). Versions of a component are positive
 * integers listed in increasing order; each is applied in its own transaction together with its
 * `schema_version` row. Never edit an applied migration: add the next version.
 */
export interface Migration {
  component: string;
  version: number;
  description: string;
  up(tx: SqlExecutor, capabilities: StoreCapabilities): Promise<void>;
}
