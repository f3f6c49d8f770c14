/**
 * The same graph on both sides: START -> a -> b -> c -> END, each node returning `{ count: 1, trail: [name] }`
 * into a counter (sum) and a trail (append). The `loop` variants route c back to a until the counter reaches
 * `LOOP_PASSES * 3`: one run (Hydra) or one invocation (LangGraph) holding the state of LOOP_PASSES passes.
 */
import { Annotation, END as LG_END, START as LG_START, StateGraph } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { z } from 'zod';

import { END, Graph, reducers, START } from '../../src/workflows/index.js';

export const NODES = ['a', 'b', 'c'] as const;
/** Node executions per invocation (the unit of node-steps/s). */
export const STEPS_PER_INVOCATION = NODES.length;

const LgState = Annotation.Root({
  count: Annotation<number>({ reducer: (current, update) => current + update, default: () => 0 }),
  trail: Annotation<string[]>({ reducer: (current, update) => current.concat(update), default: () => [] }),
});

/** LangGraph: `checkpointer` may be undefined (no persistence); `loopPasses` adds the router c -> a. */
export function langGraph(checkpointer: BaseCheckpointSaver | undefined, loopPasses?: number) {
  const builder = new StateGraph(LgState)
    .addNode('a', () => ({ count: 1, trail: ['a'] }))
    .addNode('b', () => ({ count: 1, trail: ['b'] }))
    .addNode('c', () => ({ count: 1, trail: ['c'] }))
    .addEdge(LG_START, 'a')
    .addEdge('a', 'b')
    .addEdge('b', 'c');
  if (loopPasses === undefined) builder.addEdge('c', LG_END);
  else
    builder.addConditionalEdges('c', (state) => (state.count < loopPasses * STEPS_PER_INVOCATION ? 'a' : LG_END), [
      'a',
      LG_END,
    ]);
  return builder.compile(checkpointer ? { checkpointer } : {});
}

export const hydraSchema = z.object({
  count: z.number().default(0),
  trail: z.array(z.string()).default([]),
});

/** Hydra: graph `abc`, or `loop` with the router c -> a for `loopPasses` passes. */
export function hydraGraph(loopPasses?: number) {
  const graph = new Graph(loopPasses === undefined ? 'abc' : 'loop', hydraSchema, {
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
  return graph
    .route('c', (state) => (state.count < loopPasses * STEPS_PER_INVOCATION ? 'a' : END))
    .compile({ recursionLimit: loopPasses * STEPS_PER_INVOCATION + 1 });
}

/** The input of every invocation on both sides. */
export const INPUT = { count: 0, trail: [] as string[] };
