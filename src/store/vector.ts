import { StoreError } from './errors.js';
import type { Migration, StoreCapabilities } from './types.js';

/**
 * Embedding helpers that work whether or not the database has pgvector. With pgvector, embeddings are
 * `vector` columns searched with `<=>` and HNSW indexes; without it they are `real[]` columns searched
 * with `hydra_cosine_similarity` (an exact scan: correct, slower on large tables). Same ranking either way.
 */

function invalid(message: string, data: Record<string, unknown> = {}): StoreError {
  return new StoreError('invalid_input', message, { data });
}

/** pgvector's text form, e.g. `[1,2,3]`; pass it as the parameter for a `vector` column. */
export function toVectorLiteral(values: readonly number[]): string {
  if (values.length === 0) throw invalid('A vector needs at least one dimension.');
  values.forEach((value, index) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(`Vector component ${index} is not a finite number: ${String(value)}.`, { index });
    }
  });
  return `[${values.join(',')}]`;
}

/** Reads a `vector` column back (both drivers return pgvector's text form, `[1,2,3]`). */
export function parseVectorLiteral(text: string): number[] {
  const body = text.trim();
  if (!body.startsWith('[') || !body.endsWith(']'))
    throw invalid(`Not a vector literal: ${body.slice(0, 40)}`);
  const inner = body.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const value = Number(part);
    if (!Number.isFinite(value)) throw invalid(`Not a vector literal: ${body.slice(0, 40)}`);
    return value;
  });
}

/** The column type for embeddings: `vector(dims)` (or dimensionless `vector`) with pgvector, else `real[]`. */
export function vectorColumnType(capabilities: StoreCapabilities, dims?: number): string {
  if (!capabilities.vector) return 'real[]';
  if (dims === undefined) return 'vector';
  if (!Number.isSafeInteger(dims) || dims < 1)
    throw invalid(`Vector dimensions must be a positive integer: ${dims}`);
  return `vector(${dims})`;
}

/** The query parameter for an embedding: the vector literal with pgvector, else the array (sent as real[]). */
export function vectorParam(capabilities: StoreCapabilities, values: readonly number[]): string | number[] {
  const literal = toVectorLiteral(values); // validates in both cases
  return capabilities.vector ? literal : [...values];
}

const PLACEHOLDER = /^\$[1-9][0-9]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * SQL for the cosine distance between the embedding expression `column` (trusted SQL, e.g. `embedding`)
 * and the parameter `placeholder` (e.g. `$2`, bound with `vectorParam`): 0 = same direction, 2 = opposite.
 * `order by <it> limit k` gives the k nearest. A zero vector has no direction: pgvector yields NaN, the
 * fallback NULL; both sort last.
 */
export function cosineDistanceSql(
  capabilities: StoreCapabilities,
  column: string,
  placeholder: string,
): string {
  if (!PLACEHOLDER.test(placeholder)) throw invalid(`Not a query placeholder: ${placeholder}`);
  return capabilities.vector
    ? `(${column} <=> ${placeholder}::vector)`
    : `(1 - hydra_cosine_similarity(${column}, ${placeholder}::real[]))`;
}

/**
 * `create index if not exists` for cosine nearest-neighbour search on a `vector(dims)` column (HNSW), or
 * undefined without pgvector: a `real[]` column cannot be indexed for similarity, so searches scan.
 */
export function vectorIndexSql(
  capabilities: StoreCapabilities,
  target: { table: string; column: string; name?: string },
): string | undefined {
  if (!capabilities.vector) return undefined;
  const name = target.name ?? `${target.table.replace('.', '_')}_${target.column}_hnsw`;
  for (const identifier of [target.table, target.column, name]) {
    if (!IDENTIFIER.test(identifier)) throw invalid(`Not a plain SQL identifier: ${identifier}`);
  }
  return `create index if not exists ${name} on ${target.table} using hnsw (${target.column} vector_cosine_ops)`;
}

/**
 * The store's own migrations (component 'store'), applied first by every `migrate()` call.
 * v1: `hydra_cosine_similarity(real[], real[])`, the fallback for servers without pgvector — also created
 * where pgvector exists, so the same SQL runs everywhere. Computes in double precision; different lengths
 * raise SQLSTATE 22000 (as pgvector does); a zero vector gives NULL.
 */
export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    component: 'store',
    version: 1,
    description: 'hydra_cosine_similarity(real[], real[]) for embeddings without pgvector',
    async up(tx) {
      await tx.query(`
        create or replace function hydra_cosine_similarity(a real[], b real[]) returns double precision
        language plpgsql immutable strict parallel safe as $body$
        declare
          dot double precision;
          norm_a double precision;
          norm_b double precision;
        begin
          if cardinality(a) <> cardinality(b) then
            raise exception 'hydra_cosine_similarity: different dimensions (% and %)', cardinality(a), cardinality(b)
              using errcode = '22000';
          end if;
          select sum(x * y), sum(x * x), sum(y * y) into dot, norm_a, norm_b
            from unnest(a::double precision[], b::double precision[]) as t(x, y);
          if norm_a is null or norm_a = 0 or norm_b = 0 then
            return null;
          end if;
          return dot / sqrt(norm_a * norm_b);
        end
        $body$`);
    },
  },
];
