import { MemorySaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { statSync, rmSync } from 'node:fs';
import { langGraph, hydraGraph, INPUT } from './graphs.js';
import { WorkflowEngine, InMemoryWorkflowStore, SqlWorkflowStore } from '../../src/workflows/index.js';
import { openStore } from '../../src/store/index.js';

const N = 1000;
async function time(label: string, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 100; i++) await fn(-i - 1);
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  const s = (performance.now() - t) / 1000;
  console.log(label, (N * 3 / s).toFixed(0), 'steps/s');
}
const mode = process.argv[2];
if (mode === 'lgmem') {
  const g = langGraph(new MemorySaver());
  await time('lg mem sync', (i) => g.invoke(INPUT, { configurable: { thread_id: `t${i}` }, durability: 'sync' }));
}
if (mode === 'lgsqlite') {
  rmSync('/tmp/wfb/lg.db', { force: true });
  const g = langGraph(SqliteSaver.fromConnString('/tmp/wfb/lg.db'));
  await time('lg sqlite sync', (i) => g.invoke(INPUT, { configurable: { thread_id: `t${i}` }, durability: 'sync' }));
  console.log(statSync('/tmp/wfb/lg.db').size);
  const r = await g.invoke({}, { configurable: { thread_id: 'x' }, durability: 'sync' });
  console.log(r);
}
if (mode === 'hmem') {
  const e = new WorkflowEngine({ store: new InMemoryWorkflowStore() }).register(hydraGraph());
  await time('hydra mem', (i) => e.run('abc', INPUT));
  console.log(await e.run('abc', INPUT));
}
if (mode === 'hpglite') {
  rmSync('/tmp/wfb/pgl', { force: true, recursive: true });
  const store = await openStore({ dataDir: '/tmp/wfb/pgl' });
  const e = new WorkflowEngine({ store: await SqlWorkflowStore.open(store) }).register(hydraGraph());
  await time('hydra pglite', (i) => e.run('abc', INPUT));
  await store.close();
}
