import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';
import { describe, it } from 'vitest';

import { openStore, redactUrl } from '../../src/store/index.js';
import { SqlWorkflowStore } from '../../src/workflows/sql-store.js';
import { uniqueSuffix } from './store-support.js';
import { runWorkflowStoreConformance, type OpenedWorkflowStore } from './store-conformance.js';

/**
 * The SQL workflow store on the PostgreSQL server in DATABASE_URL (`npm run services:start`, or .ci/run,
 * provides one), in a fresh schema hydra_workflows_<random>, dropped afterwards.
 */
const { DATABASE_URL } = process.env;

if (!DATABASE_URL) {
  const why = 'skipped: DATABASE_URL not set — run npm run services:start (.ci/run sets it)';
  console.warn(`SqlWorkflowStore on PostgreSQL — ${why}`);
  describe('WorkflowStore conformance: SqlWorkflowStore on PostgreSQL', () => {
    it.skip(`SqlWorkflowStore on PostgreSQL — ${why}`, () => undefined);
  });
} else {
  const url = DATABASE_URL;
  const schema = `hydra_workflows_${uniqueSuffix()}`;
  runWorkflowStoreConformance(`SqlWorkflowStore on PostgreSQL (${redactUrl(url)}, schema ${schema})`, {
    async open() {
      let store = await openStore({ databaseUrl: url, schema });
      const opened: OpenedWorkflowStore = {
        store: await SqlWorkflowStore.open(store),
        elapse: (ms) => sleep(ms),
        async reopen() {
          await store.close();
          store = await openStore({ databaseUrl: url, schema });
          opened.store = await SqlWorkflowStore.open(store);
          return opened.store;
        },
        async close() {
          await store.close();
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
        },
      };
      return opened;
    },
  });
}
