/**
 * Archival memory: insert throughput and hybrid / full-text search latency at 10k and 100k passages of one
 * agent, through MemoryService.
 *
 * Loading: the first passages go through `MemoryService.insertArchival` (one embedding request and one
 * INSERT each: the product path, measured). The rest are loaded faster with the same `insertPassage` the
 * service calls (same table, columns, ids and embeddings), 1,000 rows per transaction, with embeddings
 * computed beforehand in batched requests to the same simulated /v1/embeddings. Beyond 10k rows the
 * pgvector HNSW index is dropped during the load and rebuilt afterwards with the service's own
 * `ensureVectorIndex` statement (one build, 59-87 s at 100k here, is quicker than maintaining the index
 * row by row at about 1 ms per passage).
 */
import { ensureVectorIndex, insertPassage } from '../../src/memory/archival.js';
import { MemoryService, type Embedder } from '../../src/memory/index.js';
import type { SqlExecutor, Store } from '../../src/store/index.js';
import { archivalQueries, passages, type ArchivalQuerySpec, type PassageSpec } from './corpus.js';
import { hasStatistics, type BenchStore } from './stores.js';
import { latency, progress, round, timeEach, type Latency } from './timing.js';

export const DIMENSIONS = 64;
const TOP_K = 10;
const API_INSERTS = 1_000;
const BATCH = 1_000;

export interface ArchivalData {
  specs: PassageSpec[];
  embeddings: number[][];
  queries: ArchivalQuerySpec[];
  warmup: ArchivalQuerySpec[];
  embedRate: number;
}

export async function prepareArchival(
  embedder: Embedder,
  count: number,
  end: Date,
  queryCount: number,
): Promise<ArchivalData> {
  const specs = passages(11, count, end);
  const embeddings: number[][] = [];
  const started = performance.now();
  for (let index = 0; index < count; index += BATCH) {
    embeddings.push(...(await embedder.embed(specs.slice(index, index + BATCH).map((spec) => spec.text))));
  }
  const seconds = (performance.now() - started) / 1000;
  progress(`embedded ${count} passages in ${seconds.toFixed(1)} s (batches of ${BATCH})`);
  return {
    specs,
    embeddings,
    queries: archivalQueries(12, queryCount, end),
    warmup: archivalQueries(13, 20, end),
    embedRate: count / seconds,
  };
}

export interface InsertRow {
  store: string;
  path: string;
  passages: number;
  seconds: number;
  'passages/s': number;
  [key: string]: string | number;
}

export interface SearchRow {
  store: string;
  passages: number;
  mode: 'hybrid' | 'full-text';
  state: string;
  queries: number;
  'p50 ms': number;
  'p99 ms': number;
  'mean ms': number;
  'max ms': number;
  /** Hybrid queries with fewer than top_k results although at least top_k passages match their filters. */
  short: number | string;
  [key: string]: string | number;
}

type State = 'as written' | typeof VACUUMED | typeof ITERATIVE;
const VACUUMED = 'after VACUUM ANALYZE';
const ITERATIVE = '+ hnsw.iterative_scan (proposed)';

export interface ArchivalResult {
  inserts: InsertRow[];
  /** systemPrompt() latency: it runs before every model call (AgentMemory.context()). */
  prompts: Array<Record<string, string | number>>;
  searches: SearchRow[];
  plans: Array<Record<string, string | number>>;
  notes: string[];
  /** ms per search, by `${mode}@${size}@${state}`. */
  latencies: Map<string, Latency>;
}

function queryOf(spec: ArchivalQuerySpec): Parameters<MemoryService['searchArchival']>[1] {
  return {
    query: spec.query,
    tags: spec.tags,
    tagMatch: spec.tagMatch,
    start: spec.start,
    end: spec.end,
    topK: TOP_K,
    page: 0,
  };
}

/** Rows matching a query's agent, tag and date filters (what the vector side may rank). */
async function filterMatches(store: Store, agentId: string, spec: ArchivalQuerySpec): Promise<number> {
  const params: unknown[] = [agentId];
  const where = ['agent_id = $1'];
  if (spec.tags) {
    params.push(spec.tags);
    where.push(
      spec.tagMatch === 'all' ? `tags @> $${params.length}::text[]` : `tags && $${params.length}::text[]`,
    );
  }
  if (spec.start) {
    params.push(spec.start.toISOString());
    where.push(`created_at >= $${params.length}`);
  }
  if (spec.end) {
    params.push(spec.end.toISOString());
    where.push(`created_at <= $${params.length}`);
  }
  const { rows } = await store.query<{ n: number }>(
    `select count(*)::int as n from passages where ${where.join(' and ')}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

async function textMatches(store: Store, agentId: string, spec: ArchivalQuerySpec): Promise<number> {
  const { rows } = await store.query<{ n: number }>(
    `select count(*)::int as n from passages where agent_id = $1 and tsv @@ websearch_to_tsquery('english', $2)`,
    [agentId, spec.query],
  );
  return rows[0]?.n ?? 0;
}

/** The scan nodes PostgreSQL chose for the product's two archival queries (first query, no filters). */
async function plans(
  store: Store,
  agentId: string,
  spec: ArchivalQuerySpec,
  embedding: number[],
): Promise<{ vector: string; text: string }> {
  const summary = (rows: Array<Record<string, unknown>>): string => {
    const lines = rows.map((row) => String(row['QUERY PLAN'] ?? ''));
    const nodes = lines
      .map(
        (line) =>
          /(Index Scan using \S+|Index Only Scan using \S+|Bitmap Index Scan on \S+|Seq Scan on \S+|Sort)/.exec(
            line,
          )?.[1],
      )
      .filter((node): node is string => node !== undefined);
    const time = lines.map((line) => /Execution Time: ([\d.]+) ms/.exec(line)?.[1]).find(Boolean);
    return `${[...new Set(nodes)].join(' > ')} (${time ?? '?'} ms)`;
  };
  const caps = store.capabilities;
  const vectorParam = caps.vector ? `[${embedding.join(',')}]` : embedding;
  const distance = caps.vector
    ? `embedding::vector(${DIMENSIONS}) <=> $3::vector(${DIMENSIONS})`
    : `-hydra_cosine_similarity(embedding, $3::real[])`;
  const vector = await store.query<Record<string, unknown>>(
    `explain analyze select id, agent_id, text, tags, created_at from passages
     where agent_id = $1 and embedding_dim = $2 order by ${distance} limit 20`,
    [agentId, DIMENSIONS, vectorParam],
  );
  const text = await store.query<Record<string, unknown>>(
    `explain analyze select id, agent_id, text, tags, created_at, ts_rank_cd(tsv, q) as rank
     from passages, websearch_to_tsquery('english', $2) q
     where agent_id = $1 and tsv @@ q order by rank desc, created_at desc limit 20`,
    [agentId, spec.query],
  );
  return { vector: summary(vector.rows), text: summary(text.rows) };
}

async function bulkInsert(
  store: Store,
  agentId: string,
  data: ArchivalData,
  from: number,
  to: number,
): Promise<void> {
  for (let index = from; index < to; index += BATCH) {
    await store.transaction(async (tx) => {
      for (let row = index; row < Math.min(to, index + BATCH); row++) {
        const spec = data.specs[row] as PassageSpec;
        await insertPassage(
          tx,
          store.capabilities,
          agentId,
          spec.text,
          spec.tags,
          data.embeddings[row],
          spec.at,
        );
      }
    });
  }
}

/** A fresh executor object, so `ensureVectorIndex` (which remembers indexes per executor) issues its SQL. */
const freshExecutor = (store: Store): SqlExecutor => ({
  query: (sql, params) => store.query(sql, params),
  exec: (sql) => store.exec(sql),
});

export async function runArchival(
  bench: BenchStore,
  data: ArchivalData,
  embedder: Embedder,
  sizes: readonly number[],
  /** How many of the queries to time in hybrid mode at a size (all when undefined). */
  hybridSample: (size: number) => number | undefined,
): Promise<ArchivalResult> {
  const result: ArchivalResult = {
    inserts: [],
    prompts: [],
    searches: [],
    plans: [],
    notes: [],
    latencies: new Map(),
  };
  const opened = await bench.open();
  const { store } = opened;
  try {
    const hybrid = await MemoryService.open(store, { embedder });
    const fullText = await MemoryService.open(store);
    const agent = await hybrid.createAgent({ name: 'archivist' });
    let loaded = 0;
    const largest = sizes.at(-1) ?? 0;

    for (const size of sizes) {
      // ---- load up to `size`
      if (loaded === 0) {
        const apiCount = Math.min(API_INSERTS, size);
        progress(`${bench.name}: ${apiCount} passages through MemoryService.insertArchival`);
        const started = performance.now();
        for (let row = 0; row < apiCount; row++) {
          const spec = data.specs[row] as PassageSpec;
          await hybrid.insertArchival(agent.id, spec.text, spec.tags, spec.at);
        }
        const seconds = (performance.now() - started) / 1000;
        result.inserts.push({
          store: bench.name,
          path: 'MemoryService.insertArchival (1 embedding request + 1 INSERT each)',
          passages: apiCount,
          seconds: round(seconds),
          'passages/s': Math.round(apiCount / seconds),
          'of which index build s': '-',
          'rows/s before index build': '-',
        });
        loaded = apiCount;
      }
      if (loaded < size) {
        const rebuild = store.capabilities.vector && size > 10_000;
        progress(
          `${bench.name}: bulk-loading passages ${loaded}..${size}${rebuild ? ' (HNSW index rebuilt after)' : ''}`,
        );
        if (rebuild) await store.query(`drop index if exists passages_embedding_hnsw_${DIMENSIONS}`);
        const started = performance.now();
        await bulkInsert(store, agent.id, data, loaded, size);
        const seconds = (performance.now() - started) / 1000;
        let indexSeconds = 0;
        if (rebuild) {
          const indexStarted = performance.now();
          await ensureVectorIndex(freshExecutor(store), store.capabilities, DIMENSIONS);
          indexSeconds = (performance.now() - indexStarted) / 1000;
          progress(`${bench.name}: HNSW index over ${size} passages built in ${indexSeconds.toFixed(1)} s`);
        }
        result.inserts.push({
          store: bench.name,
          path: rebuild
            ? 'bulk insertPassage, 1,000/transaction, HNSW index dropped; then rebuilt'
            : `bulk insertPassage, 1,000/transaction, ${store.capabilities.vector ? 'HNSW index maintained' : 'real[] (no vector index)'}`,
          passages: size - loaded,
          seconds: round(seconds + indexSeconds),
          'passages/s': Math.round((size - loaded) / (seconds + indexSeconds)),
          'of which index build s': rebuild ? round(indexSeconds) : '-',
          'rows/s before index build': rebuild ? Math.round((size - loaded) / seconds) : '-',
        });
        loaded = size;
      }

      // ---- search at `size`
      // The proposed-fix states run at the largest size only, so the smaller sizes stay as the product
      // leaves them. The iterative-scan state needs pgvector and one connection for a session SET (PGlite).
      const states: State[] =
        size !== largest
          ? ['as written']
          : store.capabilities.vector && store.kind === 'pglite'
            ? ['as written', VACUUMED, ITERATIVE]
            : ['as written', VACUUMED];
      const filterCounts = await Promise.all(
        data.queries.map((spec) => filterMatches(store, agent.id, spec)),
      );
      for (const state of states) {
        if (state === VACUUMED) {
          const started = performance.now();
          await store.exec('vacuum analyze passages');
          result.notes.push(
            `${bench.name} @${size}: VACUUM ANALYZE passages took ${round(performance.now() - started, 0)} ms`,
          );
        }
        if (state === ITERATIVE) await store.query('set hnsw.iterative_scan = strict_order');
        if (state === 'as written')
          result.notes.push(
            `${bench.name} @${size} as written: planner statistics for passages ${(await hasStatistics(store, 'passages')) ? 'present (autovacuum analyzed it)' : 'absent (never analyzed)'}`,
          );
        const sample = hybridSample(size);
        for (const mode of state === ITERATIVE ? (['hybrid'] as const) : (['hybrid', 'full-text'] as const)) {
          const service = mode === 'hybrid' ? hybrid : fullText;
          const queries =
            mode === 'hybrid' && sample !== undefined ? data.queries.slice(0, sample) : data.queries;
          progress(`${bench.name} @${size} ${state}: ${queries.length} ${mode} searches`);
          const warmup = mode === 'hybrid' && sample !== undefined ? data.warmup.slice(0, 1) : data.warmup;
          for (const spec of warmup) await service.searchArchival(agent.id, queryOf(spec));
          const counts: number[] = [];
          const durations = await timeEach(queries, async (spec) => {
            counts.push((await service.searchArchival(agent.id, queryOf(spec))).results.length);
          });
          const short = counts.filter(
            (count, index) => count < TOP_K && (filterCounts[index] ?? 0) >= TOP_K,
          ).length;
          const stats = latency(durations);
          const byKind = (['text', 'tags', 'dates', 'tags+dates'] as const).map((kind) => {
            const own = durations.filter((_, index) => queries[index]?.kind === kind);
            return own.length > 0 ? latency(own).p50.toFixed(1) : '-';
          });
          result.latencies.set(`${mode}@${size}@${state}`, stats);
          result.searches.push({
            store: bench.name,
            passages: size,
            mode,
            state,
            queries: stats.n,
            'p50 ms': round(stats.p50),
            'p99 ms': round(stats.p99),
            'mean ms': round(stats.mean),
            'max ms': round(stats.max),
            short: mode === 'hybrid' ? short : '-',
            'p50 none/tags/dates/both': byKind.join(' / '),
          });
        }
        if (state === ITERATIVE) {
          await store.query('reset hnsw.iterative_scan');
          continue;
        }
        const first = data.queries[0] as ArchivalQuerySpec;
        const firstEmbedding = (await embedder.embed([first.query]))[0] ?? [];
        const plan = await plans(store, agent.id, first, firstEmbedding);
        result.plans.push({
          store: bench.name,
          passages: size,
          state,
          'vector side': plan.vector,
          'text side': plan.text,
        });
        const prompt = latency(await timeEach(Array.from({ length: 30 }), () => hybrid.systemPrompt(agent)));
        result.prompts.push({
          store: bench.name,
          memory: `${size} passages`,
          state,
          'systemPrompt() p50 ms': round(prompt.p50),
          'p99 ms': round(prompt.p99),
        });
      }
      if (bench.name === 'pglite') {
        const matches = (
          await Promise.all(data.queries.map((spec) => textMatches(store, agent.id, spec)))
        ).sort((a, b) => a - b);
        result.notes.push(
          `@${size}: full-text matches per query (before filters): median ${matches[matches.length >> 1]}, ` +
            `p90 ${matches[Math.floor(matches.length * 0.9)]}, max ${matches.at(-1)}, zero for ${matches.filter((n) => n === 0).length}/${matches.length}`,
        );
      }
    }
    return result;
  } finally {
    await opened.dispose();
  }
}

/** p50 of embedding one query through the provider (part of every hybrid search). */
export async function queryEmbedLatency(
  embedder: Embedder,
  queries: readonly ArchivalQuerySpec[],
): Promise<Latency> {
  for (const spec of queries.slice(0, 10)) await embedder.embed([spec.query]);
  return latency(await timeEach(queries, (spec) => embedder.embed([spec.query])));
}
