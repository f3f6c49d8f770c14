import { describe, expect, it } from 'vitest';

import { Arbiter } from '../../../src/coordination/conflicts/index.js';

const manager = (): Arbiter =>
  new Arbiter({
    objectives: [
      { name: 'revenue', weight: 3 },
      { name: 'safety', weight: 2 },
      { name: 'latency', weight: 1 },
    ],
  });

describe('Arbiter', () => {
  it('scores a task by the weighted mean of its criteria, a missing criterion counting 0', () => {
    expect(manager().score({ revenue: 1, safety: 0.5, latency: 0 })).toBeCloseTo(4 / 6, 10);
    expect(manager().score({ safety: 1 })).toBeCloseTo(2 / 6, 10);
  });

  it('allocates to the best score and queues the others by score', () => {
    const outcome = manager().arbitrate([
      { id: 'low', criteria: { revenue: 0.1, safety: 0.1, latency: 0.1 } },
      { id: 'best', criteria: { revenue: 0.9, safety: 0.8, latency: 0.2 } },
      { id: 'mid', criteria: { revenue: 0.1, safety: 0.9, latency: 0.9 } },
      { id: 'second', criteria: { revenue: 0.6, safety: 0.5, latency: 0.5 } },
    ]);
    expect(outcome.winner).toBe('best');
    expect(outcome.queue).toEqual(['second', 'mid', 'low']);
    expect(outcome.scores['best']).toBeGreaterThan(outcome.scores['second'] ?? 1);
  });

  it('weighs objectives, so a task strong on a heavy criterion beats one strong on a light one', () => {
    const outcome = manager().arbitrate([
      { id: 'fast', criteria: { latency: 1 } },
      { id: 'lucrative', criteria: { revenue: 1 } },
    ]);
    expect(outcome.winner).toBe('lucrative');
  });

  it('is unsure of a near tie and sure of a clear win', () => {
    const near = manager().arbitrate([
      { id: 'a', criteria: { revenue: 0.5 } },
      { id: 'b', criteria: { revenue: 0.49 } },
    ]);
    const clear = manager().arbitrate([
      { id: 'a', criteria: { revenue: 0.9 } },
      { id: 'b', criteria: { revenue: 0.2 } },
    ]);
    expect(near.confidence).toBeLessThan(0.8);
    expect(clear.confidence).toBeGreaterThan(0.99);
  });

  it('rejects scores outside [0, 1] and objectives with no weight', () => {
    expect(() => manager().score({ revenue: 2 })).toThrow(/\[0, 1\]/);
    expect(() => new Arbiter({ objectives: [{ name: 'x', weight: 0 }] })).toThrow(/positive total weight/);
  });
});
