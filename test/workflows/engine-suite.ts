import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ProviderError, UserError } from '../../src/errors/index.js';
import {
  END,
  Graph,
  reducers,
  send,
  START,
  WorkflowEngine,
  type WorkflowEvent,
  type WorkflowStore,
} from '../../src/workflows/index.js';

export interface EngineSuiteStore {
  name: string;
  open(): Promise<{ store: WorkflowStore; close(): Promise<void> }>;
}

const State = z.object({
  count: z.number().default(0),
  trail: z.array(z.string()).default([]),
  items: z.array(z.number()).default([]),
  results: z.array(z.number()).default([]),
  flag: z.boolean().default(false),
});
type State = z.output<typeof State>;
const stateReducers = {
  count: reducers.sum(),
  trail: reducers.append<string>(),
  results: reducers.append<number>(),
};

/** The shared engine suite: every behaviour runs on each workflow store. */
export function runEngineSuite(suite: EngineSuiteStore): void {
  describe(`workflow engine on ${suite.name}`, () => {
    let opened: Awaited<ReturnType<EngineSuiteStore['open']>>;
    let engine: WorkflowEngine;
    const sideEffects = new Map<string, number>();
    const bump = (key: string): void => void sideEffects.set(key, (sideEffects.get(key) ?? 0) + 1);
    const failures = new Map<string, number>();

    beforeAll(async () => {
      opened = await suite.open();
      engine = new WorkflowEngine({ store: opened.store, leaseMs: 2_000 });
      engine.register(
        new Graph('line', State, stateReducers)
          .node('a', () => ({ count: 1, trail: ['a'] }))
          .node('b', () => ({ count: 1, trail: ['b'] }))
          .node('c', () => ({ count: 1, trail: ['c'] }))
          .edge(START, 'a')
          .edge('a', 'b')
          .edge('b', 'c')
          .edge('c', END)
          .compile(),
      );
      engine.register(
        new Graph('branchy', State, stateReducers)
          .node('decide', () => ({ trail: ['decide'] }))
          .node('yes', () => ({ trail: ['yes'] }))
          .node('no', () => ({ trail: ['no'] }))
          .edge(START, 'decide')
          .route('decide', (state) => (state.flag ? 'yes' : 'no'))
          .edge('yes', END)
          .edge('no', END)
          .compile(),
      );
      engine.register(
        new Graph('mapreduce', State, stateReducers)
          .node('plan', () => ({ trail: ['plan'] }))
          .node('square', (_state, context) => ({ results: [(context.input as number) ** 2] }))
          .node('left', () => ({ trail: ['left'] }))
          .node('right', async () => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return { trail: ['right'] };
          })
          .node('join', (state) => ({
            trail: [
              `join:${state.results
                .slice()
                .sort((x, y) => x - y)
                .join(',')}`,
            ],
          }))
          .edge(START, 'plan')
          .route('plan', (state) => state.items.map((item) => send('square', item)))
          .edge('square', 'left')
          .edge('square', 'right')
          .join(['left', 'right'], 'join')
          .edge('join', END)
          .compile(),
      );
      engine.register(
        new Graph('loop', State, stateReducers)
          .node('spin', () => ({ count: 1 }))
          .edge(START, 'spin')
          .route('spin', () => 'spin')
          .compile({ recursionLimit: 5 }),
      );
      engine.register(
        new Graph('flaky', State, stateReducers)
          .node(
            'call',
            (_state, context) => {
              if (context.attempt < 3)
                throw new ProviderError('provider_unavailable', 'try again', { retryable: true });
              return { trail: [`attempt ${context.attempt}`] };
            },
            { retry: { maxAttempts: 3, baseDelayMs: 1 } },
          )
          .node(
            'slow',
            (state) => (state.flag ? new Promise((resolve) => setTimeout(() => resolve({}), 500)) : {}),
            { timeoutMs: 50 },
          )
          .edge(START, 'call')
          .edge('call', 'slow')
          .edge('slow', END)
          .compile(),
      );
      engine.register(
        new Graph('siblings', State, stateReducers)
          .node('fan', () => ({}))
          .node('steady', (_state, context) => {
            bump(context.idempotencyKey);
            return { trail: ['steady'] };
          })
          .node('shaky', (_state, context) => {
            const seen = failures.get(context.runId) ?? 0;
            failures.set(context.runId, seen + 1);
            if (seen === 0) throw new UserError('invalid_input', 'shaky failed once');
            return { trail: ['shaky'] };
          })
          .edge(START, 'fan')
          .edge('fan', 'steady')
          .edge('fan', 'shaky')
          .edge('steady', END)
          .edge('shaky', END)
          .compile(),
      );
      engine.register(
        new Graph('gated', State, stateReducers)
          .node('deploy', async (state, context) => {
            const decision = await context.approval({
              action: 'git_push',
              payload: { branch: 'main', count: state.count },
            });
            bump(`deploy:${context.runId}`);
            return { trail: [decision.approved ? `pushed by ${decision.by}` : 'not pushed'] };
          })
          .edge(START, 'deploy')
          .edge('deploy', END)
          .compile(),
      );
    });
    afterAll(async () => {
      await engine.close();
      await opened.close();
    });

    it('runs a sequence, merging updates with the reducers', async () => {
      const result = await engine.run('line', {});
      expect(result).toMatchObject({ status: 'done', state: { count: 3, trail: ['a', 'b', 'c'] } });
      expect((await engine.history(result.runId)).map((entry) => entry.nodes)).toEqual([
        [],
        ['a'],
        ['b'],
        ['c'],
      ]);
    });

    it('routes on state', async () => {
      expect((await engine.run('branchy', { flag: true })).state['trail']).toEqual(['decide', 'yes']);
      expect((await engine.run('branchy', { flag: false })).state['trail']).toEqual(['decide', 'no']);
    });

    it('fans out with per-branch input and fans in once every source has run', async () => {
      const result = await engine.run('mapreduce', { items: [1, 2, 3] });
      expect(result.status).toBe('done');
      expect((result.state['results'] as number[]).slice().sort()).toEqual([1, 4, 9]);
      const trail = result.state['trail'] as string[];
      expect(trail.filter((entry) => entry.startsWith('join'))).toEqual(['join:1,4,9']);
      expect(trail.indexOf('join:1,4,9')).toBeGreaterThan(trail.indexOf('right'));
    });

    it('stops at the recursion limit with a clear error', async () => {
      const result = await engine.run('loop', {});
      expect(result.status).toBe('failed');
      expect(result.error?.message).toMatch(/reached its step limit \(5\)/);
      expect(result.error?.code).toBe('recursion_limit');
    });

    it('retries a node with backoff, and fails a node that outlives its timeout', async () => {
      expect((await engine.run('flaky', {})).state['trail']).toEqual(['attempt 3']);
      const slow = await engine.run('flaky', { flag: true });
      expect(slow.status).toBe('failed');
      expect(slow.error?.message).toMatch(/timed out after 50 ms/);
    });

    it('keeps the work of finished branches when a sibling fails, and re-runs only the failed one', async () => {
      const first = await engine.run('siblings', {});
      expect(first.status).toBe('failed');
      const resumed = await engine.resume(first.runId);
      expect(resumed.status).toBe('done');
      expect((resumed.state['trail'] as string[]).sort()).toEqual(['shaky', 'steady']);
      const steadyRuns = [...sideEffects.entries()].filter(
        ([key]) => key.startsWith(first.runId) && key.includes('steady'),
      );
      expect(steadyRuns).toEqual([[`${first.runId}:2:steady:0`, 1]]);
    });

    it('pauses for approval, refuses a wrong hash and a replay, and finishes once approved', async () => {
      const paused = await engine.run('gated', { count: 7 });
      expect(paused.status).toBe('waiting');
      const [approval] = await engine.pendingApprovals(paused.runId);
      expect(approval).toMatchObject({
        action: 'git_push',
        payload: { branch: 'main', count: 7 },
        status: 'pending',
      });
      await expect(
        engine.decide(approval?.id ?? '', { approve: true, hash: 'forged', by: 'mallory' }),
      ).rejects.toMatchObject({ code: 'approval_invalid' });
      const done = await engine.decide(approval?.id ?? '', {
        approve: true,
        hash: approval?.hash ?? '',
        by: 'ada',
      });
      expect(done).toMatchObject({ status: 'done', state: { trail: ['pushed by ada'] } });
      expect(sideEffects.get(`deploy:${paused.runId}`)).toBe(1);
      await expect(
        engine.decide(approval?.id ?? '', { approve: true, hash: approval?.hash ?? '', by: 'ada' }),
      ).rejects.toMatchObject({ code: 'approval_invalid' });
    });

    it('a rejection resumes the run with the node told so', async () => {
      const paused = await engine.run('gated', {});
      const [approval] = await engine.pendingApprovals(paused.runId);
      const done = await engine.decide(approval?.id ?? '', {
        approve: false,
        hash: approval?.hash ?? '',
        by: 'ops',
        note: 'not on Friday',
      });
      expect(done.state['trail']).toEqual(['not pushed']);
    });

    it('reads the state at any step, forks with an edit, and rolls back', async () => {
      const { runId } = await engine.run('line', {});
      expect(await engine.stateAt(runId, 1)).toMatchObject({ count: 1, trail: ['a'] });
      const forkId = await engine.fork(runId, 1, { count: 100 });
      expect((await engine.resume(forkId)).state).toMatchObject({ count: 102, trail: ['a', 'b', 'c'] });
      expect((await engine.getRun(forkId)).forkedFrom).toEqual({ runId, step: 1 });
      await engine.rollback(runId, 2);
      expect((await engine.getRun(runId)).head).toBe(2);
      expect((await engine.resume(runId)).state).toMatchObject({ count: 3, trail: ['a', 'b', 'c'] });
    });

    it('a growing state is snapshotted sparsely: storage linear in the updates, every step readable', async () => {
      engine.register(
        new Graph('grow', State, stateReducers)
          .node('tick', (state) => ({ count: 1, trail: [`t${state.count}`] }))
          .edge(START, 'tick')
          .route('tick', (state) => (state.count < 400 ? 'tick' : END))
          .compile({ recursionLimit: 500 }),
      );
      const { runId, state } = await engine.run('grow', {});
      expect(state['count']).toBe(400);
      const steps = await opened.store.loadSteps(runId, 0);
      const bytes = (value: unknown): number => JSON.stringify(value).length;
      const snapshots = steps.filter((step) => step.snapshot !== undefined);
      const snapshotBytes = snapshots.reduce((sum, step) => sum + bytes(step.snapshot), 0);
      const updateBytes = steps.reduce(
        (sum, step) => sum + step.writes.reduce((n, w) => n + bytes(w.update), 0),
        0,
      );
      // Every-N-steps snapshots of a growing trail would copy it over and over (quadratic). Here a snapshot
      // comes once the updates since the last one outweigh it, so each is about twice the one before: they
      // sum to about twice the last, i.e. twice the updates (linear).
      expect(snapshots.length).toBeGreaterThan(3);
      expect(snapshots.length).toBeLessThan(40);
      expect(snapshotBytes).toBeLessThanOrEqual(2 * updateBytes + 200);
      for (const at of [0, 1, 57, 199, 200, 333, 400])
        expect((await engine.stateAt(runId, at))['trail']).toEqual(
          Array.from({ length: at }, (_, i) => `t${i}`),
        );
    });

    it('streams typed events in order', async () => {
      const events: WorkflowEvent['type'][] = [];
      for await (const event of engine.stream('line', {})) events.push(event.type);
      expect(events).toEqual([
        'run-started',
        'step-started',
        'step-finished',
        'step-started',
        'step-finished',
        'step-started',
        'step-finished',
        'run-finished',
      ]);
    });

    it('serialises two resumes of one run, and refuses a second owner while the lease is held', async () => {
      const runId = await engine.create('line', {});
      const other = new WorkflowEngine({ store: opened.store, leaseMs: 60_000 });
      other.register(
        new Graph('line', State, stateReducers)
          .node('a', () => ({}))
          .edge(START, 'a')
          .edge('a', END)
          .compile(),
      );
      expect(await opened.store.acquireLease(runId, other.owner, 60_000)).toBe(true);
      await expect(engine.resume(runId)).rejects.toMatchObject({ code: 'lease_held' });
      await opened.store.releaseLease(runId, other.owner);
      const [first, second] = await Promise.all([engine.resume(runId), engine.resume(runId)]);
      expect(first).toBe(second);
      expect(first.state['count']).toBe(3);
    });

    it('rejects invalid input naming the field', async () => {
      await expect(engine.run('line', { count: 'many' })).rejects.toThrow(/count/);
    });
  });
}

describe('graph validation', () => {
  it('names unknown nodes, missing edges and unreachable nodes', () => {
    const graph = new Graph('broken', State)
      .node('a', () => ({}))
      .node('island', () => ({}))
      .node('dead_end', () => ({}));
    graph.edge(START, 'a').edge('a', 'ghost').edge('island', END).edge('a', 'dead_end');
    expect(() => graph.compile()).toThrow(
      /edge a -> "ghost": unknown node[\s\S]*node "dead_end" has no outgoing edge[\s\S]*node "island" is unreachable/,
    );
  });
});
