import { InternalError, UserError } from '../errors/index.js';
import { applyUpdate, END, START, type CompiledGraph, type Send } from './graph.js';
import type { StepRecord, TaskSpec, TaskWrite, WorkflowStore } from './types.js';

type AnyGraph = CompiledGraph<Record<string, unknown>>;

/** Applies a step's writes to the state in the order its tasks were listed, so replay is deterministic. */
export function applyStep(
  graph: AnyGraph,
  state: Record<string, unknown>,
  tasks: readonly TaskSpec[],
  writes: readonly TaskWrite[],
): Record<string, unknown> {
  const byTask = new Map(writes.map((write) => [write.taskId, write]));
  let next = state;
  for (const task of tasks) {
    const write = byTask.get(task.id);
    if (write) next = applyUpdate(graph, next, write.update, task.node);
  }
  return next;
}

/** The state after `step`: the nearest snapshot at or before it, plus the writes of the steps since. */
export async function stateAt(
  store: WorkflowStore,
  graph: AnyGraph,
  runId: string,
  step: number,
): Promise<{ state: Record<string, unknown>; record: StepRecord }> {
  const snapshot = await store.latestSnapshot(runId, step);
  // Step 0 always holds the initial state, so only a damaged store gets here.
  if (!snapshot?.snapshot)
    throw new InternalError(`Workflow run ${runId} has no snapshot at or before step ${step}.`, {
      data: { runId, step },
    });
  let state = snapshot.snapshot;
  let record: StepRecord = snapshot;
  for (const later of await store.loadSteps(runId, snapshot.step + 1, step)) {
    state = applyStep(graph, state, later.tasks, later.writes);
    record = later;
  }
  return { state, record };
}

/**
 * What runs after a step: static edges, routers evaluated on the new state, and joins whose sources have
 * all run. Plain node tasks are deduplicated; each `send` is its own task with its own input.
 */
export function nextTasks(
  graph: AnyGraph,
  ran: readonly TaskSpec[],
  state: Record<string, unknown>,
  barriers: Record<string, string[]>,
  step: number,
): { next: TaskSpec[]; barriers: Record<string, string[]> } {
  const targets: Array<string | Send> = [];
  const updatedBarriers: Record<string, string[]> = structuredClone(barriers);
  const finishedNodes = new Set(ran.map((task) => task.node));
  for (const node of finishedNodes) {
    targets.push(...(graph.edges.get(node) ?? []));
    const router = graph.routers.get(node);
    if (router) {
      const routed = router(state);
      targets.push(...(Array.isArray(routed) ? routed : [routed]));
    }
    for (const [join, sources] of graph.joins) {
      if (!sources.includes(node)) continue;
      const seen = new Set([...(updatedBarriers[join] ?? []), node]);
      if (sources.every((source) => seen.has(source))) {
        targets.push(join);
        delete updatedBarriers[join];
      } else updatedBarriers[join] = [...seen];
    }
  }
  const next: TaskSpec[] = [];
  const plain = new Set<string>();
  const counts = new Map<string, number>();
  const id = (node: string): string => {
    const n = counts.get(node) ?? 0;
    counts.set(node, n + 1);
    return `${step + 1}:${node}:${n}`;
  };
  for (const target of targets) {
    if (typeof target === 'string') {
      if (target === END || target === START || plain.has(target)) continue;
      if (!graph.nodes.has(target))
        throw new UserError(
          'invalid_input',
          `A router of graph "${graph.name}" chose unknown node "${target}".`,
          { data: { node: target } },
        );
      plain.add(target);
      next.push({ id: id(target), node: target });
    } else {
      if (!graph.nodes.has(target.node))
        throw new UserError(
          'invalid_input',
          `A router of graph "${graph.name}" sent to unknown node "${target.node}".`,
          { data: { node: target.node } },
        );
      next.push({ id: id(target.node), node: target.node, input: target.input });
    }
  }
  return { next, barriers: updatedBarriers };
}
