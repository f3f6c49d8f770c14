/**
 * The two stores the memory benchmark runs on: the embedded default (PGlite in a fresh temporary data
 * directory) and a PostgreSQL server (DATABASE_URL, or a throwaway one from scripts/services.mjs), each
 * bench case in its own fresh database or schema.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { openStore, type Store } from '../../src/store/index.js';

export { postgresServer, type ServerChoice } from '../lib/services.js';

export interface BenchStore {
  /** `pglite` or `postgres`, the column label in the tables. */
  name: 'pglite' | 'postgres';
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

export const pgliteStore: BenchStore = {
  name: 'pglite',
  async open() {
    const dataDir = await mkdtemp(join(tmpdir(), 'hydra-bench-memory-'));
    const store = await openStore({ dataDir });
    return {
      store,
      async dispose() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export function postgresStore(url: string): BenchStore {
  return {
    name: 'postgres',
    async open() {
      const schema = `hydra_bench_${randomBytes(4).toString('hex')}`;
      const store = await openStore({ databaseUrl: url, schema });
      return {
        store,
        async dispose() {
          await store.close();
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
        },
      };
    },
  };
}

export async function hasStatistics(store: Store, table: string): Promise<boolean> {
  const { rows } = await store.query<{ n: number }>(
    `select count(*)::int as n from pg_stats where tablename = $1 and schemaname = current_schema()`,
    [table],
  );
  return (rows[0]?.n ?? 0) > 0;
}
