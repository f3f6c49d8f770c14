import { describe, expect, it } from 'vitest';

import {
  describeTreeEvent,
  renderTree,
  type TaskNodeRecord,
  type TaskTree,
} from '../../../src/teams/recursive/index.js';

const at = (seconds: number): Date => new Date(Date.UTC(2025, 0, 1, 0, 0, seconds));

function node(id: string, fields: Partial<TaskNodeRecord>): TaskNodeRecord {
  const parentId = id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : null;
  return {
    treeId: 't1',
    id,
    parentId,
    seq: 0,
    depth: id.split('/').length - 1,
    goal: `goal of ${id}`,
    kind: null,
    status: 'pending',
    dependsOn: [],
    role: null,
    result: null,
    error: null,
    attempts: 0,
    tokens: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    costUsd: 0,
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

const tree: TaskTree = {
  tree: {
    id: 't1',
    goal: 'Write a report',
    status: 'running',
    result: null,
    error: null,
    limits: { maxDepth: 3, maxSubtasks: 6, maxAttempts: 2, answerAttempts: 3 },
    createdAt: at(0),
    updatedAt: at(5),
    finishedAt: null,
  },
  nodes: [
    node('root', {
      goal: 'Write a report',
      kind: 'composite',
      status: 'running',
      role: 'planner+aggregator',
      attempts: 1,
      startedAt: at(0),
      tokens: { promptTokens: 90, completionTokens: 10, totalTokens: 100 },
    }),
    node('root/a', {
      seq: 0,
      goal: 'Research',
      kind: 'atomic',
      status: 'done',
      role: 'llm',
      attempts: 1,
      startedAt: at(1),
      finishedAt: at(3),
      result: 'hydras regenerate',
      tokens: { promptTokens: 40, completionTokens: 10, totalTokens: 50 },
    }),
    node('root/b', {
      seq: 1,
      goal: 'Check sources',
      kind: 'atomic',
      status: 'failed',
      attempts: 2,
      startedAt: at(1),
      finishedAt: at(4),
      error: { reason: 'error', message: 'source offline' },
    }),
    node('root/c', { seq: 2, goal: 'Draft', status: 'pending', dependsOn: ['root/a', 'root/b'] }),
    node('root/d', {
      seq: 3,
      goal: 'Polish',
      status: 'skipped',
      error: { reason: 'budget', message: 'budget spent' },
    }),
    node('root/e', {
      seq: 4,
      goal: 'Illustrate',
      kind: 'atomic',
      status: 'running',
      attempts: 1,
      startedAt: at(2),
    }),
  ],
};

describe('renderTree', () => {
  it('prints an indented tree with a mark per status, the facts known of each node, and progress counts', () => {
    expect(renderTree(tree, {}, at(6))).toBe(
      [
        't1  running  1/6 done, 2 running, 1 failed, 1 skipped, 1 pending  150 tokens',
        '… running  Write a report  (composite, planner+aggregator, 100 tokens, 6.0s, 1/5 subtasks done)',
        '  ✓ done  [a] Research  (atomic, llm, 50 tokens, 2.0s)',
        '  ✗ failed  [b] Check sources  (atomic, 2 attempts, 3.0s) — error: source offline',
        '  ○ pending  [c] Draft  (after a, b)',
        '  ⊘ skipped  [d] Polish — budget: budget spent',
        '  … running  [e] Illustrate  (atomic, 4.0s)',
        '',
      ].join('\n'),
    );
  });

  it('shows results of finished nodes when asked, cut to the width', () => {
    const text = renderTree(tree, { results: true, width: 10 }, at(6));
    expect(text).toContain('  ✓ done  [a] Research  (atomic, llm, 50 tokens, 2.0s)\n      → hydras re…\n');
  });

  it('describes live events in one line each', () => {
    const [root, a] = tree.nodes;
    if (!root || !a) throw new Error('fixture');
    expect(describeTreeEvent({ type: 'node-finished', treeId: 't1', node: a })).toBe('  ✓ root/a');
    expect(
      describeTreeEvent({
        type: 'node-planned',
        treeId: 't1',
        node: root,
        children: tree.nodes.slice(1),
        rejections: [],
      }),
    ).toBe('  root: planned a, b, c, d, e');
  });
});
