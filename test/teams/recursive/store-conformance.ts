import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HydraError } from '../../../src/errors/index.js';
import type { NewTaskNode, TaskTreeLimits, TaskTreeStore } from '../../../src/teams/recursive/index.js';

/** A task tree store under test; `reopen` (durable stores) closes and opens it again on the same data. */
export interface OpenedTaskTreeStore {
  store: TaskTreeStore;
  reopen?(): Promise<TaskTreeStore>;
  close(): Promise<void>;
}

const LIMITS: TaskTreeLimits = {
  maxDepth: 3,
  maxSubtasks: 6,
  maxAttempts: 2,
  answerAttempts: 3,
  maxTokens: 5000,
};
const root = (goal = 'the goal'): NewTaskNode => ({
  id: 'root',
  parentId: null,
  seq: 0,
  depth: 0,
  goal,
  dependsOn: [],
});
const child = (id: string, seq: number, dependsOn: string[] = []): NewTaskNode => ({
  id: `root/${id}`,
  parentId: 'root',
  seq,
  depth: 1,
  goal: `goal ${id}`,
  dependsOn: dependsOn.map((dependency) => `root/${dependency}`),
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(HydraError.isInstance(error), `expected a Hydra error ${code}, got ${String(error)}`).toBe(true);
  expect((error as HydraError).code).toBe(code);
}

/** One suite for every TaskTreeStore: the in-memory one, and the SQL one on PGlite and PostgreSQL. */
export function runTaskTreeStoreConformance(
  name: string,
  factory: { open(): Promise<OpenedTaskTreeStore> },
): void {
  describe(`TaskTreeStore conformance: ${name}`, () => {
    let opened: OpenedTaskTreeStore;
    let n = 0;
    const id = (label: string): string => `${label}-${Date.now().toString(36)}-${n++}`;
    beforeAll(async () => {
      opened = await factory.open();
    });
    afterAll(async () => {
      await opened.close();
    });

    it('creates a tree with a pending root and reads it back', async () => {
      const treeId = id('create');
      await opened.store.createTree({ id: treeId, goal: 'the goal', limits: LIMITS }, root());
      const tree = await opened.store.getTree(treeId);
      expect(tree?.tree).toMatchObject({
        id: treeId,
        goal: 'the goal',
        status: 'running',
        result: null,
        error: null,
      });
      expect(tree?.tree.limits).toEqual(LIMITS);
      expect(tree?.tree.createdAt).toBeInstanceOf(Date);
      expect(tree?.tree.finishedAt).toBeNull();
      expect(tree?.nodes).toEqual([
        {
          treeId,
          id: 'root',
          parentId: null,
          seq: 0,
          depth: 0,
          goal: 'the goal',
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
        },
      ]);
    });

    it('refuses a second tree with the same id (conflict) and answers undefined for an unknown one', async () => {
      const treeId = id('dup');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      await expectCode(
        opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root()),
        'conflict',
      );
      expect(await opened.store.getTree(id('missing'))).toBeUndefined();
    });

    it('applies a patch to the fields it names and keeps the others', async () => {
      const treeId = id('patch');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      const startedAt = new Date('2025-01-02T03:04:05.678Z');
      await opened.store.updateNode(treeId, 'root', { status: 'running', attempts: 1, startedAt });
      await opened.store.updateNode(treeId, 'root', {
        kind: 'atomic',
        tokens: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        costUsd: 0.25,
        error: { reason: 'error', message: 'first try failed', code: 'internal' },
      });
      let [node] = (await opened.store.getTree(treeId))?.nodes ?? [];
      expect(node).toMatchObject({
        status: 'running',
        kind: 'atomic',
        attempts: 1,
        startedAt,
        costUsd: 0.25,
        tokens: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        error: { reason: 'error', message: 'first try failed', code: 'internal' },
      });
      const finishedAt = new Date('2025-01-02T03:04:06.000Z');
      await opened.store.updateNode(treeId, 'root', {
        status: 'done',
        result: 'answer',
        role: 'llm',
        error: null,
        finishedAt,
      });
      [node] = (await opened.store.getTree(treeId))?.nodes ?? [];
      expect(node).toMatchObject({
        status: 'done',
        result: 'answer',
        role: 'llm',
        error: null,
        finishedAt,
        startedAt,
      });
    });

    it('refuses to update an unknown node (not_found)', async () => {
      const treeId = id('unknown-node');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      await expectCode(opened.store.updateNode(treeId, 'root/nope', { status: 'done' }), 'not_found');
      await expectCode(opened.store.updateNode(id('no-tree'), 'root', { status: 'done' }), 'not_found');
    });

    it('adds a plan: children in order with dependencies, and the parent patched, together', async () => {
      const treeId = id('plan');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      await opened.store.addChildren(treeId, 'root', [child('b', 0), child('a', 1, ['b'])], {
        kind: 'composite',
        role: 'planner+aggregator',
      });
      const tree = await opened.store.getTree(treeId);
      expect(tree?.nodes.map((node) => [node.id, node.seq, node.status, node.dependsOn])).toEqual([
        ['root', 0, 'pending', []],
        ['root/b', 0, 'pending', []],
        ['root/a', 1, 'pending', ['root/b']],
      ]);
      expect(tree?.nodes[0]).toMatchObject({ kind: 'composite', role: 'planner+aggregator' });
    });

    it('adds nothing when a child id is taken (conflict) or the parent is unknown (not_found)', async () => {
      const treeId = id('plan-bad');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      await opened.store.addChildren(treeId, 'root', [child('a', 0)], { kind: 'composite' });
      await expectCode(
        opened.store.addChildren(treeId, 'root', [child('c', 1), child('a', 2)], { role: 'changed' }),
        'conflict',
      );
      await expectCode(opened.store.addChildren(treeId, 'root/zzz', [child('d', 0)], {}), 'not_found');
      const tree = await opened.store.getTree(treeId);
      expect(tree?.nodes.map((node) => node.id)).toEqual(['root', 'root/a']);
      expect(tree?.nodes[0]?.role).toBeNull();
    });

    it('finishes a tree with its outcome, and lists trees newest first with progress and a status filter', async () => {
      const first = id('list');
      const second = id('list');
      await opened.store.createTree({ id: first, goal: 'first', limits: LIMITS }, root('first'));
      await opened.store.createTree({ id: second, goal: 'second', limits: LIMITS }, root('second'));
      await opened.store.addChildren(second, 'root', [child('a', 0), child('b', 1)], { kind: 'composite' });
      await opened.store.updateNode(second, 'root/a', { status: 'done' });
      await opened.store.updateNode(second, 'root/b', { status: 'failed' });
      await opened.store.finishTree(first, {
        status: 'failed',
        result: null,
        error: { reason: 'budget', message: 'spent' },
      });
      const finished = await opened.store.getTree(first);
      expect(finished?.tree).toMatchObject({
        status: 'failed',
        error: { reason: 'budget', message: 'spent' },
      });
      expect(finished?.tree.finishedAt).toBeInstanceOf(Date);
      const listed = await opened.store.listTrees({ limit: 1_000 });
      const mine = listed.filter((tree) => tree.id === first || tree.id === second);
      expect(mine.map((tree) => tree.id)).toEqual([second, first]);
      expect(mine[0]?.progress).toEqual({ total: 3, done: 1, failed: 1, running: 0 });
      const running = await opened.store.listTrees({ status: 'running', limit: 1_000 });
      expect(running.some((tree) => tree.id === second)).toBe(true);
      expect(running.some((tree) => tree.id === first)).toBe(false);
      expect(await opened.store.listTrees({ limit: 1 })).toHaveLength(1);
      await expectCode(
        opened.store.finishTree(id('nope'), { status: 'done', result: 'x', error: null }),
        'not_found',
      );
    });

    it('keeps every committed transition across a reopen (durable stores)', async () => {
      if (!opened.reopen) return;
      const treeId = id('durable');
      await opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS }, root());
      await opened.store.addChildren(treeId, 'root', [child('a', 0)], {
        kind: 'composite',
        status: 'running',
      });
      await opened.store.updateNode(treeId, 'root/a', { status: 'done', result: 'kept' });
      const before = await opened.store.getTree(treeId);
      opened.store = await opened.reopen();
      expect(await opened.store.getTree(treeId)).toEqual(before);
    });
  });
}
