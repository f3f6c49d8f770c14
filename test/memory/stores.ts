import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { openStore, type Store } from '../../src/store/index.js';

/** A store a memory test runs on, opened fresh, and how to throw it away. */
export interface TestStore {
  name: string;
  open(): Promise<{ store: Store; dispose(): Promise<void>; reopen(): Promise<Store> }>;
}

const pglite: TestStore = {
  name: 'PGlite (embedded)',
  async open() {
    const dataDir = await mkdtemp(join(tmpdir(), 'hydra-memory-'));
    let store = await openStore({ dataDir });
    return {
      store,
      async reopen() {
        await store.close();
        store = await openStore({ dataDir });
        return store;
      },
      async dispose() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(url: string): TestStore {
  return {
    name: 'PostgreSQL server',
    async open() {
      const schema = `hydra_memory_${randomBytes(4).toString('hex')}`;
      let store = await openStore({ databaseUrl: url, schema });
      return {
        store,
        async reopen() {
          await store.close();
          store = await openStore({ databaseUrl: url, schema });
          return store;
        },
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

/** Every store the memory suite runs on: always the embedded one, and the server when DATABASE_URL is set. */
export const TEST_STORES: TestStore[] = [
  pglite,
  ...(process.env['DATABASE_URL'] ? [postgres(process.env['DATABASE_URL'])] : []),
];

if (!process.env['DATABASE_URL']) {
  console.warn(
    'memory suite on PostgreSQL — skipped: DATABASE_URL not set — run npm run services:start (.ci/run sets it)',
  );
}
