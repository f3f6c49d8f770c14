import { MemoryService } from '../../src/memory/index.js';
import { insertPassage, searchArchival } from '../../src/memory/archival.js';
import { createModelProvider } from '../../src/models/index.js';
import { SimModelServer } from '../../src/testing/index.js';
import { passages, archivalQueries } from './corpus.js';
import { pgliteStore } from './stores.js';

const N = Number(process.argv[2] ?? 10000);
const sim = new SimModelServer({ embeddingDimensions: 64 });
const { url } = await sim.start(0);
const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, { settings: { maxRetries: 0 } });
const embedder = { embed: async (t: string[]) => (await provider.embed(t)).embeddings };
const end = new Date('2026-11-01T00:00:00Z');
const specs = passages(1, N, end);
let t = performance.now();
const embs: number[][] = [];
for (let i = 0; i < N; i += 500) embs.push(...(await embedder.embed(specs.slice(i, i + 500).map((s) => s.text))));
console.log('embed', N, performance.now() - t);
const { store, dispose } = await pgliteStore.open();
const mem = await MemoryService.open(store, { embedder });
const agent = await mem.createAgent({ name: 'a' });
t = performance.now();
for (let i = 0; i < 200; i++) await mem.insertArchival(agent.id, specs[i]!.text, specs[i]!.tags, specs[i]!.at);
console.log('api insert 200 ms', performance.now() - t);
t = performance.now();
for (let i = 200; i < N; i += 1000) {
  const t1 = performance.now();
  await store.transaction(async (tx) => {
    for (let j = i; j < Math.min(N, i + 1000); j++)
      await insertPassage(tx, store.capabilities, agent.id, specs[j]!.text, specs[j]!.tags, embs[j], specs[j]!.at);
  });
  console.log('batch', i, (performance.now() - t1).toFixed(0));
}
console.log('bulk ms', performance.now() - t);
const qs = archivalQueries(2, 50, end);
const full = await MemoryService.open(store);
for (const mode of ['hybrid', 'ft'] as const) {
  const times: number[] = [];
  for (const q of qs) {
    const s = performance.now();
    await (mode === 'hybrid' ? mem : full).searchArchival(agent.id, { query: q.query, tags: q.tags, tagMatch: q.tagMatch, start: q.start, end: q.end, topK: 10, page: 0 });
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  console.log(mode, 'p50', times[25], 'max', times.at(-1));
}
const q = qs[0]!;
const e = (await embedder.embed([q.query]))[0]!;
console.log((await store.query(`explain analyze select id from passages where agent_id = $1 and embedding_dim = $2 order by embedding::vector(64) <=> $3::vector(64) limit 20`, [agent.id, 64, `[${e.join(',')}]`])).rows.map((r: any) => r['QUERY PLAN']).join('\n'));
console.log((await store.query(`explain analyze select id, ts_rank_cd(tsv, q) as rank from passages, websearch_to_tsquery('english', $2) q where agent_id = $1 and tsv @@ q order by rank desc, created_at desc limit 20`, [agent.id, q.query])).rows.map((r: any) => r['QUERY PLAN']).join('\n'));
void searchArchival;
await dispose();
await sim.stop();
