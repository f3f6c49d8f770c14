import { z } from 'zod';

/** The atomizer's answer. */
export const atomizerAnswerSchema = z.object({
  atomic: z.boolean(),
  reason: z.string().optional(),
});

/** Plan ids become part of node ids (`root/<id>`), so they are kept short and path-safe. */
export const planSchema = z.object({
  subtasks: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'use 1-40 letters, digits, "_" or "-"'),
        goal: z.string().min(1),
        dependsOn: z.array(z.string()).default([]),
      }),
    )
    .min(1),
});

export type Plan = z.output<typeof planSchema>;
export type PlannedSubtask = Plan['subtasks'][number];

/**
 * What is wrong with a plan, or undefined when it is a valid DAG: at most `maxSubtasks` subtasks, unique
 * ids, dependencies only on subtasks of the same plan (not on themselves), and no cycle.
 */
export function validatePlan(plan: Plan, maxSubtasks: number): string | undefined {
  const { subtasks } = plan;
  if (subtasks.length > maxSubtasks)
    return `the plan has ${subtasks.length} subtasks; at most ${maxSubtasks} are allowed. Merge some.`;
  const ids = new Set<string>();
  for (const subtask of subtasks) {
    if (ids.has(subtask.id)) return `the subtask id "${subtask.id}" is used twice; ids must be unique.`;
    ids.add(subtask.id);
  }
  for (const subtask of subtasks) {
    for (const dependency of subtask.dependsOn) {
      if (dependency === subtask.id) return `subtask "${subtask.id}" depends on itself.`;
      if (!ids.has(dependency))
        return `subtask "${subtask.id}" depends on "${dependency}", which is not a subtask of this plan.`;
    }
  }
  const cycle = findCycle(subtasks);
  return cycle
    ? `the dependencies form a cycle (${cycle.join(' -> ')}); the plan must be acyclic.`
    : undefined;
}

/** A dependency cycle as a list of ids (first = last), found by depth-first search; undefined if none. */
export function findCycle(
  subtasks: readonly { id: string; dependsOn: readonly string[] }[],
): string[] | undefined {
  const edges = new Map(subtasks.map((subtask) => [subtask.id, subtask.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const subtask of subtasks) {
    const cycle = visit(subtask.id);
    if (cycle) return cycle;
  }
  return undefined;
}
