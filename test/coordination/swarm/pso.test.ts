import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { optimizeSwarm, type SearchSpace } from '../../../src/coordination/swarm/index.js';
import { HydraError } from '../../../src/errors/index.js';

const sphere = (x: Record<string, number>): number => Object.values(x).reduce((sum, v) => sum + v * v, 0);
const rosenbrock = ({ x, y }: { x: number; y: number }): number => (1 - x) ** 2 + 100 * (y - x * x) ** 2;

describe('optimizeSwarm', () => {
  it('finds the minimum of the sphere function in 4 dimensions', async () => {
    const space = Object.fromEntries(['a', 'b', 'c', 'd'].map((name) => [name, { min: -5, max: 5 }]));
    const result = await optimizeSwarm({ space, objective: sphere, particles: 20, iterations: 150, seed: 1 });
    expect(result.value).toBeLessThan(1e-6);
    for (const value of Object.values(result.best)) expect(Math.abs(value)).toBeLessThan(1e-3);
    expect(result.evaluations).toBe(20 * 151);
    expect(result.history).toHaveLength(151);
    // The best value never gets worse.
    expect(result.history.every((value, i) => i === 0 || value <= result.history[i - 1]!)).toBe(true);
  });

  it('finds the minimum of Rosenbrock at (1, 1)', async () => {
    const result = await optimizeSwarm({
      space: { x: { min: -2, max: 2 }, y: { min: -1, max: 3 } },
      objective: rosenbrock,
      particles: 30,
      iterations: 300,
      seed: 7,
    });
    expect(result.value).toBeLessThan(1e-4);
    expect(Math.abs(result.best.x - 1)).toBeLessThan(0.02);
    expect(Math.abs(result.best.y - 1)).toBeLessThan(0.04);
  });

  it('evaluates positions only inside the bounds, whatever the weights (property)', async () => {
    const range = fc
      .tuple(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        fc.boolean(),
      )
      .map(([min, width, integer]) => ({ min, max: min + width, integer: integer && width >= 1 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(range, { minLength: 1, maxLength: 4 }),
        fc.record({
          inertia: fc.double({ min: -1, max: 3, noNaN: true }),
          cognitive: fc.double({ min: 0, max: 5, noNaN: true }),
          social: fc.double({ min: 0, max: 5, noNaN: true }),
          maxVelocity: fc.double({ min: 0.001, max: 5, noNaN: true }),
          seed: fc.integer(),
        }),
        async (ranges, settings) => {
          const space: SearchSpace = Object.fromEntries(ranges.map((r, i) => [`p${i}`, r]));
          let evaluated = 0;
          await optimizeSwarm({
            space,
            ...settings,
            particles: 6,
            iterations: 8,
            objective: (position) => {
              evaluated += 1;
              ranges.forEach((r, i) => {
                const value = position[`p${i}`]!;
                expect(value).toBeGreaterThanOrEqual(r.integer ? Math.ceil(r.min) : r.min);
                expect(value).toBeLessThanOrEqual(r.integer ? Math.floor(r.max) : r.max);
                if (r.integer) expect(Number.isInteger(value)).toBe(true);
              });
              // Pushes particles against the walls: the optimum is outside the space.
              return -Object.values(position).reduce((sum, v) => sum + v, 0) * settings.seed;
            },
          });
          expect(evaluated).toBe(6 * 9);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps the concurrency limit and gives the same answer at any concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const objective = async (position: { x: number; y: number }) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.abs(position.x * 3)) % 3));
      inFlight -= 1;
      return rosenbrock(position);
    };
    const space = { x: { min: -2, max: 2 }, y: { min: -2, max: 2 } };
    const parallel = await optimizeSwarm({
      space,
      objective,
      particles: 10,
      iterations: 5,
      concurrency: 3,
      seed: 4,
    });
    expect(peak).toBe(3);
    peak = 0;
    const serial = await optimizeSwarm({
      space,
      objective,
      particles: 10,
      iterations: 5,
      concurrency: 1,
      seed: 4,
    });
    expect(peak).toBe(1);
    expect(serial).toEqual(parallel);
  });

  it('stops early at the target value or after `patience` iterations without progress', async () => {
    const space = { x: { min: -5, max: 5 } };
    const target = await optimizeSwarm({ space, objective: sphere, targetValue: 0.01, iterations: 500 });
    expect(target.value).toBeLessThanOrEqual(0.01);
    expect(target.iterations).toBeLessThan(500);
    const flat = await optimizeSwarm({ space, objective: () => 1, patience: 3, iterations: 500 });
    expect(flat.iterations).toBe(3);
  });

  it('treats NaN as the worst value, and rejects bad options with invalid_input', async () => {
    const result = await optimizeSwarm({
      space: { x: { min: 0, max: 1 } },
      objective: ({ x }) => (x < 0.5 ? Number.NaN : x),
      iterations: 20,
    });
    expect(result.value).toBeGreaterThanOrEqual(0.5);
    const bad: Array<{ space: SearchSpace; particles?: number; inertia?: number }> = [
      { space: {} },
      { space: { x: { min: 2, max: 1 } } },
      { space: { x: { min: 0.2, max: 0.8, integer: true } } },
      { space: { x: { min: 0, max: 1 } }, particles: 0 },
      { space: { x: { min: 0, max: 1 } }, inertia: Infinity },
    ];
    for (const options of bad) {
      const error = await optimizeSwarm({ objective: () => 0, ...options }).catch((e: unknown) => e);
      expect(HydraError.isInstance(error) && error.code).toBe('invalid_input');
    }
  });
});
