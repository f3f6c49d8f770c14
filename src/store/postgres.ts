import { createHash } from 'node:crypto';

import pg from 'pg';

import { BaseStore, type RawExecutor } from './base.js';
import { StoreError, redactUrl, toStoreError } from './errors.js';
import { isPreparable } from './pglite-statements.js';
import { connectionError, detectServerVector, PG_TYPES, validateUrl } from './postgres-setup.js';
import type { SqlResult, StoreCapabilities } from './types.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /**
   * Keep Hydra's tables in this schema (created if missing) instead of `public`: every connection gets
   * `search_path = <schema>, public`. Lower-case letters, digits and `_` only. Tests use it for isolation.
   */
  schema?: string | undefined;
  /** Most connections the pool opens (each transaction holds one while it runs). Default 10. */
  poolSize?: number | undefined;
  /** Give up connecting after this long. Default 10 000 ms. */
  connectTimeoutMs?: number | undefined;
}

/** SQLSTATE of "cached plan must not change result type". */
const STALE_PLAN = '0A000';

const COMMANDS_WITH_ROW_COUNT = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** pg's QueryConfig plus `queryMode`, which pg 8 supports but @types/pg does not declare. */
interface ExtendedQueryConfig extends pg.QueryConfig<unknown[]> {
  queryMode: 'extended';
}

const MAX_NAMED = 512;

/**
 * Names for repeated statements, by SQL text: pg prepares a named statement once per connection and reuses
 * its plan. Bounded, since pg keeps every statement a connection prepared; SQL beyond the bound runs unnamed.
 */
class StatementNames {
  readonly #names = new Map<string, string>();

  of(sql: string): string | undefined {
    let name = this.#names.get(sql);
    if (name === undefined && this.#names.size < MAX_NAMED && isPreparable(sql)) {
      name = `hydra_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      this.#names.set(sql, name);
    }
    return name;
  }
}

function extended(sql: string, params: readonly unknown[], name?: string): ExtendedQueryConfig {
  // Always the extended protocol (parse/bind/execute), like PGlite's query(): then a second statement in
  // `sql` fails on both stores instead of only on one.
  return { text: sql, values: [...params], queryMode: 'extended', ...(name ? { name } : {}) };
}

function toResult<Row>(result: pg.QueryResult): SqlResult<Row> {
  const rowCount = COMMANDS_WITH_ROW_COUNT.has(result.command) ? (result.rowCount ?? 0) : 0;
  return { rows: result.rows as Row[], rowCount };
}

function rawExecutor(db: pg.Pool | pg.PoolClient, names: StatementNames): RawExecutor {
  return {
    query: async <Row extends object>(sql: string, params: readonly unknown[]) => {
      try {
        return toResult<Row>(await db.query(extended(sql, params, names.of(sql))));
      } catch (error) {
        // A statement this connection prepared before a migration changed its result columns.
        if ((error as { code?: string }).code !== STALE_PLAN) throw error;
        return toResult<Row>(await db.query(extended(sql, params)));
      }
    },
    exec: async (sql: string) => {
      await db.query(sql);
    },
  };
}

/**
 * A PostgreSQL server through a `pg.Pool`. Each transaction gets a dedicated connection for its whole
 * life; plain queries take any free one. Durability is the server's: COMMIT returns after the WAL is
 * flushed when the server runs with fsync and synchronous_commit on (the default).
 */
export class PostgresStore extends BaseStore {
  readonly kind = 'postgres' as const;
  readonly schema: string | undefined;
  readonly #pool: pg.Pool;
  readonly #names = new StatementNames();

  private constructor(
    pool: pg.Pool,
    location: string,
    schema: string | undefined,
    capabilities: StoreCapabilities,
  ) {
    super(location, capabilities);
    this.#pool = pool;
    this.schema = schema;
  }

  /** Connects (failing with a StoreError that names the URL and the fix) and detects pgvector. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const location = redactUrl(options.url);
    const schema = options.schema;
    validateUrl(options.url, location);
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new StoreError('invalid_input', `Invalid schema name ${JSON.stringify(schema)}: use [a-z0-9_].`, {
        data: { schema },
      });
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      types: PG_TYPES,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema},public` }),
    });
    // An idle connection that dies (server restart) is dropped by the pool; without a listener Node would
    // crash on the 'error' event. The next query reconnects, or reports the failure itself.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw connectionError(location, error);
    }
    try {
      if (schema !== undefined) await createSchema(client, schema);
      const capabilities = await detectServerVector(client);
      client.release();
      return new PostgresStore(pool, location, schema, capabilities);
    } catch (error) {
      client.release(true);
      await pool.end().catch(() => undefined);
      throw toStoreError(error, undefined, location);
    }
  }

  protected runQuery<Row extends object>(sql: string, params: readonly unknown[]): Promise<SqlResult<Row>> {
    return rawExecutor(this.#pool, this.#names).query<Row>(sql, params);
  }

  protected runExec(sql: string): Promise<void> {
    return rawExecutor(this.#pool, this.#names).exec(sql);
  }

  protected async runTransaction<T>(work: (raw: RawExecutor) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#acquireError(error);
    }
    // While checked out, a dying connection emits 'error' on the client, which nobody else listens to.
    let connectionLost: unknown;
    const onError = (error: unknown): void => void (connectionLost = error);
    client.on('error', onError);
    let healthy = true;
    try {
      await client.query('begin');
      let result: T;
      try {
        result = await work(rawExecutor(client, this.#names));
      } catch (error) {
        healthy = await rollback(client);
        throw error;
      }
      await commit(client, this.location);
      return result;
    } catch (error) {
      if (connectionLost !== undefined) healthy = false;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(healthy ? undefined : true); // destroy a connection in an unknown state
    }
  }

  protected async closeDriver(): Promise<void> {
    await this.#pool.end();
  }

  /** pg-pool reports a full pool as a connect timeout too; don't send anyone to restart a healthy server. */
  #acquireError(error: unknown): StoreError {
    const { totalCount, options } = this.#pool;
    if (options.max !== undefined && totalCount >= options.max) {
      return new StoreError(
        'unavailable',
        `No free connection to ${this.location}: all ${totalCount} pooled connections stayed busy for ` +
          `${String(options.connectionTimeoutMillis)} ms (long transactions, or raise poolSize).`,
        {
          cause: error,
          data: {
            location: this.location,
            poolSize: options.max,
            fix: 'shorten transactions or raise poolSize',
          },
        },
      );
    }
    return connectionError(this.location, error);
  }
}

async function rollback(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('rollback');
    return true;
  } catch {
    return false; // the connection is broken; the server rolls back when it goes away
  }
}

async function commit(client: pg.PoolClient, location: string): Promise<void> {
  let reply: pg.QueryResult;
  try {
    reply = await client.query('commit');
  } catch (error) {
    const wrapped = toStoreError(error, 'commit', location);
    if (wrapped.reason === 'unavailable') {
      // The COMMIT may or may not have reached the server: say so rather than guess.
      throw new StoreError(
        'unavailable',
        `${wrapped.message} (during COMMIT: the transaction may or may not be committed)`,
        {
          cause: error,
          data: { ...wrapped.data, commitOutcome: 'unknown' },
        },
      );
    }
    throw wrapped;
  }
  // COMMIT of an aborted transaction is not an error in PostgreSQL: it answers ROLLBACK.
  if (reply.command === 'ROLLBACK') {
    throw new StoreError(
      'transaction_aborted',
      'The transaction was aborted by a failed statement; COMMIT rolled it back.',
      {
        data: { location },
      },
    );
  }
}

async function createSchema(client: pg.PoolClient, schema: string): Promise<void> {
  try {
    await client.query(`create schema if not exists ${schema}`);
  } catch (error) {
    // Two stores creating the same schema at once: the loser sees a unique violation; the schema exists.
    if ((error as { code?: unknown }).code !== '23505') throw error;
  }
}
