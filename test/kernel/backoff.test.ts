import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { UserError } from '../../src/errors/index.js';
import {
  backoffDelay,
  backoffPolicySchema,
  DEFAULT_BACKOFF,
  exponentialDelay,
  MAX_RETRY_AFTER_MS,
  parseBackoffPolicy,
  shouldRetry,
  type BackoffPolicy,
} from '../../src/kernel/backoff.js';

const half = (): number => 0.5;

const policyArb = (jitter: BackoffPolicy['jitter']): fc.Arbitrary<BackoffPolicy> =>
  fc
    .record({
      maxAttempts: fc.integer({ min: 1, max: 20 }),
      baseDelayMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
      extra: fc.double({ min: 0, max: 100_000, noNaN: true }),
      multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
    })
    .map(({ extra, ...rest }) => ({ ...rest, maxDelayMs: rest.baseDelayMs + extra, jitter }));

const jitterArb = fc.constantFrom<BackoffPolicy['jitter']>('equal', 'full', 'none');
const attemptArb = fc.integer({ min: 1, max: 200 });
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

// An independent statement of the formula, so the properties do not just restate the implementation.
function expected(attempt: number, policy: BackoffPolicy): number {
  if (policy.baseDelayMs === 0) return 0;
  const raw = policy.baseDelayMs * Math.pow(policy.multiplier, attempt - 1);
  return raw > policy.maxDelayMs ? policy.maxDelayMs : raw;
}

describe('backoff schedule', () => {
  it('follows the exact expected sequence with the default policy and random = 0.5', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelay(n, DEFAULT_BACKOFF, half));
    // exp = 250, 500, ..., capped at 20 000; equal jitter at 0.5 gives three quarters of it.
    expect(schedule).toEqual([187.5, 375, 750, 1500, 3000, 6000, 12_000, 15_000, 15_000]);
  });

  it('gives the bare exponential delay without jitter, and half of it with full jitter at 0.5', () => {
    const none = { ...DEFAULT_BACKOFF, jitter: 'none' } as const;
    const full = { ...DEFAULT_BACKOFF, jitter: 'full' } as const;
    expect([1, 2, 3, 7, 8].map((n) => backoffDelay(n, none, half))).toEqual([250, 500, 1000, 16_000, 20_000]);
    expect([1, 2, 3, 7, 8].map((n) => backoffDelay(n, full, half))).toEqual([125, 250, 500, 8000, 10_000]);
  });

  it('spans the jitter band at the extremes of the random source', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(500);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999_999)).toBeCloseTo(1000, 2);
    expect(backoffDelay(3, { ...DEFAULT_BACKOFF, jitter: 'full' }, () => 0)).toBe(0);
  });

  it('keeps the delay inside the band when the random source misbehaves', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 7)).toBe(250);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => -3)).toBe(125);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => Number.NaN)).toBe(125);
  });

  it('does not overflow for huge attempt numbers', () => {
    expect(exponentialDelay(10_000, DEFAULT_BACKOFF)).toBe(20_000);
    expect(exponentialDelay(10_000, { ...DEFAULT_BACKOFF, baseDelayMs: 0 })).toBe(0);
  });

  it('rejects attempt numbers below 1 or fractional', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) {
      expect(() => backoffDelay(attempt, DEFAULT_BACKOFF, half)).toThrow(UserError);
    }
  });
});

describe('Retry-After', () => {
  it('is honoured above maxDelayMs', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, half, 45_000)).toBe(45_000);
  });

  it('does not shorten a longer backoff', () => {
    expect(backoffDelay(6, DEFAULT_BACKOFF, half, 10)).toBe(6000);
  });

  it('is capped at MAX_RETRY_AFTER_MS', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
    expect(backoffDelay(1, DEFAULT_BACKOFF, half, 86_400_000)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('is ignored when negative or NaN', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, half, -5000)).toBe(187.5);
    expect(backoffDelay(1, DEFAULT_BACKOFF, half, Number.NaN)).toBe(187.5);
  });
});

describe('backoff properties', () => {
  it('equal jitter stays within [exp/2, exp]', () => {
    fc.assert(
      fc.property(policyArb('equal'), attemptArb, randomArb, (policy, attempt, r) => {
        const exp = expected(attempt, policy);
        const delay = backoffDelay(attempt, policy, () => r);
        expect(delay).toBeGreaterThanOrEqual(exp / 2);
        expect(delay).toBeLessThanOrEqual(exp);
      }),
    );
  });

  it('full jitter stays within [0, exp] and none equals exp', () => {
    fc.assert(
      fc.property(policyArb('full'), attemptArb, randomArb, (policy, attempt, r) => {
        const exp = expected(attempt, policy);
        const delay = backoffDelay(attempt, policy, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(exp);
        expect(backoffDelay(attempt, { ...policy, jitter: 'none' }, () => r)).toBe(exp);
      }),
    );
  });

  it('never exceeds maxDelayMs without a Retry-After', () => {
    fc.assert(
      fc.property(
        jitterArb.chain(policyArb),
        attemptArb,
        randomArb,
        (policy, attempt, r) => backoffDelay(attempt, policy, () => r) <= policy.maxDelayMs,
      ),
    );
  });

  it('is never below a Retry-After (up to the cap), and is the larger of the two', () => {
    fc.assert(
      fc.property(
        jitterArb.chain(policyArb),
        attemptArb,
        randomArb,
        fc.double({ min: 0.001, max: 3_600_000, noNaN: true }),
        (policy, attempt, r, retryAfter) => {
          const plain = backoffDelay(attempt, policy, () => r);
          const delay = backoffDelay(attempt, policy, () => r, retryAfter);
          const floor = Math.min(retryAfter, MAX_RETRY_AFTER_MS);
          expect(delay).toBeGreaterThanOrEqual(floor);
          expect(delay).toBe(Math.max(plain, floor));
        },
      ),
    );
  });

  it('is non-decreasing in the attempt number without jitter', () => {
    fc.assert(
      fc.property(
        policyArb('none'),
        attemptArb,
        (policy, attempt) => backoffDelay(attempt + 1, policy, half) >= backoffDelay(attempt, policy, half),
      ),
    );
  });
});

describe('shouldRetry', () => {
  it('allows retries until maxAttempts attempts were made', () => {
    expect([0, 1, 2, 3, 4].map((n) => shouldRetry(n, DEFAULT_BACKOFF))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(shouldRetry(1, { ...DEFAULT_BACKOFF, maxAttempts: 1 })).toBe(false);
  });
});

describe('backoff policy validation', () => {
  it('fills missing fields with the defaults', () => {
    expect(parseBackoffPolicy({})).toEqual(DEFAULT_BACKOFF);
    expect(parseBackoffPolicy(undefined)).toEqual(DEFAULT_BACKOFF);
    expect(parseBackoffPolicy({ maxAttempts: 5, jitter: 'none' })).toEqual({
      ...DEFAULT_BACKOFF,
      maxAttempts: 5,
      jitter: 'none',
    });
    expect(backoffPolicySchema.parse({ baseDelayMs: 0, maxDelayMs: 0 })).toMatchObject({ maxDelayMs: 0 });
  });

  it('keeps the default policy immutable', () => {
    expect(Object.isFrozen(DEFAULT_BACKOFF)).toBe(true);
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 2.5 }, 'maxAttempts'],
    [{ baseDelayMs: -1 }, 'baseDelayMs'],
    [{ baseDelayMs: 30_000 }, 'maxDelayMs'],
    [{ baseDelayMs: 500, maxDelayMs: 100 }, 'maxDelayMs'],
    [{ multiplier: 0.5 }, 'multiplier'],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, 'maxDelayMs'],
    [{ jitter: 'decorrelated' }, 'jitter'],
    [{ maxAttemps: 3 }, 'maxAttemps'],
  ])('rejects %j with a UserError naming %s', (input, field) => {
    let caught: unknown;
    try {
      parseBackoffPolicy(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    const error = caught as UserError;
    expect(error.code).toBe('invalid_input');
    expect(error.data['field']).toBe(field);
    expect(error.message).toContain(`'${field}'`);
  });
});
