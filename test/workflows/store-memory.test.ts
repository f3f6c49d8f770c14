import { describe, expect, it } from 'vitest';

import { InMemoryWorkflowStore } from '../../src/workflows/memory-store.js';
import { runWorkflowStoreConformance } from './store-conformance.js';
import { expectCode, initial } from './store-support.js';

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

  it('a value that cannot be copied is refused with invalid_input, and nothing is stored', async () => {
    const { store } = clocked();
    await expectCode(
      store.createRun({ id: 'r', graph: 'g', input: { f: () => 1 }, initial: initial() }),
      'invalid_input',
    );
    expect(await store.getRun('r')).toBeUndefined();
  });
});
