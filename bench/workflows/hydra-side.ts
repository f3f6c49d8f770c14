/** Hydra's side: the abc graph (and its looping variant) on the in-memory store or SqlWorkflowStore. */
import { join } from 'node:path';

import { z } from 'zod';

import { openStore, type Store } from '../../src/store/index.js';
import {
  END,
  Graph,
  InMemoryWorkflowStore,
  reducers,
  SqlWorkflowStore,
  START,
  WorkflowEngine,
  type WorkflowStore,
} from '../../src/workflows/index.js';
import {
  INPUT,
  RELATION_BYTES,
  requireSchema,
  requireUrl,
  STEPS_PER_INVOCATION,
  type Side,
  type SideOptions,
} from './common.js';

const schema = z.object({
  count: z.number().default(0),
  trail: z.array(z.string()).default([]),
});

/** Graph `abc`: START -> a -> b -> c -> END; or `loop`, where c routes back to a for `loopPasses` passes. */
export function hydraGraph(loopPasses?: number) {
  const graph = new Graph(loopPasses === undefined ? 'abc' : 'loop', schema, {
    count: reducers.sum(),
    trail: reducers.append<string>(),
  })
    .node('a', () => ({ count: 1, trail: ['a'] }))
    .node('b', () => ({ count: 1, trail: ['b'] }))
    .node('c', () => ({ count: 1, trail: ['c'] }))
    .edge(START, 'a')
    .edge('a', 'b')
    .edge('b', 'c');
  if (loopPasses === undefined) return graph.edge('c', END).compile();
  const steps = loopPasses * STEPS_PER_INVOCATION;
  return graph
    .route('c', (state) => (state.count < steps ? 'a' : END))
    .compile({ recursionLimit: steps + 1 });
}

const TABLES = ['workflow_runs', 'workflow_steps', 'workflow_writes', 'workflow_approvals'];

export async function hydraSide(options: SideOptions): Promise<Side> {
  let store: WorkflowStore;
  let sql: Store | undefined;
  if (options.backend === 'memory') {
    store = new InMemoryWorkflowStore();
  } else {
    sql =
      options.backend === 'embedded'
        ? await openStore({ dataDir: join(options.dir, 'pglite') })
        : await openStore({ databaseUrl: requireUrl(options), schema: requireSchema(options) });
    store = await SqlWorkflowStore.open(sql);
  }
  const engine = new WorkflowEngine({ store });
  engine.register(hydraGraph());
  return {
    measures: sql ? 'pg_total_relation_size of its 4 tables' : '-',
    async invoke() {
      const result = await engine.run('abc', INPUT);
      if (result.status !== 'done') throw new Error(`Hydra run ended ${result.status}`);
    },
    async long(passes) {
      engine.register(hydraGraph(passes));
      const durations: number[] = [];
      let last = 0;
      const off = engine.on((event) => {
        if (event.type !== 'step-finished' || event.step % STEPS_PER_INVOCATION !== 0) return;
        const now = performance.now();
        durations.push(now - last);
        last = now;
      });
      const started = performance.now();
      last = started;
      const result = await engine.run('loop', INPUT);
      const seconds = (performance.now() - started) / 1000;
      off();
      if (result.status !== 'done') throw new Error(`Hydra loop ended ${result.status}`);
      return {
        durations,
        seconds,
        rowBytes: await store.storedBytes?.(result.runId),
        count: result.state['count'] as number,
      };
    },
    async bytes() {
      if (!sql) return undefined;
      // PGlite runs VACUUM (ANALYZE) by itself after enough changed rows: let a running one finish first.
      await (sql as { maintenanceIdle?: () => Promise<void> }).maintenanceIdle?.();
      const where = sql.kind === 'postgres' ? requireSchema(options) : 'public';
      const { rows } = await sql.query<{ bytes: number }>(RELATION_BYTES, [where, TABLES]);
      return Number(rows[0]?.bytes ?? 0);
    },
    async close() {
      await engine.close();
      await sql?.close();
    },
  };
}
