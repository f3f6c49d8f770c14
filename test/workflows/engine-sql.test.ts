import { SqlWorkflowStore } from '../../src/workflows/sql-store.js';
import { TEST_STORES } from '../memory/stores.js';
import { runEngineSuite } from './engine-suite.js';

for (const testStore of TEST_STORES) {
  runEngineSuite({
    name: testStore.name,
    open: async () => {
      const opened = await testStore.open();
      return { store: await SqlWorkflowStore.open(opened.store), close: () => opened.dispose() };
    },
  });
}
