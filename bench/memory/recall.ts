/**
 * Recall memory (conversation_search): 100k messages of one agent written through
 * `MemoryService.appendMessages` (1,000 per call, each call one transaction, not added to the context
 * window), then `searchRecall` with a query, a role filter and a date range, as the conversation_search
 * tool issues it (limit 5, first page).
 */
import { MemoryService } from '../../src/memory/index.js';
import type { AppendableMessage } from '../../src/memory/index.js';
import { ConversationGenerator, DAY_MS, recallQueries, type RecallQuerySpec } from './corpus.js';
import { hasStatistics, type BenchStore } from './stores.js';
import { latency, progress, round, timeEach, type Latency } from './timing.js';

const BATCH = 1_000;
const LIMIT = 5;

export interface RecallData {
  messages: AppendableMessage[];
  queries: RecallQuerySpec[];
  warmup: RecallQuerySpec[];
}

/** `count` messages in conversation turns, spread evenly over the 180 days before `end`. */
export function prepareRecall(count: number, end: Date, queryCount: number): RecallData {
  const generator = new ConversationGenerator(21);
  const messages: AppendableMessage[] = [];
  let serial = 0;
  while (messages.length < count) messages.push(...generator.turn(() => `[r${++serial}]`));
  messages.length = count;
  // A turn cut at the end may leave an assistant tool call without its result: harmless for recall.
  const first = new Date(end.getTime() - 180 * DAY_MS);
  messages.forEach((message, index) => {
    message.createdAt = new Date(first.getTime() + ((end.getTime() - first.getTime()) * index) / count);
  });
  return {
    messages,
    queries: recallQueries(22, queryCount, first, end),
    warmup: recallQueries(23, 20, first, end),
  };
}

export interface RecallRow {
  store: string;
  messages: number;
  search: string;
  state: string;
  queries: number;
  'p50 ms': number;
  'p99 ms': number;
  'mean ms': number;
  'max ms': number;
  'median total': number;
  [key: string]: string | number;
}

export interface RecallResult {
  insert: Record<string, string | number>;
  searches: RecallRow[];
  latencies: Map<string, Latency>;
  plans: Array<Record<string, string | number>>;
  prompts: Array<Record<string, string | number>>;
  notes: string[];
}

type Variant = {
  name: string;
  query: (spec: RecallQuerySpec) => Parameters<MemoryService['searchRecall']>[1];
};

const VARIANTS: Variant[] = [
  {
    name: 'query + role + dates',
    query: (spec) => ({
      query: spec.query,
      roles: spec.roles,
      start: spec.start,
      end: spec.end,
      limit: LIMIT,
      page: 0,
    }),
  },
  { name: 'query only', query: (spec) => ({ query: spec.query, limit: LIMIT, page: 0 }) },
  {
    name: 'role + dates, no query',
    query: (spec) => ({ roles: spec.roles, start: spec.start, end: spec.end, limit: LIMIT, page: 0 }),
  },
];

export async function runRecall(bench: BenchStore, data: RecallData): Promise<RecallResult> {
  const opened = await bench.open();
  const { store } = opened;
  try {
    const memory = await MemoryService.open(store);
    const agent = await memory.createAgent({ name: 'talker' });
    progress(
      `${bench.name}: appending ${data.messages.length} messages through MemoryService.appendMessages`,
    );
    const started = performance.now();
    for (let index = 0; index < data.messages.length; index += BATCH) {
      await memory.appendMessages(agent.id, data.messages.slice(index, index + BATCH), { inContext: false });
    }
    const seconds = (performance.now() - started) / 1000;
    const count = await memory.recallCount(agent.id);
    const insert = {
      store: bench.name,
      path: `MemoryService.appendMessages, ${BATCH}/call`,
      messages: count,
      seconds: round(seconds),
      'messages/s': Math.round(data.messages.length / seconds),
    };
    const result: RecallResult = {
      insert,
      searches: [],
      latencies: new Map(),
      plans: [],
      prompts: [],
      notes: [],
    };
    result.notes.push(
      `${bench.name} recall @${count} as written: planner statistics for messages ${(await hasStatistics(store, 'messages')) ? 'present (autovacuum analyzed it)' : 'absent (never analyzed)'}`,
    );
    for (const state of ['as written', 'after VACUUM ANALYZE']) {
      if (state !== 'as written') await store.exec('vacuum analyze messages');
      for (const variant of VARIANTS) {
        progress(`${bench.name} recall @${count} ${state}: ${data.queries.length} × ${variant.name}`);
        for (const spec of data.warmup) await memory.searchRecall(agent.id, variant.query(spec));
        const totals: number[] = [];
        const durations = await timeEach(data.queries, async (spec) => {
          totals.push((await memory.searchRecall(agent.id, variant.query(spec))).total);
        });
        totals.sort((a, b) => a - b);
        const stats = latency(durations);
        result.latencies.set(`${variant.name}@${state}`, stats);
        result.searches.push({
          store: bench.name,
          messages: count,
          search: variant.name,
          state,
          queries: stats.n,
          'p50 ms': round(stats.p50),
          'p99 ms': round(stats.p99),
          'mean ms': round(stats.mean),
          'max ms': round(stats.max),
          'median total': totals[totals.length >> 1] ?? 0,
        });
      }
      const spec = data.queries[0] as RecallQuerySpec;
      const { rows } = await store.query<Record<string, unknown>>(
        `explain analyze select count(*) as total from messages m where m.agent_id = $1
         and m.tsv @@ websearch_to_tsquery('english', $2) and m.role = any($3::text[])
         and m.created_at >= $4 and m.created_at <= $5`,
        [agent.id, spec.query, spec.roles, spec.start.toISOString(), spec.end.toISOString()],
      );
      const lines = rows.map((row) => String(row['QUERY PLAN'] ?? ''));
      const nodes = lines
        .map(
          (line) =>
            /(Index Scan using \S+|Bitmap Index Scan on \S+|Seq Scan on \S+|BitmapAnd)/.exec(line)?.[1],
        )
        .filter((node): node is string => node !== undefined);
      const time = lines.map((line) => /Execution Time: ([\d.]+) ms/.exec(line)?.[1]).find(Boolean);
      result.plans.push({
        store: bench.name,
        state,
        'count(*) with query + role + dates': `${nodes.join(', ')} (${time} ms)`,
      });
      const prompt = latency(await timeEach(Array.from({ length: 30 }), () => memory.systemPrompt(agent)));
      result.prompts.push({
        store: bench.name,
        memory: `${count} messages`,
        state,
        'systemPrompt() p50 ms': round(prompt.p50),
        'p99 ms': round(prompt.p99),
      });
    }
    return result;
  } finally {
    await opened.dispose();
  }
}
