import { AsyncLocalStorage } from 'node:async_hooks';

import { StoreError, toStoreError } from './errors.js';
import { applyMigrations, readSchemaVersion } from './migrate.js';
import type { Migration, SqlExecutor, SqlResult, Store, StoreCapabilities, StoreKind } from './types.js';

/** A driver's executor: runs SQL and throws the driver's own errors (the base class wraps them). */
export interface RawExecutor {
  query<Row extends object>(sql: string, params: readonly unknown[]): Promise<SqlResult<Row>>;
  exec(sql: string): Promise<void>;
}

/** One running transaction, as seen by code running inside it (through AsyncLocalStorage). */
interface TransactionScope {
  store: BaseStore;
  active: boolean;
  /** A statement failed: PostgreSQL has aborted the transaction unless the caller rolled back to a savepoint. */
  failedStatements: number;
}

// Shared by all stores: lets a store notice that it is being called from inside one of its own transactions.
const transactionScope = new AsyncLocalStorage<TransactionScope>();

/**
 * What both stores share: the transaction guard, error wrapping, tracking of running work for `close()`,
 * migrations and `schemaVersion`. Subclasses supply the driver calls.
 */
export abstract class BaseStore implements Store {
  abstract readonly kind: StoreKind;
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  #closing: Promise<void> | undefined;
  readonly #running = new Set<Promise<unknown>>();

  protected constructor(location: string, capabilities: StoreCapabilities) {
    this.location = location;
    this.capabilities = Object.freeze({ ...capabilities });
  }

  /** Runs one statement outside any transaction. */
  protected abstract runQuery<Row extends object>(
    sql: string,
    params: readonly unknown[],
  ): Promise<SqlResult<Row>>;
  protected abstract runExec(sql: string): Promise<void>;
  /**
   * BEGIN, `work`, COMMIT — resolving only after COMMIT succeeded — or ROLLBACK when `work` throws (and
   * rethrow `work`'s error unchanged).
   */
  protected abstract runTransaction<T>(work: (raw: RawExecutor) => Promise<T>): Promise<T>;
  protected abstract closeDriver(): Promise<void>;

  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<SqlResult<Row>> {
    return this.#track('query', async () => {
      try {
        return await this.runQuery<Row>(sql, params);
      } catch (error) {
        throw toStoreError(error, sql, this.location);
      }
    });
  }

  exec(sql: string): Promise<void> {
    return this.#track('exec', async () => {
      try {
        await this.runExec(sql);
      } catch (error) {
        throw toStoreError(error, sql, this.location);
      }
    });
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#track('transaction', async () => {
      const scope: TransactionScope = { store: this, active: true, failedStatements: 0 };
      // Errors from `work` (including its failed statements, already StoreErrors) pass through unchanged;
      // anything else came from BEGIN/COMMIT/ROLLBACK and is wrapped.
      let workFailed = false;
      let workError: unknown;
      try {
        return await this.runTransaction(async (raw) => {
          try {
            const result = await transactionScope.run(scope, () => work(this.#executorFor(raw, scope)));
            if (scope.failedStatements > 0) await this.#assertNotAborted(raw);
            return result;
          } catch (error) {
            workFailed = true;
            workError = error;
            throw error;
          } finally {
            scope.active = false;
          }
        });
      } catch (error) {
        throw workFailed ? workError : toStoreError(error, undefined, this.location);
      }
    });
  }

  migrate(migrations: readonly Migration[]): Promise<void> {
    return this.#track('migrate', () => applyMigrations(this, migrations));
  }

  schemaVersion(component: string): Promise<number> {
    return this.#track('schemaVersion', () => readSchemaVersion(this, component));
  }

  close(): Promise<void> {
    try {
      this.#assertNotInOwnTransaction('close'); // it would wait for itself forever
    } catch (error) {
      return Promise.reject(error);
    }
    this.#closing ??= (async () => {
      // New calls are refused from here on; let the running ones finish before pulling the connection.
      await Promise.allSettled([...this.#running]);
      await this.closeDriver();
    })();
    return this.#closing;
  }

  /** Refuses calls after close() and from inside this store's own transactions, and tracks the rest. */
  #track<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      if (this.#closing) throw new StoreError('closed', `The store (${this.location}) is closed.`);
      this.#assertNotInOwnTransaction(operation);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = run();
    this.#running.add(promise);
    const forget = (): void => void this.#running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  #assertNotInOwnTransaction(operation: string): void {
    const scope = transactionScope.getStore();
    if (scope?.store === this && scope.active) {
      // On PGlite this call would wait for the transaction forever; on PostgreSQL it would run on another
      // connection, outside the transaction, without seeing its writes. Both are bugs, so fail loudly.
      throw new StoreError(
        'transaction_misuse',
        `store.${operation}() was called inside a transaction of the same store; use the transaction's ` +
          `executor (the \`tx\` argument) instead. Transactions do not nest.`,
        { data: { operation, location: this.location } },
      );
    }
  }

  #executorFor(raw: RawExecutor, scope: TransactionScope): SqlExecutor {
    const guard = (operation: string): void => {
      if (!scope.active) {
        throw new StoreError(
          'transaction_misuse',
          `tx.${operation}() was called after its transaction ended; keep all work inside the callback.`,
          { data: { operation, location: this.location } },
        );
      }
    };
    const run = async <T>(sql: string, statement: () => Promise<T>): Promise<T> => {
      try {
        return await statement();
      } catch (error) {
        scope.failedStatements += 1;
        throw toStoreError(error, sql, this.location);
      }
    };
    return {
      query: async <Row extends object = Record<string, unknown>>(
        sql: string,
        params: readonly unknown[] = [],
      ) => {
        guard('query');
        return run(sql, () => raw.query<Row>(sql, params));
      },
      exec: async (sql: string) => {
        guard('exec');
        return run(sql, () => raw.exec(sql));
      },
    };
  }

  /**
   * After a failed statement, COMMIT would silently turn into ROLLBACK (PostgreSQL replies ROLLBACK, and
   * PGlite 0.4 does not check). Probe instead: in an aborted transaction even `select 1` fails.
   */
  async #assertNotAborted(raw: RawExecutor): Promise<void> {
    try {
      await raw.query('select 1', []);
    } catch (error) {
      throw new StoreError(
        'transaction_aborted',
        'A statement failed inside the transaction, so PostgreSQL aborted it and nothing was committed ' +
          '(catching the error inside the callback does not undo that).',
        { cause: error, data: { location: this.location } },
      );
    }
  }
}
