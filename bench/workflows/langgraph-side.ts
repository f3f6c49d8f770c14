/** LangGraph.js's side: the abc graph (and its looping variant) on MemorySaver, SqliteSaver or PostgresSaver. */
import { join } from 'node:path';

import {
  Annotation,
  END,
  MemorySaver,
  START,
  StateGraph,
  type BaseCheckpointSaver,
} from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import pg from 'pg';

import {
  fileBytes,
  INPUT,
  RELATION_BYTES,
  requireSchema,
  requireUrl,
  STEPS_PER_INVOCATION,
  type Side,
  type SideOptions,
} from './common.js';

const State = Annotation.Root({
  count: Annotation<number>({ reducer: (current, update) => current + update, default: () => 0 }),
  trail: Annotation<string[]>({ reducer: (current, update) => current.concat(update), default: () => [] }),
});

/** START -> a -> b -> c -> END; with `loopPasses`, c routes back to a until count = 3 × loopPasses. */
export function langGraph(checkpointer: BaseCheckpointSaver, loopPasses?: number) {
  const builder = new StateGraph(State)
    .addNode('a', () => ({ count: 1, trail: ['a'] }))
    .addNode('b', () => ({ count: 1, trail: ['b'] }))
    .addNode('c', () => ({ count: 1, trail: ['c'] }))
    .addEdge(START, 'a')
    .addEdge('a', 'b')
    .addEdge('b', 'c');
  if (loopPasses === undefined) builder.addEdge('c', END);
  else
    builder.addConditionalEdges(
      'c',
      (state) => (state.count < loopPasses * STEPS_PER_INVOCATION ? 'a' : END),
      ['a', END],
    );
  return builder.compile({ checkpointer });
}

/** better-sqlite3 ships no type declarations; the one call this bench makes. */
interface SqliteDb {
  pragma(source: string): unknown;
}

export async function langGraphSide(options: SideOptions): Promise<Side> {
  const durability = options.durability ?? 'sync';
  let saver: BaseCheckpointSaver;
  let bytes: () => Promise<number | undefined> = async () => undefined;
  let measures = '-';
  let close: () => Promise<void> = async () => undefined;
  if (options.backend === 'memory') {
    saver = new MemorySaver();
  } else if (options.backend === 'embedded') {
    const file = join(options.dir, 'langgraph.sqlite');
    const sqlite = SqliteSaver.fromConnString(file);
    const db = sqlite.db as unknown as SqliteDb;
    saver = sqlite;
    bytes = async () => {
      // Fold the WAL into the file (emptying it), so the file is everything the saver wrote.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return fileBytes(file) + fileBytes(`${file}-wal`);
    };
    measures = 'SQLite file + WAL (WAL checkpointed first)';
    close = async () => (sqlite.db as unknown as { close(): void }).close();
  } else {
    const url = requireUrl(options);
    const schema = requireSchema(options);
    const postgres = PostgresSaver.fromConnString(url, { schema });
    await postgres.setup();
    saver = postgres;
    const tables = ['checkpoints', 'checkpoint_blobs', 'checkpoint_writes', 'checkpoint_migrations'];
    bytes = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ bytes: number }>(RELATION_BYTES, [schema, tables]);
        return Number(rows[0]?.bytes ?? 0);
      } finally {
        await client.end();
      }
    };
    measures = 'pg_total_relation_size of its 4 tables';
    close = () => postgres.end();
  }
  const graph = langGraph(saver);
  return {
    measures,
    async invoke(index) {
      await graph.invoke(INPUT, { configurable: { thread_id: `fresh-${index}` }, durability });
    },
    async long(passes, mode) {
      const durations: number[] = [];
      const started = performance.now();
      let count = 0;
      if (mode === 'thread') {
        for (let pass = 0; pass < passes; pass++) {
          const before = performance.now();
          // No new input (an empty update): the state grows by the nodes' writes only, as in Hydra's loop.
          const state = await graph.invoke({}, { configurable: { thread_id: 'long' }, durability });
          durations.push(performance.now() - before);
          count = state.count;
        }
      } else {
        let last = started;
        const stream = await langGraph(saver, passes).stream(INPUT, {
          configurable: { thread_id: 'loop' },
          durability,
          recursionLimit: passes * STEPS_PER_INVOCATION + 10,
          streamMode: 'updates',
        });
        for await (const update of stream) {
          if (!(update as { c?: unknown }).c) continue;
          const now = performance.now();
          durations.push(now - last);
          last = now;
          count += STEPS_PER_INVOCATION;
        }
      }
      return { durations, seconds: (performance.now() - started) / 1000, count };
    },
    bytes: () => bytes(),
    close: () => close(),
  };
}
