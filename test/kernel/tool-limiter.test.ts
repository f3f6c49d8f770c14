import { setImmediate as tick } from 'node:timers/promises';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { AbortedError, UserError } from '../../src/errors/index.js';
import { ToolLimiter, type ToolConcurrency } from '../../src/kernel/tool-limiter.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** Runs `calls` calls of one tool, each taking `duration` ticks, and reports what overlapped. */
async function runMany(limiter: ToolLimiter, tool: string, calls: number, duration = 3) {
  let running = 0;
  let maxRunning = 0;
  const events: string[] = [];
  const results = await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      limiter.run(tool, async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        events.push(`start ${i}`);
        await ticks(duration);
        events.push(`end ${i}`);
        running -= 1;
        return i;
      }),
    ),
  );
  return { results, maxRunning, events };
}

describe('ToolLimiter', () => {
  it('never overlaps calls of an exclusive tool', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('browser', 1);
    const { results, events, maxRunning } = await runMany(limiter, 'browser', 5);
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(1);
    expect(events).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`start ${i}`, `end ${i}`]));
  });

  it('runs at most N at once and completes all 3N calls', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('search', 4);
    const { results, maxRunning } = await runMany(limiter, 'search', 12);
    expect(results).toHaveLength(12);
    expect(maxRunning).toBe(4);
    expect(limiter.stats()['search']).toEqual({ running: 0, waiting: 0, maxRunning: 4, completed: 12 });
  });

  it('runs every call at once for an unlimited tool (the default)', async () => {
    const limiter = new ToolLimiter();
    const { maxRunning } = await runMany(limiter, 'calculator', 50);
    expect(maxRunning).toBe(50);
  });

  it('applies defaultConcurrency to undeclared tools', async () => {
    const limiter = new ToolLimiter({ defaultConcurrency: 2 });
    expect((await runMany(limiter, 'anything', 6)).maxRunning).toBe(2);
    limiter.declare('fast', 'unlimited');
    expect((await runMany(limiter, 'fast', 6)).maxRunning).toBe(6);
  });

  it('keeps limits per tool', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('a', 1);
    limiter.declare('b', 3);
    const [a, b] = await Promise.all([runMany(limiter, 'a', 4), runMany(limiter, 'b', 9)]);
    expect([a.maxRunning, b.maxRunning]).toEqual([1, 3]);
  });

  it('starts waiters in arrival order', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('shell', 1);
    const gate = deferred();
    const order: number[] = [];
    const first = limiter.run('shell', () => gate.promise);
    const rest = [1, 2, 3, 4, 5].map((i) =>
      limiter.run('shell', async () => {
        order.push(i);
        await tick();
      }),
    );
    await tick();
    expect(limiter.stats()['shell']).toMatchObject({ running: 1, waiting: 5 });
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('releases the permit when a task throws, sync or async', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('flaky', 1);
    const failing = limiter.run('flaky', async () => {
      await tick();
      throw new Error('boom');
    });
    const syncFailing = limiter.run('flaky', (): Promise<never> => {
      throw new Error('sync boom');
    });
    const after = limiter.run('flaky', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(syncFailing).rejects.toThrow('sync boom');
    await expect(after).resolves.toBe('ok');
    expect(limiter.stats()['flaky']).toEqual({ running: 0, waiting: 0, maxRunning: 1, completed: 3 });
  });

  it('removes a call aborted while waiting and rejects it with AbortedError', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('db', 1);
    const gate = deferred();
    const holder = limiter.run('db', () => gate.promise);
    const controller = new AbortController();
    let abortedRan = false;
    const aborted = limiter.run(
      'db',
      async () => {
        abortedRan = true;
      },
      controller.signal,
    );
    const next = limiter.run('db', async () => 'next');
    controller.abort(new Error('user cancelled'));
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).code).toBe('aborted');
    expect((error as AbortedError).data['tool']).toBe('db');
    expect(limiter.stats()['db']).toMatchObject({ running: 1, waiting: 1 });
    gate.resolve();
    await expect(next).resolves.toBe('next');
    await holder;
    expect(abortedRan).toBe(false);
    expect(limiter.stats()['db']).toEqual({ running: 0, waiting: 0, maxRunning: 1, completed: 2 });
  });

  it('rejects an already-aborted call without running it, even with a free permit', async () => {
    const limiter = new ToolLimiter();
    let ran = false;
    const call = limiter.run(
      'x',
      async () => {
        ran = true;
      },
      AbortSignal.abort(),
    );
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    expect(ran).toBe(false);
    expect(limiter.stats()['x']).toMatchObject({ running: 0, completed: 0 });
  });

  it('does not start a call whose signal fires in the tick its permit is granted', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('t', 1);
    const gate = deferred();
    const holder = limiter.run('t', () => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(
      't',
      async () => {
        ran = true;
      },
      controller.signal,
    );
    // Raising the limit grants the permit synchronously; the abort lands before the call resumes.
    limiter.declare('t', 2);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(ran).toBe(false);
    expect(limiter.stats()['t']).toMatchObject({ running: 1, waiting: 0 });
    gate.resolve();
    await holder;
    expect(limiter.stats()['t']).toMatchObject({ running: 0, completed: 1 });
  });

  it('leaves an abort after the start to the task', async () => {
    const limiter = new ToolLimiter();
    const controller = new AbortController();
    const call = limiter.run(
      'x',
      async () => {
        await tick();
        return 'finished anyway';
      },
      controller.signal,
    );
    controller.abort();
    await expect(call).resolves.toBe('finished anyway');
  });

  it('applies a changed limit to calls already waiting, without interrupting running ones', async () => {
    const limiter = new ToolLimiter();
    limiter.declare('t', 1);
    const gates = [deferred(), deferred(), deferred()];
    const calls = gates.map((g) => limiter.run('t', () => g.promise));
    await tick();
    expect(limiter.stats()['t']).toMatchObject({ running: 1, waiting: 2 });
    limiter.declare('t', 3);
    expect(limiter.stats()['t']).toMatchObject({ running: 3, waiting: 0 });
    limiter.declare('t', 1);
    const late = limiter.run('t', async () => 'late');
    gates[0]?.resolve();
    gates[1]?.resolve();
    await Promise.all(calls.slice(0, 2));
    expect(limiter.stats()['t']).toMatchObject({ running: 1, waiting: 1 });
    gates[2]?.resolve();
    await expect(late).resolves.toBe('late');
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'lots'])(
    'rejects concurrency %s with UserError invalid_input',
    (bad) => {
      const limiter = new ToolLimiter();
      expect(() => limiter.declare('t', bad as ToolConcurrency)).toThrow(UserError);
      expect(() => new ToolLimiter({ defaultConcurrency: bad as ToolConcurrency })).toThrow(
        expect.objectContaining({
          code: 'invalid_input',
          data: expect.objectContaining({ field: 'defaultConcurrency' }),
        }),
      );
    },
  );
});

describe('ToolLimiter properties', () => {
  const callArb = fc.record({
    tool: fc.integer({ min: 0, max: 2 }),
    delay: fc.integer({ min: 0, max: 3 }),
    duration: fc.integer({ min: 0, max: 4 }),
    fails: fc.boolean(),
  });
  const limitArb = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant<'unlimited'>('unlimited'));

  it('completes every call exactly once and never exceeds any tool limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(limitArb, limitArb, limitArb),
        fc.array(callArb, { maxLength: 30 }),
        async (limits, calls) => {
          const limiter = new ToolLimiter();
          limits.forEach((limit, i) => limiter.declare(`tool${i}`, limit));
          const running = [0, 0, 0];
          const peak = [0, 0, 0];
          const executions = calls.map(() => 0);
          const outcomes = await Promise.allSettled(
            calls.map(async (call, i) => {
              await ticks(call.delay);
              return limiter.run(`tool${call.tool}`, async () => {
                executions[i] = (executions[i] ?? 0) + 1;
                running[call.tool] = (running[call.tool] ?? 0) + 1;
                peak[call.tool] = Math.max(peak[call.tool] ?? 0, running[call.tool] ?? 0);
                await ticks(call.duration);
                running[call.tool] = (running[call.tool] ?? 0) - 1;
                if (call.fails) throw new Error(`call ${i} failed`);
                return i;
              });
            }),
          );
          expect(executions).toEqual(calls.map(() => 1));
          outcomes.forEach((outcome, i) => {
            if (calls[i]?.fails) expect(outcome.status).toBe('rejected');
            else expect(outcome).toEqual({ status: 'fulfilled', value: i });
          });
          const stats = limiter.stats();
          limits.forEach((limit, t) => {
            const count = calls.filter((c) => c.tool === t).length;
            const toolStats = stats[`tool${t}`];
            expect(toolStats).toMatchObject({ running: 0, waiting: 0, completed: count });
            // The limiter holds a permit a microtask longer than the task body runs, so it may count more.
            expect(toolStats?.maxRunning).toBeGreaterThanOrEqual(peak[t] ?? 0);
            if (limit !== 'unlimited') expect(toolStats?.maxRunning).toBeLessThanOrEqual(limit);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
