import { HydraError, type ErrorFault, type HydraErrorCode } from '../errors/index.js';

/** Why a store operation failed; finer than the Hydra error `code`, which is shared with other layers. */
export type StoreErrorReason =
  /** Cannot connect, the connection was lost, or the data directory is in use by another process. */
  | 'unavailable'
  /** The database rejected a statement; `sqlState` says why (e.g. '23505' unique violation). */
  | 'query_failed'
  /** A statement failed inside a transaction, so COMMIT rolled it back: nothing was written. */
  | 'transaction_aborted'
  /** The store was used inside its own transaction (use `tx`), or `tx` was used after it ended. */
  | 'transaction_misuse'
  /** A migration list is invalid: duplicate or out-of-order versions, a reserved component, … */
  | 'migration_invalid'
  /** A migration threw; its transaction was rolled back and its version stays unapplied. */
  | 'migration_failed'
  /** The store was closed. */
  | 'closed'
  /** A helper got a bad argument (e.g. a non-finite number in a vector). */
  | 'invalid_input';

/**
 * The Hydra code and fault of each reason. The errors layer has no store codes yet, so these reuse the
 * closest existing ones; `reason` is the stable discriminator for store callers. Proposed codes for
 * src/errors: `store_unavailable` (retryable), `store_query_failed`, `store_migration_failed`.
 */
const CLASSIFICATION: Record<StoreErrorReason, { code: HydraErrorCode; fault: ErrorFault }> = {
  // A server that is down or a wrong URL is fixed in the configuration (exit 78), not by reporting a bug.
  unavailable: { code: 'config_invalid', fault: 'user' },
  query_failed: { code: 'internal', fault: 'internal' },
  transaction_aborted: { code: 'internal', fault: 'internal' },
  transaction_misuse: { code: 'internal', fault: 'internal' },
  migration_invalid: { code: 'internal', fault: 'internal' },
  migration_failed: { code: 'internal', fault: 'internal' },
  closed: { code: 'internal', fault: 'internal' },
  invalid_input: { code: 'invalid_input', fault: 'user' },
};

// Serialization failures and deadlocks succeed when the whole transaction is simply run again.
const RETRYABLE_SQL_STATES = new Set(['40001', '40P01']);

export interface StoreErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
  sqlState?: string | undefined;
  retryable?: boolean;
}

export class StoreError extends HydraError {
  readonly fault: ErrorFault;
  readonly reason: StoreErrorReason;
  /** PostgreSQL's SQLSTATE when the database reported the failure. */
  readonly sqlState: string | undefined;

  constructor(reason: StoreErrorReason, message: string, options: StoreErrorOptions = {}) {
    const { code, fault } = CLASSIFICATION[reason];
    const sqlState = options.sqlState;
    super(code, message, {
      cause: options.cause,
      retryable:
        options.retryable ??
        (reason === 'unavailable' || (sqlState !== undefined && RETRYABLE_SQL_STATES.has(sqlState))),
      data: { reason, ...(sqlState === undefined ? {} : { sqlState }), ...options.data },
    });
    this.fault = fault;
    this.reason = reason;
    this.sqlState = sqlState;
  }

  /** True for a StoreError, even one created by another copy of this package. */
  static is(value: unknown, reason?: StoreErrorReason): value is StoreError {
    if (!HydraError.isInstance(value) || value.name !== 'StoreError') return false;
    return reason === undefined || value.data['reason'] === reason;
  }
}

/** The fields both drivers put on a database error (pg's DatabaseError, PGlite's DatabaseError). */
interface DriverError {
  message: string;
  code?: unknown;
  detail?: unknown;
  hint?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

function asDriverError(error: unknown): DriverError | undefined {
  return error instanceof Error ? (error as DriverError) : undefined;
}

// SQLSTATE class 08 (connection exception), 57P01-57P03 (server shutting down / cannot connect now).
const CONNECTION_SQL_STATE = /^(08|57P0[123])/;
const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Turns whatever a driver threw into a StoreError. The SQL is kept (shortened) because it names the failing
 * statement; parameters never are, as they may hold user data or secrets.
 */
export function toStoreError(error: unknown, sql: string | undefined, location: string): StoreError {
  if (StoreError.is(error)) return error;
  const driver = asDriverError(error);
  const code = typeof driver?.code === 'string' ? driver.code : undefined;
  const message = driver?.message ?? String(error);
  const facts: Record<string, unknown> = { location };
  if (sql !== undefined) facts['sql'] = sql.length > 300 ? `${sql.slice(0, 300)}…` : sql;
  for (const key of ['detail', 'hint', 'constraint', 'table', 'column'] as const) {
    const value = driver?.[key];
    if (typeof value === 'string' && value !== '') facts[key] = value;
  }
  const lostConnection =
    (code !== undefined && (CONNECTION_ERRNO.has(code) || CONNECTION_SQL_STATE.test(code))) ||
    /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    );
  if (lostConnection) {
    return new StoreError('unavailable', `Lost the database connection (${location}): ${message}`, {
      cause: error,
      data: { ...facts, fix: 'check that the database server is running and reachable, then retry' },
      ...(code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? { sqlState: code } : {}),
    });
  }
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return new StoreError('query_failed', message, { cause: error, data: facts, sqlState });
}

/** A URL fit for messages and logs: the password (in the authority or as `?password=`) becomes `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    // Not a URL the parser accepts: still hide anything that looks like user:password@.
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@').replace(/password=[^&\s]*/gi, 'password=***');
  }
}
