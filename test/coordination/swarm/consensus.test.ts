import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { mergeBeliefs, reachConsensus, type Belief } from '../../../src/coordination/swarm/index.js';
import { HydraError } from '../../../src/errors/index.js';

/** A simulated verifier: the truth plus seeded noise, less confident the further off it landed. */
const noisy =
  (truth: number, noise: number) =>
  async (_agent: string, _claim: string, { random }: { random: () => number }): Promise<Belief> => {
    const error = (random() * 2 - 1) * noise;
    return { value: truth + error, confidence: Math.max(0.05, 1 - Math.abs(error)) };
  };

const belief = fc.record({
  value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('mergeBeliefs (the consensus update)', () => {
  it('stays within [min, max] of the values and of the confidences', () => {
    fc.assert(
      fc.property(fc.array(belief, { minLength: 1, maxLength: 20 }), (beliefs) => {
        const merged = mergeBeliefs(beliefs);
        const values = beliefs.map((b) => b.value);
        const confidences = beliefs.map((b) => b.confidence);
        expect(merged.value).toBeGreaterThanOrEqual(Math.min(...values));
        expect(merged.value).toBeLessThanOrEqual(Math.max(...values));
        expect(merged.confidence).toBeGreaterThanOrEqual(Math.min(...confidences));
        expect(merged.confidence).toBeLessThanOrEqual(Math.max(...confidences));
      }),
    );
  });

  it('weights by confidence: zero-confidence beliefs have no say, equal ones give the mean, order is irrelevant', () => {
    fc.assert(
      fc.property(
        fc
          .array(belief, { minLength: 1, maxLength: 10 })
          .filter((beliefs) => beliefs.some((b) => b.confidence > 1e-3)),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 5 }),
        (beliefs, ignored) => {
          const merged = mergeBeliefs(beliefs);
          const withSilent = mergeBeliefs([
            ...beliefs,
            ...ignored.map((value) => ({ value, confidence: 0 })),
          ]);
          expect(withSilent.value).toBeCloseTo(merged.value, 6);
          expect(mergeBeliefs([...beliefs].reverse()).value).toBeCloseTo(merged.value, 6);
          const equal = beliefs.map((b) => ({ value: b.value, confidence: 0.5 }));
          const mean = beliefs.reduce((sum, b) => sum + b.value, 0) / beliefs.length;
          expect(mergeBeliefs(equal).value).toBeCloseTo(mean, 6);
          expect(mergeBeliefs(equal).confidence).toBeCloseTo(0.5, 12);
        },
      ),
    );
  });

  it('a more confident agent pulls the result towards itself', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.49, noNaN: true }), (low) => {
        const merged = mergeBeliefs([
          { value: 0, confidence: low },
          { value: 1, confidence: 1 - low },
        ]);
        expect(merged.value).toBeGreaterThan(0.5);
        expect(merged.value).toBeCloseTo(1 - low, 12);
      }),
    );
  });

  it('nobody confident: the plain mean with confidence 0; an empty list is invalid_input', () => {
    expect(
      mergeBeliefs([
        { value: 1, confidence: 0 },
        { value: 3, confidence: 0 },
      ]),
    ).toEqual({ value: 2, confidence: 0 });
    expect(() => mergeBeliefs([])).toThrow(/empty/);
  });
});

describe('reachConsensus', () => {
  it('converges on the truth from noisy independent verifications, gossiping with 3 peers a round', async () => {
    const result = await reachConsensus({
      claim: 'x',
      agents: 20,
      verify: noisy(0.7, 0.2),
      peers: 3,
      seed: 5,
    });
    expect(result.converged).toBe(true);
    expect(result.rounds).toBeGreaterThan(1);
    expect(result.rounds).toBeLessThan(50);
    expect(result.changes.at(-1)).toBeLessThanOrEqual(0.001);
    expect(result.changes.slice(0, -1).every((change) => change > 0.001)).toBe(true); // stopped at the first
    expect(result.spread).toBeLessThan(0.01);
    expect(Math.abs(result.belief - 0.7)).toBeLessThan(0.1);
    expect(result.confidence).toBeGreaterThan(0.8);
    expect(result.initial).toHaveLength(20);
  });

  it('hearing everyone converges in two rounds (one to agree, one to see nothing moves)', async () => {
    const result = await reachConsensus({ claim: 'x', agents: 8, verify: noisy(0.3, 0.3), seed: 2 });
    expect(result).toMatchObject({ converged: true, rounds: 2 });
  });

  it('respects the round limit and the tolerance', async () => {
    const capped = await reachConsensus({
      claim: 'x',
      agents: 30,
      verify: noisy(0.5, 0.4),
      peers: 1,
      tolerance: 0,
      maxRounds: 4,
    });
    expect(capped).toMatchObject({ converged: false, rounds: 4 });
    expect(capped.changes).toHaveLength(4);
    const loose = await reachConsensus({
      claim: 'x',
      agents: 30,
      verify: noisy(0.5, 0.4),
      peers: 1,
      tolerance: 0.05,
    });
    const tight = await reachConsensus({
      claim: 'x',
      agents: 30,
      verify: noisy(0.5, 0.4),
      peers: 1,
      tolerance: 1e-6,
    });
    expect(loose.converged && tight.converged).toBe(true);
    expect(tight.rounds).toBeGreaterThan(loose.rounds);
  });

  it('is deterministic given the seed, whatever order verifications finish in', async () => {
    const jittery = async (
      agent: string,
      claim: string,
      context: { index: number; random: () => number },
    ) => {
      await new Promise((resolve) => setTimeout(resolve, (context.index * 7) % 5));
      return noisy(0.6, 0.3)(agent, claim, context);
    };
    const a = await reachConsensus({
      claim: 'x',
      agents: 12,
      verify: jittery,
      peers: 2,
      seed: 9,
      concurrency: 12,
    });
    const b = await reachConsensus({
      claim: 'x',
      agents: 12,
      verify: jittery,
      peers: 2,
      seed: 9,
      concurrency: 1,
    });
    const c = await reachConsensus({ claim: 'x', agents: 12, verify: jittery, peers: 2, seed: 10 });
    expect(b).toEqual(a);
    expect(c.belief).not.toBe(a.belief);
  });

  it('the consensus stays within the range of the initial beliefs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(belief, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer(),
        async (beliefs, peers, seed) => {
          const result = await reachConsensus({
            claim: null,
            agents: beliefs.length,
            verify: async (_agent, _claim, { index }) => beliefs[index]!,
            peers,
            seed,
            maxRounds: 20,
          });
          const values = beliefs.map((b) => b.value);
          expect(result.belief).toBeGreaterThanOrEqual(Math.min(...values));
          expect(result.belief).toBeLessThanOrEqual(Math.max(...values));
          expect(result.rounds).toBeLessThanOrEqual(20);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a verifier returning a bad belief is invalid_input', async () => {
    for (const bad of [
      { value: Number.NaN, confidence: 1 },
      { value: 1, confidence: 1.5 },
    ]) {
      const error = await reachConsensus({ claim: 'x', agents: 2, verify: async () => bad }).catch(
        (e: unknown) => e,
      );
      expect(HydraError.isInstance(error) && error.code).toBe('invalid_input');
    }
  });
});
