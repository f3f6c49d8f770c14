import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HydraError } from '../../../src/errors/index.js';
import type { NewTaskNode, TaskTreeLimits, TaskTreeStore } from '../../../src/teams/recursive/index.js';

/** A task tree store under test; `reopen` (durable stores) closes and opens it again on the same data. */
export interface OpenedTaskTreeStore {
  store: TaskTreeStore;
  reopen?(): Promise<TaskTreeStore>;
  /** Lets `ms` pass on the store's clock (a fake clock's, or real time by default). */
  elapse?(ms: number): Promise<void>;
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

    const elapse = (ms: number): Promise<unknown> => opened.elapse?.(ms) ?? sleep(ms);
    const create = (treeId: string, lease?: { owner: string; ttlMs: number }): Promise<void> =>
      opened.store.createTree({ id: treeId, goal: 'g', limits: LIMITS, ...(lease ? { lease } : {}) }, root());

    it('acquireLease: renewable by its owner, refused to another while valid, free again once released', async () => {
      const treeId = id('lease');
      await create(treeId);
      expect(await opened.store.acquireLease(treeId, 'alpha', 60_000)).toBe(true);
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(false);
      expect(await opened.store.acquireLease(treeId, 'alpha', 60_000)).toBe(true); // renewed
      await opened.store.releaseLease(treeId, 'beta'); // not beta's to release
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(false);
      await opened.store.releaseLease(treeId, 'alpha');
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(true);
      await expectCode(opened.store.acquireLease(id('missing'), 'alpha', 1_000), 'not_found');
      await expectCode(opened.store.acquireLease(treeId, 'alpha', 0), 'invalid_input');
    });

    it('acquireLease: another owner takes over once the lease expired, and a renewal pushes expiry back', async () => {
      const treeId = id('lease-expiry');
      await create(treeId);
      expect(await opened.store.acquireLease(treeId, 'alpha', 1_000)).toBe(true);
      await elapse(500);
      expect(await opened.store.acquireLease(treeId, 'alpha', 1_000)).toBe(true); // renewed: 1 s from now
      await elapse(500);
      expect(await opened.store.acquireLease(treeId, 'beta', 150)).toBe(false); // still alpha's
      await elapse(700);
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(true); // expired: taken over
      expect(await opened.store.acquireLease(treeId, 'alpha', 60_000)).toBe(false);
    });

    it('createTree with a lease: the tree starts leased to its creator', async () => {
      const treeId = id('lease-at-create');
      await create(treeId, { owner: 'alpha', ttlMs: 60_000 });
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(false);
      expect(await opened.store.acquireLease(treeId, 'alpha', 60_000)).toBe(true);
      const bad = id('lease-at-create-bad');
      await expectCode(create(bad, { owner: 'alpha', ttlMs: -1 }), 'invalid_input');
      expect(await opened.store.getTree(bad)).toBeUndefined();
    });

    it('acquireLease: of concurrent claims by different owners, exactly one wins', async () => {
      const treeId = id('lease-race');
      await create(treeId);
      const owners = ['a', 'b', 'c', 'd', 'e', 'f'];
      const won = await Promise.all(owners.map((owner) => opened.store.acquireLease(treeId, owner, 60_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('writes fenced on an owner: refused with lease_held once another owner took the tree over', async () => {
      const treeId = id('fenced');
      await create(treeId, { owner: 'alpha', ttlMs: 150 });
      const alpha = { owner: 'alpha' };
      await opened.store.updateNode(treeId, 'root', { status: 'running', attempts: 1 }, alpha);
      await opened.store.addChildren(treeId, 'root', [child('a', 0)], { kind: 'composite' }, alpha);
      await elapse(250);
      // Expired but not taken over: alpha may still write.
      await opened.store.updateNode(treeId, 'root/a', { status: 'running' }, alpha);
      expect(await opened.store.acquireLease(treeId, 'beta', 60_000)).toBe(true);
      await expectCode(opened.store.updateNode(treeId, 'root/a', { status: 'done' }, alpha), 'lease_held');
      await expectCode(
        opened.store.addChildren(treeId, 'root/a', [child('b', 0)], { kind: 'composite' }, alpha),
        'lease_held',
      );
      await expectCode(
        opened.store.finishTree(treeId, { status: 'done', result: 'x', error: null }, alpha),
        'lease_held',
      );
      // Unknown nodes and trees are still not_found for a fenced write.
      await expectCode(opened.store.updateNode(treeId, 'root/zzz', { status: 'done' }, alpha), 'not_found');
      await expectCode(
        opened.store.finishTree(id('nope'), { status: 'done', result: 'x', error: null }, alpha),
        'not_found',
      );
      const tree = await opened.store.getTree(treeId);
      expect(tree?.tree.status).toBe('running');
      expect(tree?.nodes.map((node) => [node.id, node.status])).toEqual([
        ['root', 'running'],
        ['root/a', 'running'],
      ]);
      // The new owner writes, and finishing the tree frees the lease.
      const beta = { owner: 'beta' };
      await opened.store.updateNode(treeId, 'root/a', { status: 'done' }, beta);
      await opened.store.finishTree(treeId, { status: 'done', result: 'x', error: null }, beta);
      expect((await opened.store.getTree(treeId))?.tree.status).toBe('done');
      expect(await opened.store.acquireLease(treeId, 'gamma', 60_000)).toBe(true);
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
