import { describe, expect, it } from 'vitest';

import { findCycle, planSchema, validatePlan } from '../../../src/teams/recursive/index.js';

const plan = (subtasks: Array<{ id: string; dependsOn?: string[] }>) =>
  planSchema.parse({ subtasks: subtasks.map((subtask) => ({ goal: `do ${subtask.id}`, ...subtask })) });

describe('validatePlan', () => {
  it('accepts a DAG, including a diamond', () => {
    expect(
      validatePlan(
        plan([
          { id: 'a' },
          { id: 'b', dependsOn: ['a'] },
          { id: 'c', dependsOn: ['a'] },
          { id: 'd', dependsOn: ['b', 'c'] },
        ]),
        6,
      ),
    ).toBeUndefined();
  });

  it('names a cycle', () => {
    expect(
      findCycle(
        plan([
          { id: 'a', dependsOn: ['c'] },
          { id: 'b', dependsOn: ['a'] },
          { id: 'c', dependsOn: ['b'] },
        ]).subtasks,
      ),
    ).toEqual(['a', 'c', 'b', 'a']);
  });

  it('refuses unknown and self dependencies, duplicate ids and too many subtasks', () => {
    expect(validatePlan(plan([{ id: 'a', dependsOn: ['x'] }]), 6)).toMatch(
      /depends on "x", which is not a subtask/,
    );
    expect(validatePlan(plan([{ id: 'a', dependsOn: ['a'] }]), 6)).toMatch(/depends on itself/);
    expect(validatePlan(plan([{ id: 'a' }, { id: 'a' }]), 6)).toMatch(/"a" is used twice/);
    expect(validatePlan(plan([{ id: 'a' }, { id: 'b' }, { id: 'c' }]), 2)).toMatch(/3 subtasks; at most 2/);
  });

  it('refuses ids that cannot be part of a node id, and an empty plan', () => {
    expect(planSchema.safeParse({ subtasks: [{ id: 'a/b', goal: 'x' }] }).success).toBe(false);
    expect(planSchema.safeParse({ subtasks: [] }).success).toBe(false);
  });
});
