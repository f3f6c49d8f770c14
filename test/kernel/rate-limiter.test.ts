import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { UserError } from '../../src/errors/index.js';
import { RateLimiter, type RateLimits } from '../../src/kernel/rate-limiter.js';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('RateLimiter', () => {
  it('is unlimited without limits and never delays', () => {
    const limiter = new RateLimiter({});
    expect(limiter.unlimited).toBe(true);
    for (let i = 0; i < 1000; i++) limiter.take(1_000_000);
    expect(limiter.delayFor(1_000_000)).toBe(0);
    expect(limiter.snapshot()).toEqual({ requests: undefined, tokens: undefined });
    expect(new RateLimiter({ rpm: undefined, tpm: undefined }).unlimited).toBe(true);
    expect(new RateLimiter({ rpm: 1 }).unlimited).toBe(false);
  });

  it('allows a burst up to rpm, then delays by the refill time of one request', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 60 }, clock.now);
    for (let i = 0; i < 60; i++) {
      expect(limiter.delayFor(0)).toBe(0);
      limiter.take(0);
    }
    expect(limiter.delayFor(0)).toBe(1000);
    clock.advance(400);
    expect(limiter.delayFor(0)).toBeCloseTo(600, 9);
    clock.advance(600);
    expect(limiter.delayFor(0)).toBe(0);
  });

  it('paces a greedy caller at exactly rpm after the initial burst', () => {
    const clock = fakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ rpm: 60 }, clock.now);
    const starts: number[] = [];
    for (let i = 0; i < 120; i++) {
      clock.advance(limiter.delayFor(0));
      starts.push(clock.now() - start);
      limiter.take(0);
    }
    const expected = starts.map((_, k) => Math.max(0, k - 59) * 1000);
    starts.forEach((t, k) => expect(t).toBeCloseTo(expected[k] ?? Number.NaN, 6));
  });

  it('allows a burst up to tpm, then delays by the refill time of the tokens', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ tpm: 6000 }, clock.now);
    expect(limiter.delayFor(6000)).toBe(0);
    limiter.take(6000);
    // 6000 tokens per minute refill at 0.1 tokens per ms.
    expect(limiter.delayFor(600)).toBeCloseTo(6000, 6);
    clock.advance(3000);
    expect(limiter.delayFor(300)).toBe(0);
    expect(limiter.delayFor(600)).toBeCloseTo(3000, 6);
  });

  it('lets a request bigger than the whole TPM bucket start when the bucket is full', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ tpm: 1000 }, clock.now);
    expect(limiter.delayFor(5000)).toBe(0);
    limiter.take(5000);
    expect(limiter.snapshot().tokens).toBe(-4000);
    // The 4000-token debt plus a full bucket: 5000 tokens at 1000 per minute.
    expect(limiter.delayFor(5000)).toBeCloseTo(300_000, 6);
    clock.advance(299_999);
    expect(limiter.delayFor(5000)).toBeGreaterThan(0);
    clock.advance(1);
    expect(limiter.delayFor(5000)).toBe(0);
  });

  it('delays by the slower of the two buckets', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 2, tpm: 60_000 }, clock.now);
    limiter.take(10);
    limiter.take(10);
    expect(limiter.delayFor(10)).toBeCloseTo(30_000, 6);
    clock.advance(30_000);
    limiter.take(59_990);
    expect(limiter.delayFor(60_000)).toBeCloseTo(59_990, 6);
  });

  it('turns an underestimate into debt that delays later requests', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ tpm: 6000 }, clock.now);
    limiter.take(100);
    limiter.settle(100, 6100);
    expect(limiter.snapshot().tokens).toBe(-100);
    // 101 tokens at 0.1 per ms.
    expect(limiter.delayFor(1)).toBeCloseTo(1010, 6);
    clock.advance(1010);
    expect(limiter.delayFor(1)).toBe(0);
  });

  it('refunds an overestimate, but never above a full bucket', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ tpm: 6000 }, clock.now);
    limiter.take(1000);
    limiter.settle(1000, 200);
    expect(limiter.snapshot().tokens).toBe(5800);
    clock.advance(60_000);
    limiter.take(10);
    limiter.settle(10, 0);
    expect(limiter.snapshot().tokens).toBe(6000);
  });

  it('ignores settle when only rpm is limited', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 10 }, clock.now);
    limiter.take(5);
    limiter.settle(5, 1_000_000);
    expect(limiter.delayFor(1_000_000)).toBe(0);
    expect(limiter.snapshot()).toEqual({ requests: 9, tokens: undefined });
  });

  it('does not drain the buckets when the clock steps backwards', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rpm: 60 }, clock.now);
    limiter.take(0);
    clock.advance(-10_000);
    expect(limiter.snapshot().requests).toBe(59);
    clock.advance(11_000);
    expect(limiter.snapshot().requests).toBe(60);
  });

  it('uses performance.now by default', () => {
    const limiter = new RateLimiter({ rpm: 1 });
    expect(limiter.delayFor(0)).toBe(0);
    limiter.take(0);
    const delay = limiter.delayFor(0);
    expect(delay).toBeGreaterThan(59_000);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it.each([
    [{ rpm: 0 }, 'rpm'],
    [{ rpm: -5 }, 'rpm'],
    [{ tpm: Number.NaN }, 'tpm'],
    [{ tpm: Number.POSITIVE_INFINITY }, 'tpm'],
  ] satisfies [RateLimits, string][])('rejects limits %j naming %s', (limits, field) => {
    expect(() => new RateLimiter(limits)).toThrow(UserError);
    expect(() => new RateLimiter(limits)).toThrow(field);
  });

  it('rejects negative or non-finite token counts', () => {
    const limiter = new RateLimiter({ tpm: 100 });
    expect(() => limiter.delayFor(-1)).toThrow(UserError);
    expect(() => limiter.take(Number.NaN)).toThrow(UserError);
    expect(() => limiter.settle(10, -1)).toThrow(UserError);
  });
});

describe('RateLimiter properties', () => {
  const WINDOW = 60_000;

  /**
   * A bucket of capacity C refilled at C per minute admits at most C (a full bucket at the window's start)
   * plus C (a minute of refill) in any closed 60 s window. A request above C may start on a full bucket,
   * so for tokens the last one in a window can add its excess over C on top.
   */
  it('never admits more than 2 x rpm requests or 2 x tpm (+ oversize excess) tokens in any 60 s window', () => {
    fc.assert(
      fc.property(
        // Small limits make a window's worth of requests fit in one run, so an overfull bucket would show.
        fc.option(
          fc.oneof(
            fc.double({ min: 0.5, max: 20, noNaN: true }),
            fc.double({ min: 0.5, max: 600, noNaN: true }),
          ),
          { nil: undefined },
        ),
        fc.option(fc.integer({ min: 100, max: 100_000 }), { nil: undefined }),
        fc.array(
          fc.record({
            fraction: fc.double({ min: 0, max: 1, noNaN: true }),
            // Mostly greedy, sometimes idle long enough for the buckets to refill (and to overfill if capped wrong).
            idleMs: fc.oneof(
              { arbitrary: fc.constant(0), weight: 8 },
              { arbitrary: fc.double({ min: 0, max: 120_000, noNaN: true }), weight: 1 },
            ),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (rpm, tpm, calls) => {
          const clock = fakeClock();
          const limiter = new RateLimiter({ rpm, tpm }, clock.now);
          // Costs up to twice the bucket exercise the oversize rule.
          const costs = calls.map(({ fraction }) => Math.round(fraction * 2 * (tpm ?? 1000)));
          const admitted: { at: number; cost: number }[] = [];
          for (const [i, cost] of costs.entries()) {
            clock.advance(calls[i]?.idleMs ?? 0);
            clock.advance(limiter.delayFor(cost));
            // The delay it was told is enough: a greedy caller is admitted the moment it wakes.
            expect(limiter.delayFor(cost)).toBe(0);
            limiter.take(cost);
            admitted.push({ at: clock.now(), cost });
          }
          const maxCost = Math.max(...costs);
          for (const [i, first] of admitted.entries()) {
            let count = 0;
            let tokens = 0;
            for (const later of admitted.slice(i)) {
              if (later.at > first.at + WINDOW) break;
              count += 1;
              tokens += later.cost;
            }
            if (rpm !== undefined) expect(count).toBeLessThanOrEqual(Math.floor(2 * rpm + 1e-6));
            if (tpm !== undefined) {
              expect(tokens).toBeLessThanOrEqual(2 * tpm + Math.max(0, maxCost - tpm) + 1e-6 * tpm);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('admits a greedy caller at the long-run rate of rpm per minute', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 5 }), (rpm, minutes) => {
        const clock = fakeClock();
        const start = clock.now();
        const limiter = new RateLimiter({ rpm }, clock.now);
        let admitted = 0;
        for (;;) {
          const delay = limiter.delayFor(0);
          if (clock.now() + delay - start > minutes * WINDOW + 1e-3) break;
          clock.advance(delay);
          limiter.take(0);
          admitted += 1;
        }
        // The initial full bucket, then one minute's worth per minute.
        expect(admitted).toBe(rpm * (minutes + 1));
      }),
    );
  });
});
