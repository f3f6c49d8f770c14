import { InMemoryTaskTreeStore, SqlTaskTreeStore } from '../../../src/teams/recursive/index.js';
import { TEST_STORES } from '../../memory/stores.js';
import { runTaskTreeStoreConformance, type OpenedTaskTreeStore } from './store-conformance.js';

runTaskTreeStoreConformance('InMemoryTaskTreeStore', {
  open() {
    let clock = Date.now();
    return Promise.resolve({
      store: new InMemoryTaskTreeStore({ now: () => clock }),
      elapse(ms: number) {
        clock += ms;
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  },
});

// SqlTaskTreeStore on PGlite always, and on PostgreSQL (a throwaway schema) when DATABASE_URL is set.
for (const target of TEST_STORES) {
  runTaskTreeStoreConformance(`SqlTaskTreeStore on ${target.name}`, {
    async open() {
      const handle = await target.open();
      const opened: OpenedTaskTreeStore = {
        store: await SqlTaskTreeStore.open(handle.store),
        async reopen() {
          opened.store = await SqlTaskTreeStore.open(await handle.reopen());
          return opened.store;
        },
        close: () => handle.dispose(),
      };
      return opened;
    },
  });
}
