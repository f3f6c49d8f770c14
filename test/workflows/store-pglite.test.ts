import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { openStore } from '../../src/store/index.js';
import { SqlWorkflowStore } from '../../src/workflows/sql-store.js';
import { runWorkflowStoreConformance, type OpenedWorkflowStore } from './store-conformance.js';

/** The SQL workflow store on embedded PGlite, in a temporary data directory. */
runWorkflowStoreConformance('SqlWorkflowStore on PGlite', {
  async open() {
    const dataDir = await mkdtemp(join(tmpdir(), 'hydra-workflows-'));
    let store = await openStore({ dataDir });
    const opened: OpenedWorkflowStore = {
      store: await SqlWorkflowStore.open(store),
      elapse: (ms) => sleep(ms),
      async reopen() {
        await store.close();
        store = await openStore({ dataDir });
        opened.store = await SqlWorkflowStore.open(store);
        return opened.store;
      },
      async close() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    return opened;
  },
});
