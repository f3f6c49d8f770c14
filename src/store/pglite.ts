import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';

import { BaseStore, type RawExecutor } from './base.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StoreError } from './errors.js';
import { PreparedStatements } from './pglite-statements.js';
import type { SqlResult, StoreCapabilities } from './types.js';

/** Where the embedded store lives unless told otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.hydra/data';

/** Changed rows that trigger the store's own VACUUM (ANALYZE) (and at least a tenth of all rows after that, like PostgreSQL's autovacuum). */
const MIN_MAINTENANCE_ROWS = 1_000;

export interface PgliteStoreOptions {
  /** The data directory; created if missing. Default `.hydra/data`. */
  dataDir?: string | undefined;
}

// PostgreSQL's `date` is a calendar day, not an instant: keep 'YYYY-MM-DD' (as PostgresStore does)
// instead of PGlite's default Date at UTC midnight, which shifts a day in negative-offset time zones.
const DATE_OID = 1082;
const PARSERS = { [DATE_OID]: (value: string) => value };

function toResult<Row>(result: Results<Row>): SqlResult<Row> {
  // PGlite counts only INSERT/UPDATE/DELETE/MERGE/COPY, which is the contract.
  return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
}

function rawExecutor(
  db: PGlite | Transaction,
  /** The connection itself (not a transaction on it): where statements may be prepared. */
  outside: PGlite,
  statements: PreparedStatements,
  onChanged: (rows: number) => void,
): RawExecutor {
  return {
    query: async <Row extends object>(sql: string, params: readonly unknown[]) => {
      const result = toResult<Row>(await statements.query<Row>(db, sql, params, db === outside));
      if (result.rowCount > 0) onChanged(result.rowCount);
      return result;
    },
    exec: async (sql: string) => {
      await db.exec(sql);
    },
  };
}

async function detectVector(db: PGlite): Promise<StoreCapabilities> {
  try {
    await db.exec('create extension if not exists vector');
    return { vector: true };
  } catch (error) {
    return {
      vector: false,
      vectorUnavailableReason:
        `PGlite could not load its bundled pgvector (${(error as Error).message}); reinstall ` +
        `@electric-sql/pglite. Embeddings use the real[] fallback meanwhile.`,
    };
  }
}

/**
 * The embedded store: PostgreSQL 17 compiled to WebAssembly (PGlite) with pgvector, persisted in a data
 * directory. One process per directory (enforced by a lock file) and one connection: transactions run one
 * at a time, and a `query` issued while one is open waits for it to finish (PGlite's transaction mutex).
 *
 * Durability: COMMIT returns after PostgreSQL wrote the WAL to the data directory with synchronous writes,
 * so an acknowledged transaction survives the process being killed. PGlite runs with fsync off, so it is
 * not guaranteed to survive an operating-system crash or power loss; use PostgreSQL for that.
 */
export class PgliteStore extends BaseStore {
  readonly kind = 'pglite' as const;
  readonly dataDir: string;
  readonly #db: PGlite;
  readonly #lock: DataDirLock;
  readonly #statements = new PreparedStatements();
  // PGlite has no autovacuum: without statistics the planner ignores indexes (a 100k-row vector search
  // scans everything) and full-text indexes' pending lists are never merged. So the store keeps count of
  // changed rows and runs VACUUM (ANALYZE) itself once enough have changed.
  #changedRows = 0;
  #maintenanceThreshold = MIN_MAINTENANCE_ROWS;
  #maintenance: Promise<void> | undefined;

  private constructor(db: PGlite, dataDir: string, capabilities: StoreCapabilities, lock: DataDirLock) {
    super(dataDir, capabilities);
    this.#db = db;
    this.dataDir = dataDir;
    this.#lock = lock;
  }

  /** Opens (creating it if needed: ~2 s for the first `initdb`, ~0.3 s after) the store in `dataDir`. */
  static async open(options: PgliteStoreOptions = {}): Promise<PgliteStore> {
    const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (error) {
      throw new StoreError(
        'unavailable',
        `Cannot create the data directory ${dataDir}: ${(error as Error).message}`,
        {
          cause: error,
          data: { dataDir, fix: 'choose a writable dataDir' },
        },
      );
    }
    const lock = acquireDataDirLock(dataDir);
    let db: PGlite | undefined;
    try {
      db = await PGlite.create({ dataDir, extensions: { vector }, parsers: PARSERS });
      const capabilities = await detectVector(db);
      const store = new PgliteStore(db, dataDir, capabilities, lock);
      await store.#analyzeIfNeverAnalyzed();
      return store;
    } catch (error) {
      await db?.close().catch(() => undefined);
      lock.release();
      throw new StoreError(
        'unavailable',
        `Cannot open the embedded store in ${dataDir}: ${(error as Error).message}. If the directory holds ` +
          `something else or a damaged database, move it away to start fresh, or set DATABASE_URL.`,
        { cause: error, data: { dataDir, fix: 'move the data directory away, or use PostgreSQL' } },
      );
    }
  }

  protected async runQuery<Row extends object>(
    sql: string,
    params: readonly unknown[],
  ): Promise<SqlResult<Row>> {
    const result = await rawExecutor(this.#db, this.#db, this.#statements, this.#noteChanges).query<Row>(
      sql,
      params,
    );
    this.#maintainIfDue();
    return result;
  }

  protected runExec(sql: string): Promise<void> {
    return rawExecutor(this.#db, this.#db, this.#statements, this.#noteChanges).exec(sql);
  }

  protected async runTransaction<T>(work: (raw: RawExecutor) => Promise<T>): Promise<T> {
    // PGlite's transaction(): BEGIN, work, COMMIT awaited before it resolves; ROLLBACK and rethrow on error.
    const result = await this.#db.transaction((tx) =>
      work(rawExecutor(tx, this.#db, this.#statements, this.#noteChanges)),
    );
    this.#maintainIfDue();
    return result;
  }

  /** Resolves when any VACUUM (ANALYZE) the store started on its own has finished. */
  async maintenanceIdle(): Promise<void> {
    await this.#maintenance;
  }

  readonly #noteChanges = (rows: number): void => {
    this.#changedRows += rows;
  };

  #maintainIfDue(): void {
    if (this.#maintenance || this.#changedRows < this.#maintenanceThreshold) return;
    this.#changedRows = 0;
    // Started after the current call returns; it queues behind other work on PGlite's single connection.
    this.#maintenance = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await this.exec('vacuum (analyze)');
        const { rows } = await this.query<{ total: number | null }>(
          `select sum(greatest(reltuples, 0))::float8 as total from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`,
        );
        this.#maintenanceThreshold = Math.max(MIN_MAINTENANCE_ROWS, Math.floor(0.1 * (rows[0]?.total ?? 0)));
      } catch {
        // Maintenance is an optimisation: a closed store or a busy moment must not surface as an error.
      } finally {
        this.#maintenance = undefined;
      }
    })();
  }

  /** A store written by an older Hydra, or killed before maintenance ran, may hold tables never analyzed. */
  async #analyzeIfNeverAnalyzed(): Promise<void> {
    const { rows } = await this.#db.query<{ stale: boolean }>(
      `select exists (select 1 from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace and reltuples < 0 and relpages > 0) as stale`,
    );
    if (rows[0]?.stale) await this.#db.exec('analyze');
  }

  protected async closeDriver(): Promise<void> {
    await this.#maintenance;
    try {
      await this.#db.close();
    } finally {
      this.#lock.release();
    }
  }
}
