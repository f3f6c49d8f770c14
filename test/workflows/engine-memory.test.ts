import { InMemoryWorkflowStore } from '../../src/workflows/memory-store.js';
import { runEngineSuite } from './engine-suite.js';

runEngineSuite({
  name: 'the in-memory store',
  open: async () => ({ store: new InMemoryWorkflowStore(), close: async () => undefined }),
});
