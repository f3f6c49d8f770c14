import pg from 'pg';

import { StoreError } from './errors.js';
import type { StoreCapabilities } from './types.js';

/** Type OIDs whose parsing PostgresStore changes so that results match PgliteStore's. */
const INT8 = 20;
const INT8_ARRAY = 1016;
const DATE = 1082;

/** int8 as PGlite returns it: a number when exact (counts, ids), a bigint beyond 2^53 (never rounded). */
function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

type TextParser = (text: string) => unknown;

function mapNested(value: unknown, parse: (text: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapNested(item, parse));
  return typeof value === 'string' ? parse(value) : value;
}

function getTypeParser(oid: number, format?: 'text' | 'binary'): TextParser {
  if (format === 'binary') return pg.types.getTypeParser(oid, 'binary') as TextParser;
  if (oid === INT8) return parseInt8;
  if (oid === DATE) return (text) => text; // a calendar day, not an instant: keep 'YYYY-MM-DD'
  const parse = pg.types.getTypeParser(oid, 'text') as TextParser;
  // pg's int8[] parser yields strings; convert each element like a scalar int8.
  if (oid === INT8_ARRAY) return (text) => mapNested(parse(text), parseInt8);
  return parse;
}

/** Per-pool type parsers (pg's global ones stay untouched for other code in the process). */
export const PG_TYPES = { getTypeParser: getTypeParser as typeof pg.types.getTypeParser };

/** Rejects what is not a postgres:// URL before pg tries to make sense of it. */
export function validateUrl(url: string, location: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new StoreError('unavailable', `The database URL ${location} is not a postgres:// URL.`, {
      retryable: false,
      data: {
        url: location,
        field: 'databaseUrl',
        fix: 'set DATABASE_URL to postgres://user:password@host:port/database, or unset it for the embedded store',
      },
    });
  }
}

/** What to do about a failed connection, by its cause. */
function fixFor(code: string | undefined, message: string): string {
  if (code === '28P01' || code === '28000') return 'check the user name and password in DATABASE_URL';
  if (code === '3D000') return 'create the database (createdb), or point DATABASE_URL at an existing one';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'check the host name in DATABASE_URL';
  if (/self[- ]signed|certificate|SSL/i.test(message)) return 'check the sslmode setting in DATABASE_URL';
  return (
    'start the PostgreSQL server (npm run services:start starts a throwaway one) or correct DATABASE_URL; ' +
    'unset DATABASE_URL to use the embedded store in .hydra/data instead'
  );
}

/** The typed error for "could not connect", naming the URL (password redacted) and the fix. */
export function connectionError(location: string, error: unknown): StoreError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message || error.name : String(error);
  const codeText = typeof code === 'string' ? code : undefined;
  const fix = fixFor(codeText, message);
  return new StoreError(
    'unavailable',
    `Cannot connect to PostgreSQL at ${location}: ${message}. Fix: ${fix}.`,
    {
      cause: error,
      data: { url: location, field: 'databaseUrl', fix },
      sqlState: codeText !== undefined && /^[0-9A-Z]{5}$/.test(codeText) ? codeText : undefined,
    },
  );
}

/**
 * Tries `create extension if not exists vector` and says precisely why vector search is unavailable when
 * it fails. Never throws for a missing extension: the store works without it (real[] fallback).
 */
export async function detectServerVector(client: pg.PoolClient): Promise<StoreCapabilities> {
  const info = await client.query<{ major: number; database: string }>(
    `select current_setting('server_version_num')::int / 10000 as major, current_database() as database`,
  );
  const major = info.rows[0]?.major ?? 0;
  const database = info.rows[0]?.database ?? '?';
  const fallback =
    'Until then embeddings are stored as real[] and searched exactly with hydra_cosine_similarity (slower).';
  try {
    await client.query('create extension if not exists vector');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    const reason =
      code === '42501'
        ? `pgvector is installed but this user may not create extensions (${message}): ask a superuser to ` +
          `run CREATE EXTENSION vector in database ${database}, or use the embedded store (unset DATABASE_URL).`
        : `pgvector is not installed on this PostgreSQL ${major} server (${message}): install it ` +
          `(Debian/Ubuntu: apt-get install postgresql-${major}-pgvector; the store enables it when next opened), ` +
          `or use the embedded store, which bundles pgvector (unset DATABASE_URL).`;
    return { vector: false, vectorUnavailableReason: `${reason} ${fallback}` };
  }
  const check = await client.query<{ visible: boolean; hnsw: boolean; version: string | null }>(
    `select to_regtype('vector') is not null as visible,
            exists (select 1 from pg_am where amname = 'hnsw') as hnsw,
            (select extversion from pg_extension where extname = 'vector') as version`,
  );
  const row = check.rows[0];
  if (!row?.visible) {
    return {
      vector: false,
      vectorUnavailableReason: `pgvector is installed in a schema that is not on this connection's search_path. ${fallback}`,
    };
  }
  if (!row.hnsw) {
    return {
      vector: false,
      vectorUnavailableReason:
        `pgvector ${row.version ?? '?'} has no HNSW index; upgrade to 0.5.0 or later ` +
        `(ALTER EXTENSION vector UPDATE after installing the new package). ${fallback}`,
    };
  }
  return { vector: true };
}
