import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  createScheduler,
  LeastAttainedServiceScheduler,
  PriorityScheduler,
  RoundRobinScheduler,
  SCHEDULER_POLICIES,
  type QueuedItem,
  type Scheduler,
} from '../../src/kernel/index.js';

let sequence = 0;
function item(agentId: string, options: Partial<QueuedItem> = {}): QueuedItem {
  sequence++;
  return { id: `s${sequence}`, agentId, priority: 0, enqueuedAt: 0, sequence, ...options };
}

function drain(scheduler: Scheduler, now = 0): string[] {
  const order: string[] = [];
  for (let next = scheduler.dequeue(now); next; next = scheduler.dequeue(now)) order.push(next.id);
  return order;
}

/** A random interleaving of enqueues, dequeues (some with a predicate) and removals. */
const operations = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('enqueue' as const),
      agent: fc.integer({ min: 0, max: 4 }),
      priority: fc.integer({ min: -2, max: 2 }),
    }),
    fc.record({
      op: fc.constant('dequeue' as const),
      blockAgent: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
    fc.record({
      op: fc.constant('service' as const),
      agent: fc.integer({ min: 0, max: 4 }),
      ms: fc.integer({ min: 0, max: 500 }),
    }),
  ),
  { maxLength: 120 },
);

describe('every scheduler policy', () => {
  for (const policy of SCHEDULER_POLICIES) {
    it(`${policy}: each submitted syscall comes out exactly once (property)`, () => {
      fc.assert(
        fc.property(operations, (ops) => {
          const scheduler = createScheduler(policy, { agingMs: 100, starvationMs: 1_000 });
          const inQueue = new Map<string, QueuedItem>();
          const out = new Set<string>();
          let now = 0;
          for (const step of ops) {
            now += 10;
            if (step.op === 'enqueue') {
              const queued = item(`a${step.agent}`, { priority: step.priority, enqueuedAt: now });
              scheduler.enqueue(queued);
              inQueue.set(queued.id, queued);
            } else if (step.op === 'dequeue') {
              const blocked = step.blockAgent === undefined ? undefined : `a${step.blockAgent}`;
              const next = scheduler.dequeue(
                now,
                blocked ? (candidate) => candidate.agentId !== blocked : undefined,
              );
              if (next) {
                expect(next.agentId).not.toBe(blocked);
                expect(inQueue.delete(next.id)).toBe(true);
                expect(out.has(next.id)).toBe(false);
                out.add(next.id);
              } else if (!blocked) expect(inQueue.size).toBe(0);
            } else if (step.op === 'remove') {
              const ids = [...inQueue.keys()];
              const id = ids[step.pick % Math.max(1, ids.length)];
              if (id !== undefined) {
                expect(scheduler.remove(id)).toBe(true);
                inQueue.delete(id);
              }
            } else scheduler.recordService(`a${step.agent}`, step.ms);
            expect(scheduler.size).toBe(inQueue.size);
          }
          const rest = drain(scheduler, now);
          expect(new Set(rest)).toEqual(new Set(inQueue.keys()));
        }),
      );
    });

    it(`${policy}: an item blocked by the predicate keeps its place`, () => {
      const scheduler = createScheduler(policy);
      const first = item('a');
      const second = item('b');
      scheduler.enqueue(first);
      scheduler.enqueue(second);
      expect(scheduler.dequeue(0, (candidate) => candidate.id !== first.id)?.id).toBe(second.id);
      expect(scheduler.dequeue(0)?.id).toBe(first.id);
    });
  }
});

describe('fifo', () => {
  it('serves in arrival order, and a re-queued item returns to its original place', () => {
    const scheduler = createScheduler('fifo');
    const [a, b, c] = [item('x'), item('y'), item('z')];
    scheduler.enqueue(a);
    scheduler.enqueue(b);
    expect(scheduler.dequeue(0)?.id).toBe(a.id);
    scheduler.enqueue(c);
    scheduler.enqueue(a); // a retry keeps its sequence
    expect(drain(scheduler)).toEqual([a.id, b.id, c.id]);
  });
});

describe('round-robin', () => {
  it('takes one syscall per agent in turn', () => {
    const scheduler = new RoundRobinScheduler();
    const busy = [item('busy'), item('busy'), item('busy')];
    for (const queued of busy) scheduler.enqueue(queued);
    const quiet = item('quiet');
    scheduler.enqueue(quiet);
    expect(drain(scheduler)).toEqual([busy[0]?.id, quiet.id, busy[1]?.id, busy[2]?.id]);
  });
});

describe('priority with aging', () => {
  it('serves higher priority first, ties in arrival order', () => {
    const scheduler = new PriorityScheduler(1_000);
    const low = item('a', { priority: 0 });
    const high = item('b', { priority: 5 });
    const high2 = item('c', { priority: 5 });
    for (const queued of [low, high, high2]) scheduler.enqueue(queued);
    expect(drain(scheduler)).toEqual([high.id, high2.id, low.id]);
  });

  it('lets a long-waiting low-priority syscall overtake fresh high-priority ones', () => {
    const scheduler = new PriorityScheduler(100);
    const old = item('patient', { priority: 0, enqueuedAt: 0 });
    scheduler.enqueue(old);
    // At t = 1000 the old item has aged by 10 levels; a fresh priority-5 item has not aged.
    scheduler.enqueue(item('urgent', { priority: 5, enqueuedAt: 1_000 }));
    expect(scheduler.dequeue(1_000)?.id).toBe(old.id);
  });

  it('never starves: under a constant stream of high-priority work the low item is served within a bounded wait (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 200 }),
        (highPriority, agingMs) => {
          const scheduler = new PriorityScheduler(agingMs);
          const low = item('low', { priority: 0, enqueuedAt: 0 });
          scheduler.enqueue(low);
          // Each tick a new urgent syscall arrives and one syscall is served.
          for (let tick = 1; tick <= 10_000; tick++) {
            const now = tick * 10;
            scheduler.enqueue(item('high', { priority: highPriority, enqueuedAt: now }));
            if (scheduler.dequeue(now)?.id === low.id) {
              expect(now).toBeLessThanOrEqual((highPriority + 1) * agingMs + 10);
              return;
            }
          }
          expect.unreachable('the low-priority syscall starved');
        },
      ),
    );
  });
});

describe('least attained service', () => {
  it('serves the agent that has received the least service first', () => {
    const scheduler = new LeastAttainedServiceScheduler();
    scheduler.recordService('long-runner', 5_000);
    const long = item('long-runner');
    const fresh = item('newcomer');
    scheduler.enqueue(long);
    scheduler.enqueue(fresh);
    expect(scheduler.dequeue(0)?.id).toBe(fresh.id);
  });

  it('serves a starving syscall first regardless of service', () => {
    const scheduler = new LeastAttainedServiceScheduler(1_000);
    scheduler.recordService('long-runner', 5_000);
    const starving = item('long-runner', { enqueuedAt: 0 });
    scheduler.enqueue(starving);
    scheduler.enqueue(item('newcomer', { enqueuedAt: 1_500 }));
    expect(scheduler.dequeue(1_500)?.id).toBe(starving.id);
  });

  it('forgets an agent that left', () => {
    const scheduler = new LeastAttainedServiceScheduler();
    scheduler.recordService('gone', 100);
    scheduler.forgetAgent('gone');
    expect(scheduler.attainedService('gone')).toBe(0);
  });
});

describe('createScheduler', () => {
  it('rejects an unknown policy naming the field', () => {
    expect(() => createScheduler('lottery' as never)).toThrow(/kernel|policy/);
  });
});
