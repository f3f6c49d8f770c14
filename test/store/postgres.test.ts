import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { openStore, PostgresStore, redactUrl, type Store } from '../../src/store/index.js';
import { runStoreConformance } from './conformance.js';
import { expectStoreError, failure } from './support.js';

/**
 * Runs the conformance suite on the PostgreSQL server in DATABASE_URL (`npm run services:start`, or
 * .ci/run, provides one). Each run works in its own schema, hydra_test_<random>, dropped afterwards.
 */
const { DATABASE_URL } = process.env;
const schema = `hydra_test_${randomBytes(4).toString('hex')}`;

if (!DATABASE_URL) {
  const why = 'skipped: DATABASE_URL not set — run npm run services:start (.ci/run sets it)';
  // The default reporter does not list skipped tests by name, so say why on stderr as well.
  console.warn(`PostgresStore conformance — ${why}`);
  describe('Store conformance: PostgresStore', () => {
    it.skip(`PostgresStore conformance — ${why}`, () => undefined);
  });
} else {
  const url = DATABASE_URL;
  const open = (): Promise<Store> => PostgresStore.open({ url, schema });
  const probe = await open();
  const { capabilities } = probe;
  await probe.close();

  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  });

  runStoreConformance(`PostgresStore (${redactUrl(url)}, schema ${schema})`, {
    kind: 'postgres',
    capabilities,
    open,
  });

  describe('PostgresStore specifics', () => {
    it('openStore() with a URL opens PostgreSQL; its tables live in the given schema', async () => {
      const store = await openStore({ databaseUrl: url, schema, dataDir: '/nonexistent/never/used' });
      try {
        expect(store.kind).toBe('postgres');
        expect(store.location).toBe(redactUrl(url));
        expect((await store.query('select current_schema() as s')).rows).toEqual([{ s: schema }]);
        expect(await store.schemaVersion('store')).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('a transaction keeps one dedicated connection; concurrent ones get different connections', async () => {
      const store = await open();
      try {
        const backends = async (): Promise<number[]> =>
          store.transaction(async (tx) => {
            const pids: number[] = [];
            for (let i = 0; i < 3; i += 1) {
              pids.push(
                (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? -1,
              );
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            return pids;
          });
        const [a, b] = await Promise.all([backends(), backends()]);
        expect(new Set(a).size).toBe(1);
        expect(new Set(b).size).toBe(1);
        expect(a[0]).not.toBe(b[0]);
      } finally {
        await store.close();
      }
    });

    it('a pool kept busy past the timeout is reported as exhausted, not as a server that is down', async () => {
      const store = await PostgresStore.open({ url, schema, poolSize: 1, connectTimeoutMs: 200 });
      try {
        const holding = store.transaction(() => new Promise((resolve) => setTimeout(resolve, 600)));
        const error = expectStoreError(await failure(store.transaction(async () => 1)), 'unavailable');
        expect(error.message).toContain('No free connection');
        expect(error.message).not.toContain('services:start');
        await holding;
      } finally {
        await store.close();
      }
    });
  });
}

describe('PostgresStore connection failures (no server needed)', () => {
  it('an unreachable server is a typed error naming the URL with the password hidden, and the fix', async () => {
    const error = expectStoreError(
      await failure(openStore({ databaseUrl: 'postgres://hydra:s3cret@127.0.0.1:1/hydra' })),
      'unavailable',
    );
    expect(error.message).toContain('postgres://hydra:***@127.0.0.1:1/hydra');
    expect(error.message).not.toContain('s3cret');
    expect(JSON.stringify(error.toJSON())).not.toContain('s3cret');
    expect(error.message).toContain('npm run services:start');
    expect(error.data).toMatchObject({ url: 'postgres://hydra:***@127.0.0.1:1/hydra', field: 'databaseUrl' });
    expect(error.retryable).toBe(true);
    expect(error.code).toBe('config_invalid');
  });

  it('a URL that is not postgres:// is refused before connecting', async () => {
    const error = expectStoreError(
      await failure(openStore({ databaseUrl: 'mysql://root:pw@localhost/db' })),
      'unavailable',
    );
    expect(error.message).toContain('not a postgres:// URL');
    expect(error.message).not.toContain(':pw@');
    expect(error.retryable).toBe(false);
  });
});
