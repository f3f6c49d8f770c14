import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';

import { BaseStore, type RawExecutor } from './base.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StoreError } from './errors.js';
import type { SqlResult, StoreCapabilities } from './types.js';

/** Where the embedded store lives unless told otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.hydra/data';

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

function rawExecutor(db: PGlite | Transaction): RawExecutor {
  return {
    query: async <Row extends object>(sql: string, params: readonly unknown[]) =>
      toResult<Row>(await db.query<Row>(sql, [...params])),
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
      return new PgliteStore(db, dataDir, capabilities, lock);
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

  protected runQuery<Row extends object>(sql: string, params: readonly unknown[]): Promise<SqlResult<Row>> {
    return rawExecutor(this.#db).query<Row>(sql, params);
  }

  protected runExec(sql: string): Promise<void> {
    return rawExecutor(this.#db).exec(sql);
  }

  protected runTransaction<T>(work: (raw: RawExecutor) => Promise<T>): Promise<T> {
    // PGlite's transaction(): BEGIN, work, COMMIT awaited before it resolves; ROLLBACK and rethrow on error.
    return this.#db.transaction((tx) => work(rawExecutor(tx)));
  }

  protected async closeDriver(): Promise<void> {
    try {
      await this.#db.close();
    } finally {
      this.#lock.release();
    }
  }
}
