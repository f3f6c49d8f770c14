import { describe, expect, it } from 'vitest';

import { InProcessStigmergy } from '../../../src/coordination/swarm/index.js';
import { runStigmergyConformance } from './stigmergy-conformance.js';

/** A fake clock, so decay is tested without sleeping. */
function clocked(): { env: InProcessStigmergy; advance(ms: number): void } {
  let now = Date.now();
  return { env: new InProcessStigmergy({ now: () => now }), advance: (ms) => void (now += ms) };
}

runStigmergyConformance('InProcessStigmergy', {
  shortTtlMs: 1_000,
  async open() {
    const { env, advance } = clocked();
    return {
      env,
      client: async () => env, // one process: every agent holds the same object
      elapse: async (ms) => advance(ms),
      close: async () => undefined,
    };
  },
});

describe('InProcessStigmergy specifics', () => {
  it('expiry follows the injected clock to the millisecond, with the default TTL', async () => {
    let now = 1_000;
    const env = new InProcessStigmergy({ now: () => now, defaultTtlMs: 500 });
    await env.deposit('f', 'reviewing');
    expect(await env.sense('f')).toEqual([
      { location: 'f', type: 'reviewing', strength: 1, expiresAt: 1_500 },
    ]);
    now = 1_499;
    expect(await env.strength('f', 'reviewing')).toBe(1);
    now = 1_500;
    expect(await env.strength('f', 'reviewing')).toBe(0);
  });

  it('evaporated traces are swept, so memory stays flat', async () => {
    let now = 0;
    const env = new InProcessStigmergy({ now: () => now, defaultTtlMs: 10 });
    for (let i = 0; i < 2_000; i++) {
      await env.deposit(`file-${i}`, 'seen');
      now += 1;
    }
    // Deposits sweep every 1,024 calls, so at most that many traces are held, not 2,000.
    expect(env.size).toBeLessThanOrEqual(1_024);
    env.sweep();
    expect(env.size).toBe(9); // deposited at 1991..1999, alive until 2001..2009; now is 2000
  });

  it('refuses a bad default TTL', () => {
    expect(() => new InProcessStigmergy({ defaultTtlMs: -1 })).toThrow(/positive whole number/);
  });
});
