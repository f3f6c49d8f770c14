/**
 * The lease on a task tree: one process at a time runs a tree. A second team resuming a tree another team
 * is running gets `lease_held`, `recover()` skips trees a live process holds and takes over expired ones, and
 * a team that lost the lease commits nothing more.
 */
import { afterEach, describe, expect, it } from 'vitest';

import {
  InMemoryTaskTreeStore,
  RecursiveTeam,
  SqlTaskTreeStore,
  type TaskTreeLimits,
  type TaskTreeStore,
} from '../../../src/teams/recursive/index.js';
import type { SimModelOptions } from '../../../src/testing/index.js';
import { TEST_STORES } from '../../memory/stores.js';
import { ATOMIC_BY_DEFAULT, composite, harness, plan, role, type Harness } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const GOAL = 'Build a bridge';
const LIMITS: TaskTreeLimits = { maxDepth: 3, maxSubtasks: 6, maxAttempts: 2, answerAttempts: 3 };
/** root → a, b (independent) → c (after both); every call takes a little while, so runs overlap. */
const SIM: SimModelOptions = {
  latency: { firstByteMs: 40 },
  rules: [
    composite(GOAL),
    ATOMIC_BY_DEFAULT,
    plan(GOAL, [
      { id: 'a', goal: 'pour the piers' },
      { id: 'b', goal: 'cast the deck' },
      { id: 'c', goal: 'open the bridge', dependsOn: ['a', 'b'] },
    ]),
    { match: { system: role.executor }, reply: { text: 'done: {{lastUser}}' } },
    { match: { system: role.aggregator }, reply: { text: 'the bridge is open' } },
  ],
};
const root = { id: 'root', parentId: null, seq: 0, depth: 0, goal: GOAL, dependsOn: [] };

async function expectLeaseHeld(promise: Promise<unknown>): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toMatchObject({ code: 'lease_held' });
}

/** The in-memory store, and the SQL store on PGlite (and PostgreSQL when DATABASE_URL is set). */
const targets: Array<{ name: string; open(): Promise<{ store: TaskTreeStore; close(): Promise<void> }> }> = [
  {
    name: 'memory',
    open: () => Promise.resolve({ store: new InMemoryTaskTreeStore(), close: () => Promise.resolve() }),
  },
  ...TEST_STORES.map((target) => ({
    name: target.name,
    async open() {
      const handle = await target.open();
      return { store: await SqlTaskTreeStore.open(handle.store), close: () => handle.dispose() };
    },
  })),
];

describe('recursive team: the lease on a tree', () => {
  for (const target of targets)
    it(`two teams resuming the same tree at once (${target.name}): one runs it, the other gets lease_held, no call is made twice`, async () => {
      const opened = await target.open();
      try {
        h = await harness(SIM, { store: opened.store, team: { owner: 'alpha' } });
        const other = new RecursiveTeam({ kernel: h.kernel, store: opened.store, owner: 'beta' });
        const treeId = 'tree-contended';
        await opened.store.createTree({ id: treeId, goal: GOAL, limits: LIMITS }, root); // left by a dead process
        const outcomes = await Promise.allSettled([h.team.resume(treeId), other.resume(treeId)]);
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(won[0]?.value).toMatchObject({ status: 'done', result: 'the bridge is open' });
        expect(lost[0]?.reason).toMatchObject({ code: 'lease_held' });
        expect(String(lost[0]?.reason)).toContain(`Tree ${treeId} is being run by another process`);
        // Every phase of every node was asked once, by the winner only.
        const perPhase = h.calls.map((agentId) => agentId.slice(agentId.indexOf('/') + 1));
        expect([...perPhase].sort()).toEqual(
          [
            'root#atomize',
            'root#plan',
            'root/a#atomize',
            'root/a#execute',
            'root/b#atomize',
            'root/b#execute',
            'root/c#atomize',
            'root/c#execute',
            'root#aggregate',
          ].sort(),
        );
        // The finished tree's lease is free: any team may read it back (a no-op resume).
        expect(await opened.store.acquireLease(treeId, 'gamma', 60_000)).toBe(true);
        await opened.store.releaseLease(treeId, 'gamma');
        expect(await other.resume(treeId)).toMatchObject({ status: 'done', result: 'the bridge is open' });
      } finally {
        await opened.close();
      }
    }, 30_000);

  it('two resumes of one tree in the same team share one run', async () => {
    h = await harness(SIM, { team: { owner: 'alpha' } });
    const treeId = 'tree-shared';
    await h.store.createTree({ id: treeId, goal: GOAL, limits: LIMITS }, root);
    const [first, second] = await Promise.all([h.team.resume(treeId), h.team.resume(treeId)]);
    expect(first).toMatchObject({ status: 'done', result: 'the bridge is open' });
    expect(second).toBe(first);
    expect(h.callsOf('execute').sort()).toEqual(['root/a', 'root/b', 'root/c']);
  });

  it('run holds the new tree’s lease while it runs and frees it at the end', async () => {
    h = await harness(SIM, { team: { owner: 'alpha', leaseMs: 60_000 } });
    const other = new RecursiveTeam({ kernel: h.kernel, store: h.store, owner: 'beta' });
    const treeId = 'tree-leased';
    let refused: Promise<void> | undefined;
    const result = await h.team.run(GOAL, {
      treeId,
      onEvent: (event) => {
        if (event.type === 'node-planned') refused = expectLeaseHeld(other.resume(treeId));
      },
    });
    expect(result.status).toBe('done');
    expect(refused).toBeDefined();
    await refused;
    expect(await h.store.acquireLease(treeId, 'beta', 60_000)).toBe(true);
  });

  it('recover() skips a tree a live process holds and takes over one whose lease expired', async () => {
    let clock = Date.now();
    const store = new InMemoryTaskTreeStore({ now: () => clock });
    h = await harness(SIM, { store, team: { owner: 'alpha' } });
    await store.createTree(
      { id: 'tree-live', goal: GOAL, limits: LIMITS, lease: { owner: 'busy', ttlMs: 60_000 } },
      root,
    );
    await store.createTree(
      { id: 'tree-dead', goal: GOAL, limits: LIMITS, lease: { owner: 'dead', ttlMs: 1_000 } },
      root,
    );
    clock += 5_000; // the dead process's lease expired, the live one's has not
    const results = await h.team.recover();
    expect(results.map((result) => [result.treeId, result.status])).toEqual([['tree-dead', 'done']]);
    expect((await store.getTree('tree-live'))?.tree.status).toBe('running');
    expect(h.calls.every((agentId) => agentId.startsWith('tree-dead/'))).toBe(true);
    await expectLeaseHeld(h.team.resume('tree-live'));
  });

  it('a team that lost the lease stops with lease_held and commits nothing more; the new owner finishes the tree', async () => {
    let clock = Date.now();
    const store = new InMemoryTaskTreeStore({ now: () => clock });
    h = await harness(SIM, { store, team: { owner: 'alpha', leaseMs: 60_000 } });
    const treeId = 'tree-stolen';
    const run = h.team.run(GOAL, {
      treeId,
      onEvent: (event) => {
        if (event.type !== 'node-planned') return;
        // alpha stalled past its lease and another process took the tree over.
        clock += 120_000;
        void store.acquireLease(treeId, 'thief', 60_000);
      },
    });
    await expectLeaseHeld(run);
    const tree = await store.getTree(treeId);
    expect(tree?.tree.status).toBe('running');
    expect(tree?.nodes.filter((node) => node.parentId === 'root').map((node) => node.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(h.calls.some((agentId) => agentId.includes('root/'))).toBe(false);
    await store.releaseLease(treeId, 'thief');
    const thief = new RecursiveTeam({ kernel: h.kernel, store, owner: 'thief' });
    expect(await thief.resume(treeId)).toMatchObject({ status: 'done', result: 'the bridge is open' });
  });
});
