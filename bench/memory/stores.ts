/**
 * The two stores the memory benchmark runs on: the embedded default (PGlite in a fresh temporary data
 * directory) and a PostgreSQL server (DATABASE_URL, or a throwaway one from scripts/services.mjs), each
 * bench case in its own fresh database or schema.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { openStore, type Store } from '../../src/store/index.js';

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

const SERVICES = fileURLToPath(new URL('../../scripts/services.mjs', import.meta.url));

function services(
  command: 'start' | 'stop' | 'env',
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [SERVICES, command],
      { encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => done({ ok: !error, stdout, stderr }),
    );
  });
}

export interface ServerChoice {
  url?: string;
  /** Where the URL came from, or why there is none. */
  note: string;
  /** Stops the throwaway server if this run started it. */
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; else the throwaway servers of scripts/services.mjs (reused when already running,
 * started otherwise — and then stopped again by `release`).
 */
export async function postgresServer(): Promise<ServerChoice> {
  const noop = async (): Promise<void> => undefined;
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return { url: fromEnv, note: 'DATABASE_URL', release: noop };
  const running = await services('env');
  const parse = (stdout: string): string | undefined =>
    /^DATABASE_URL=(.+)$/m.exec(stdout)?.[1]?.trim() || undefined;
  const existing = running.ok ? parse(running.stdout) : undefined;
  if (existing) return { url: existing, note: 'scripts/services.mjs (already running)', release: noop };
  const started = await services('start');
  const url = parse(started.stdout);
  if (!url) {
    const reason = started.stderr.trim().split('\n').slice(-3).join(' ') || 'no DATABASE_URL printed';
    return { note: `could not start PostgreSQL with scripts/services.mjs: ${reason}`, release: noop };
  }
  return {
    url,
    note: 'scripts/services.mjs (started for this run, stopped after)',
    async release() {
      await services('stop');
    },
  };
}

/** Whether the planner has column statistics for a table (ANALYZE, or autovacuum's, ever ran on it). */
export async function hasStatistics(store: Store, table: string): Promise<boolean> {
  const { rows } = await store.query<{ n: number }>(
    `select count(*)::int as n from pg_stats where tablename = $1 and schemaname = current_schema()`,
    [table],
  );
  return (rows[0]?.n ?? 0) > 0;
}
