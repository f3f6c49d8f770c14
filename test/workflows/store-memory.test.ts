import { describe, expect, it } from 'vitest';

import { InMemoryWorkflowStore } from '../../src/workflows/memory-store.js';
import { runWorkflowStoreConformance } from './store-conformance.js';
import { expectCode, initial, stepRecord } from './store-support.js';

/** A fake clock: lease expiry is tested without sleeping. */
function clocked(): { store: InMemoryWorkflowStore; advance(ms: number): void } {
  let now = Date.UTC(2024, 0, 1);
  return { store: new InMemoryWorkflowStore({ now: () => now }), advance: (ms) => void (now += ms) };
}

runWorkflowStoreConformance('InMemoryWorkflowStore', {
  async open() {
    const { store, advance } = clocked();
    return {
      store,
      async elapse(ms) {
        advance(ms);
      },
      async close() {},
    };
  },
});

describe('InMemoryWorkflowStore specifics', () => {
  it('timestamps and leases follow the injected clock', async () => {
    const { store, advance } = clocked();
    const run = await store.createRun({ id: 'r', graph: 'g', input: {}, initial: initial() });
    expect(run.createdAt.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(await store.acquireLease('r', 'alpha', 1_000)).toBe(true);
    advance(999);
    expect(await store.acquireLease('r', 'beta', 1_000)).toBe(false);
    advance(1);
    expect(await store.acquireLease('r', 'beta', 1_000)).toBe(true);
    await store.setStatus('r', 'done', null);
    expect((await store.getRun('r'))?.updatedAt.toISOString()).toBe('2024-01-01T00:00:01.000Z');
  });

  it('keeps the newest maxFinishedRuns finished runs and drops older ones; running runs stay', async () => {
    const store = new InMemoryWorkflowStore({ maxFinishedRuns: 2 });
    for (const runId of ['a', 'b', 'c', 'live'])
      await store.createRun({ id: runId, graph: 'g', input: {}, initial: initial() });
    await store.setStatus('a', 'done', null);
    await store.setStatus('b', 'failed', null);
    await store.createApproval({
      id: 'ap',
      runId: 'a',
      step: 1,
      taskId: '1:x:0',
      index: 0,
      action: 'x',
      payload: null,
      hash: 'h',
    });
    await store.commitStep('c', stepRecord(1), [], { finish: true });
    expect(await store.getRun('a')).toBeUndefined(); // the oldest finished, with its approvals
    expect(await store.getApproval('ap')).toBeUndefined();
    expect((await store.getRun('b'))?.status).toBe('failed');
    expect((await store.getRun('c'))?.status).toBe('done');
    expect((await store.getRun('live'))?.status).toBe('running');
    await store.setStatus('b', 'running', null); // resumed: no longer counted as finished
    await store.setStatus('live', 'cancelled', null);
    expect((await store.listRuns({})).map((run) => run.id).sort()).toEqual(['b', 'c', 'live']);
  });

  it('a value that cannot be copied is refused with invalid_input, and nothing is stored', async () => {
    const { store } = clocked();
    await expectCode(
      store.createRun({ id: 'r', graph: 'g', input: { f: () => 1 }, initial: initial() }),
      'invalid_input',
    );
    expect(await store.getRun('r')).toBeUndefined();
  });
});
