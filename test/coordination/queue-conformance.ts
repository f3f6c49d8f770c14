import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { TaskQueue, TaskQueueOptions } from '../../src/coordination/queue/index.js';
import { expectCode, waitFor } from './coordination-support.js';

/** One test's backend: every queue `open` returns shares its tasks (same process memory or key prefix). */
export interface QueueBackend {
  open(options?: TaskQueueOptions): Promise<TaskQueue>;
  close(): Promise<void>;
}

export interface QueueFactory {
  backend(): Promise<QueueBackend>;
}

/** Short real timeouts: the behaviour under test is what happens when they pass. */
const FAST: TaskQueueOptions = {
  visibilityTimeoutMs: 5_000,
  backoff: { baseMs: 1, maxMs: 1 },
  pollIntervalMs: 5,
};

/** The TaskQueue contract (src/coordination/queue/types.ts): queue-inprocess.test.ts and queue-redis.test.ts. */
export function runQueueConformance(name: string, factory: QueueFactory): void {
  describe(`TaskQueue conformance: ${name}`, () => {
    let backend: QueueBackend;
    beforeEach(async () => {
      backend = await factory.backend();
    });
    afterEach(async () => {
      await backend.close();
    });

    it('delegates to a named agent or to any worker advertising a capability', async () => {
      const queue = await backend.open(FAST);
      const { task: forAlice, created } = await queue.enqueue({
        target: { agent: 'alice' },
        kind: 'review',
        payload: { doc: 'a.md', at: '2024-01-01' },
      });
      expect(created).toBe(true);
      expect(forAlice).toMatchObject({
        state: 'queued',
        attempts: 0,
        priority: 0,
        target: { agent: 'alice' },
      });
      const { task: forSummariser } = await queue.enqueue({
        target: { capability: 'summarise' },
        kind: 'sum',
      });

      expect(
        await queue.claim({ worker: 'w-bob', agent: 'bob', capabilities: ['translate'] }),
      ).toBeUndefined();
      const alice = await queue.claim({ worker: 'w-alice', agent: 'alice' });
      expect(alice).toMatchObject({
        id: forAlice.id,
        kind: 'review',
        payload: { doc: 'a.md', at: '2024-01-01' },
        state: 'claimed',
        attempts: 1,
        claimedBy: 'w-alice',
      });
      expect(alice?.token).toEqual(expect.any(String));
      expect(alice?.deadline).toBeInstanceOf(Date);
      expect(await queue.claim({ worker: 'w-alice', agent: 'alice' })).toBeUndefined();
      const summariser = await queue.claim({
        worker: 'w2',
        agent: 'carol',
        capabilities: ['translate', 'summarise'],
      });
      expect(summariser?.id).toBe(forSummariser.id);
      expect(summariser?.target).toEqual({ capability: 'summarise' });

      // Another queue instance on the same backend (another process) sees the same tasks.
      const other = await backend.open(FAST);
      expect((await other.get(forAlice.id))?.state).toBe('claimed');
      expect(await other.get('no-such-task')).toBeUndefined();
    });

    it('claims the highest priority first, then first enqueued first, across agent and capabilities', async () => {
      const queue = await backend.open(FAST);
      const order: string[] = [];
      const add = async (label: string, priority: number, target: 'agent' | 'capability') => {
        await queue.enqueue({
          target: target === 'agent' ? { agent: 'ann' } : { capability: 'code' },
          kind: label,
          priority,
        });
      };
      await add('low-1', -1, 'agent');
      await add('mid-1', 0, 'capability');
      await add('high-1', 7, 'agent');
      await add('mid-2', 0, 'agent');
      await add('high-2', 7, 'capability');
      for (;;) {
        const task = await queue.claim({ worker: 'w', agent: 'ann', capabilities: ['code'] });
        if (!task) break;
        order.push(task.kind);
      }
      expect(order).toEqual(['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1']);
    });

    it('ack completes a task once: a second ack is a duplicate, a later fail a conflict', async () => {
      const queue = await backend.open(FAST);
      const { task } = await queue.enqueue({ target: { agent: 'a' }, kind: 'k' });
      const claim = await queue.claim({ worker: 'w', agent: 'a' });
      if (!claim) throw new Error('no claim');
      expect(await queue.ack(claim, { summary: 'ok' })).toEqual({ duplicate: false });
      expect(await queue.get(task.id)).toMatchObject({
        state: 'done',
        result: { summary: 'ok' },
        claimedBy: null,
        deadline: null,
      });
      expect((await queue.get(task.id))?.finishedAt).toBeInstanceOf(Date);
      expect(await queue.ack(claim)).toEqual({ duplicate: true });
      await expectCode(queue.fail(claim, { error: 'late' }), 'conflict');
      await expectCode(queue.ack({ id: 'missing', token: 'x' }), 'not_found');
      expect(await queue.claim({ worker: 'w', agent: 'a' })).toBeUndefined();
    });

    it('a failed attempt returns after an exponential backoff', async () => {
      const queue = await backend.open({ ...FAST, backoff: { baseMs: 40, maxMs: 100 } });
      const { task } = await queue.enqueue({ target: { agent: 'a' }, kind: 'flaky', maxAttempts: 5 });
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const claim = await queue.claim({ worker: 'w', agent: 'a', waitMs: 5_000 });
        expect(claim?.attempts).toBe(attempt);
        if (!claim) throw new Error('no claim');
        const before = Date.now();
        const failed = await queue.fail(claim, { error: `boom ${attempt}` });
        const after = Date.now();
        expect(failed.state).toBe('queued');
        const retryAt = failed.retryAt?.getTime() ?? 0;
        // The scheduled delay (base · 2^(attempt-1), capped), give or take the call's own duration.
        const planned = Math.min(100, 40 * 2 ** (attempt - 1));
        expect(retryAt - before).toBeGreaterThanOrEqual(planned - 2);
        expect(retryAt - after).toBeLessThanOrEqual(planned + 2);
        delays.push(planned);
        expect(await queue.get(task.id)).toMatchObject({ state: 'queued', lastError: `boom ${attempt}` });
        // Not claimable during the backoff.
        if (Date.now() < retryAt - 10) expect(await queue.claim({ worker: 'w', agent: 'a' })).toBeUndefined();
      }
      expect(delays).toEqual([40, 80, 100]);
      const last = await queue.claim({ worker: 'w', agent: 'a', waitMs: 5_000 });
      expect(last?.attempts).toBe(4);
    });

    it('dead-letters after maxAttempts failures, or at once when retry is false; retryDead requeues', async () => {
      const queue = await backend.open({ ...FAST, maxAttempts: 2 });
      const { task } = await queue.enqueue({ target: { agent: 'a' }, kind: 'doomed', payload: { n: 1 } });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const claim = await queue.claim({ worker: 'w', agent: 'a', waitMs: 5_000 });
        if (!claim) throw new Error('no claim');
        const failed = await queue.fail(claim, { error: `try ${attempt} failed` });
        expect(failed.state).toBe(attempt === 2 ? 'dead' : 'queued');
      }
      expect(await queue.claim({ worker: 'w', agent: 'a', waitMs: 30 })).toBeUndefined();
      const dead = await queue.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id: task.id, state: 'dead', attempts: 2, lastError: 'try 2 failed' });
      expect(dead[0]?.finishedAt).toBeInstanceOf(Date);

      const { task: fatal } = await queue.enqueue({ target: { agent: 'a' }, kind: 'fatal' });
      const claim = await queue.claim({ worker: 'w', agent: 'a' });
      expect(claim?.id).toBe(fatal.id);
      if (!claim) throw new Error('no claim');
      expect(await queue.fail(claim, { error: 'bad input', retry: false })).toEqual({
        state: 'dead',
        retryAt: null,
      });
      expect((await queue.deadLetters()).map((record) => record.id)).toEqual([task.id, fatal.id]);
      expect((await queue.deadLetters(1)).map((record) => record.id)).toEqual([task.id]);

      const revived = await queue.retryDead(task.id);
      expect(revived).toMatchObject({ state: 'queued', attempts: 0 });
      expect((await queue.claim({ worker: 'w', agent: 'a' }))?.id).toBe(task.id);
      expect((await queue.deadLetters()).map((record) => record.id)).toEqual([fatal.id]);
      await expectCode(queue.retryDead(task.id), 'conflict');
      await expectCode(queue.retryDead('missing'), 'not_found');
    });

    it('a claim not acknowledged within its visibility timeout returns to the queue for another worker', async () => {
      const queue = await backend.open(FAST);
      const { task } = await queue.enqueue({ target: { capability: 'crunch' }, kind: 'k' });
      const first = await queue.claim({ worker: 'dies', capabilities: ['crunch'], visibilityTimeoutMs: 30 });
      if (!first) throw new Error('no claim');
      // The first worker never answers; the second waits until the task is visible again.
      const second = await queue.claim({ worker: 'lives', capabilities: ['crunch'], waitMs: 10_000 });
      expect(second).toMatchObject({ id: task.id, attempts: 2, claimedBy: 'lives' });
      expect(second?.lastError).toMatch(/visibility timeout/);
      if (!second) throw new Error('no claim');
      await expectCode(queue.ack(first), 'conflict');
      await expectCode(queue.extend(first), 'conflict');
      expect(await queue.ack(second, 'done once')).toEqual({ duplicate: false });
      expect(await queue.ack(first)).toEqual({ duplicate: true });
      expect((await queue.get(task.id))?.result).toBe('done once');
    });

    it('a task whose claims all time out is dead-lettered', async () => {
      const queue = await backend.open(FAST);
      const { task } = await queue.enqueue({ target: { agent: 'a' }, kind: 'k', maxAttempts: 1 });
      expect(await queue.claim({ worker: 'w', agent: 'a', visibilityTimeoutMs: 20 })).toBeDefined();
      await waitFor(async () => {
        await queue.claim({ worker: 'w2', agent: 'a' });
        return (await queue.get(task.id))?.state === 'dead';
      }, 'the timed-out task to be dead-lettered');
      expect((await queue.deadLetters()).map((record) => record.id)).toEqual([task.id]);
    });

    it('extend keeps a claim past its first deadline', async () => {
      const queue = await backend.open(FAST);
      await queue.enqueue({ target: { agent: 'a' }, kind: 'long' });
      const claim = await queue.claim({ worker: 'w', agent: 'a', visibilityTimeoutMs: 50 });
      if (!claim) throw new Error('no claim');
      const deadline = await queue.extend(claim, 10_000);
      expect(deadline.getTime()).toBeGreaterThan(claim.deadline.getTime());
      expect(await queue.claim({ worker: 'w2', agent: 'a', waitMs: 150 })).toBeUndefined();
      expect(await queue.ack(claim)).toEqual({ duplicate: false });
    });

    it('an idempotency key makes a duplicate enqueue return the existing task', async () => {
      const queue = await backend.open(FAST);
      const first = await queue.enqueue({ target: { agent: 'a' }, kind: 'k', idempotencyKey: 'order-42' });
      const again = await queue.enqueue({ target: { agent: 'a' }, kind: 'k', idempotencyKey: 'order-42' });
      expect(again).toMatchObject({
        created: false,
        task: { id: first.task.id, idempotencyKey: 'order-42' },
      });
      const claim = await queue.claim({ worker: 'w', agent: 'a' });
      expect(await queue.claim({ worker: 'w', agent: 'a' })).toBeUndefined();
      if (!claim) throw new Error('no claim');
      await queue.ack(claim);
      const afterDone = await queue.enqueue({
        target: { agent: 'a' },
        kind: 'k',
        idempotencyKey: 'order-42',
      });
      expect(afterDone).toMatchObject({ created: false, task: { id: first.task.id, state: 'done' } });
      expect(await queue.claim({ worker: 'w', agent: 'a' })).toBeUndefined();
    });

    it('once applies an effect once per key, also for a redelivered task and concurrent callers', async () => {
      const queue = await backend.open({ ...FAST, onceLeaseMs: 5_000 });
      const effects: string[] = [];
      const { task } = await queue.enqueue({
        target: { agent: 'a' },
        kind: 'pay',
        idempotencyKey: 'invoice-7',
      });
      const first = await queue.claim({ worker: 'w1', agent: 'a', visibilityTimeoutMs: 30 });
      if (!first) throw new Error('no claim');
      const applied = await queue.once(`effect:${first.idempotencyKey}`, async () => {
        effects.push(`charged by w1`);
        return { receipt: 'r-1' };
      });
      expect(applied).toEqual({ value: { receipt: 'r-1' }, applied: true });
      // w1 dies before its ack: the task is redelivered and w2 runs the same handler.
      const second = await queue.claim({ worker: 'w2', agent: 'a', waitMs: 10_000 });
      expect(second?.id).toBe(task.id);
      if (!second) throw new Error('no claim');
      const skipped = await queue.once(`effect:${second.idempotencyKey}`, async () => {
        effects.push('charged by w2');
        return { receipt: 'r-2' };
      });
      expect(skipped).toEqual({ value: { receipt: 'r-1' }, applied: false });
      await queue.ack(second);
      expect(effects).toEqual(['charged by w1']);

      // Concurrent callers: one runs the effect, the others wait for its record.
      let runs = 0;
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          queue.once('concurrent', async () => {
            runs += 1;
            await new Promise((resolve) => setTimeout(resolve, 30));
            return runs;
          }),
        ),
      );
      expect(runs).toBe(1);
      expect(results.map((result) => result.value)).toEqual([1, 1, 1]);
      expect(results.filter((result) => result.applied)).toHaveLength(1);

      // A failed effect is not recorded: the next call runs it again.
      await expect(queue.once('flaky', () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
      expect(await queue.once('flaky', () => 'second try')).toEqual({ value: 'second try', applied: true });
    });

    it('a waiting claim is answered when a task arrives', async () => {
      const queue = await backend.open(FAST);
      const waiting = queue.claim({ worker: 'w', capabilities: ['late'], waitMs: 10_000 });
      const { task } = await queue.enqueue({ target: { capability: 'late' }, kind: 'k' });
      expect((await waiting)?.id).toBe(task.id);
    });

    it('refuses invalid input with invalid_input naming the field', async () => {
      const queue = await backend.open(FAST);
      const cases: [unknown, string][] = [
        [{ target: {}, kind: 'k' }, 'target'],
        [{ target: { agent: 'a', capability: 'c' }, kind: 'k' }, 'target'],
        [{ target: { agent: '' }, kind: 'k' }, 'target.agent'],
        [{ target: { agent: 'a' }, kind: '' }, 'kind'],
        [{ target: { agent: 'a' }, kind: 'k', priority: 1.5 }, 'priority'],
        [{ target: { agent: 'a' }, kind: 'k', maxAttempts: 0 }, 'maxAttempts'],
        [{ target: { agent: 'a' }, kind: 'k', payload: { n: 1n } }, 'payload'],
      ];
      for (const [input, field] of cases) {
        const error = await expectCode(queue.enqueue(input as never), 'invalid_input');
        expect(error.data['field']).toBe(field);
      }
      await expectCode(queue.claim({ worker: 'w' }), 'invalid_input');
      expect(await queue.claim({ worker: 'w', agent: 'a' })).toBeUndefined();
    });

    it('a closed queue refuses calls with a typed error', async () => {
      const queue = await backend.open(FAST);
      await queue.close();
      const error = await expectCode(queue.enqueue({ target: { agent: 'a' }, kind: 'k' }), 'internal');
      expect(error).toMatchObject({ reason: 'closed' });
    });
  });
}
