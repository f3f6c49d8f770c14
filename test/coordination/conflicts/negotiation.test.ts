import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CompensationLedger,
  bidUtility,
  negotiate,
  normalCdf,
  rankBids,
  separationConfidence,
  type BidInput,
} from '../../../src/coordination/conflicts/index.js';

const bidArb: fc.Arbitrary<BidInput> = fc.record({
  value: fc.double({ min: 0, max: 1_000, noNaN: true }),
  quality: fc.double({ min: 0, max: 1, noNaN: true }),
  urgency: fc.double({ min: 0, max: 10, noNaN: true }),
  delayPenalty: fc.double({ min: 0, max: 100, noNaN: true }),
});
const bidsArb = fc.uniqueArray(
  fc.record({ agentId: fc.string({ minLength: 1, maxLength: 4 }), bid: bidArb }),
  {
    minLength: 1,
    maxLength: 8,
    selector: (entry) => entry.agentId,
  },
);

describe('bid utility', () => {
  it('is value × quality × urgency − delay penalty', () => {
    expect(bidUtility({ value: 10, quality: 0.5, urgency: 2, delayPenalty: 3 })).toBe(7);
    expect(bidUtility({ value: 10, quality: 0.5, urgency: 2 })).toBe(10);
  });

  it('rejects a quality outside [0, 1] and negative inputs', () => {
    expect(() => bidUtility({ value: 1, quality: 1.5, urgency: 1 })).toThrow(/quality/);
    expect(() => bidUtility({ value: -1, quality: 1, urgency: 1 })).toThrow(/value/);
    expect(() => bidUtility({ value: 1, quality: 1, urgency: 1, delayPenalty: -1 })).toThrow(/penalty/);
  });

  it('never decreases with value, quality or urgency, and never increases with the delay penalty', () => {
    fc.assert(
      fc.property(bidArb, fc.double({ min: 0, max: 100, noNaN: true }), (bid, more) => {
        const base = bidUtility(bid);
        expect(bidUtility({ ...bid, value: bid.value + more })).toBeGreaterThanOrEqual(base);
        expect(bidUtility({ ...bid, urgency: bid.urgency + more })).toBeGreaterThanOrEqual(base);
        expect(bidUtility({ ...bid, quality: Math.min(1, bid.quality + more / 100) })).toBeGreaterThanOrEqual(
          base,
        );
        expect(bidUtility({ ...bid, delayPenalty: (bid.delayPenalty ?? 0) + more })).toBeLessThanOrEqual(
          base,
        );
      }),
    );
  });
});

describe('winner selection', () => {
  it('gives the resource to the highest effective bid', () => {
    fc.assert(
      fc.property(
        bidsArb,
        fc.dictionary(fc.string({ maxLength: 4 }), fc.double({ min: 0, max: 50, noNaN: true })),
        (bids, boosts) => {
          const outcome = negotiate(bids, { boostOf: (id) => boosts[id] ?? 0 });
          const best = Math.max(...bids.map(({ agentId, bid }) => bidUtility(bid) + (boosts[agentId] ?? 0)));
          expect(outcome.ranked[0]?.effective).toBe(best);
          expect(outcome.winner).toBe(outcome.ranked[0]?.agentId);
        },
      ),
    );
  });

  it('does not depend on the order bids arrive in', () => {
    fc.assert(
      fc.property(bidsArb, fc.infiniteStream(fc.nat()), (bids, randoms) => {
        const shuffled = [...bids];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (randoms.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(rankBids(shuffled).map((bid) => bid.agentId)).toEqual(
          rankBids(bids).map((bid) => bid.agentId),
        );
      }),
    );
  });

  it('breaks an exact tie by agent id', () => {
    const bid = { value: 5, quality: 1, urgency: 1 };
    expect(
      negotiate([
        { agentId: 'zed', bid },
        { agentId: 'amy', bid },
      ]).winner,
    ).toBe('amy');
  });

  it('rejects an agent bidding twice', () => {
    const bid = { value: 5, quality: 1, urgency: 1 };
    expect(() =>
      rankBids([
        { agentId: 'a', bid },
        { agentId: 'a', bid },
      ]),
    ).toThrow(/twice/);
  });
});

describe('separation confidence', () => {
  it('is 0.5 on a tie, 1 for a lone bid, and grows with the margin', () => {
    expect(separationConfidence(10, 10, 0.1)).toBe(0.5);
    expect(separationConfidence(10, undefined, 0.1)).toBe(1);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1_000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (top, a, b) => {
          const [near, far] = a > b ? [a, b] : [b, a];
          const close = separationConfidence(top, top * near, 0.1);
          const wide = separationConfidence(top, top * far, 0.1);
          expect(close).toBeGreaterThanOrEqual(0.5);
          expect(wide).toBeLessThanOrEqual(1);
          expect(wide).toBeGreaterThanOrEqual(close - 1e-9);
        },
      ),
    );
  });

  it('uses an accurate normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 5);
  });
});

describe('compensation', () => {
  it('credits each loser rate × its effective bid and spends the participants’ boosts', () => {
    const ledger = new CompensationLedger({ rate: 0.5 }, { a: 4 });
    const granted = ledger.settle(
      [
        { agentId: 'a', effective: 14 },
        { agentId: 'b', effective: 8 },
      ],
      'a',
    );
    expect(granted).toEqual({ b: 4 });
    expect(ledger.snapshot()).toEqual({ b: 4 });
  });

  it('keeps a chronic loser’s effective bid below utility / (1 − rate)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (utility, rounds) => {
          const ledger = new CompensationLedger({ rate: 0.5 });
          for (let i = 0; i < rounds; i++) {
            const effective = utility + ledger.boostOf('loser');
            ledger.settle(
              [
                { agentId: 'winner', effective: 1e9 },
                { agentId: 'loser', effective },
              ],
              'winner',
            );
          }
          expect(utility + ledger.boostOf('loser')).toBeLessThanOrEqual(utility / 0.5 + 1e-6);
        },
      ),
    );
  });

  it('caps a boost', () => {
    const ledger = new CompensationLedger({ rate: 0.5, cap: 1 });
    ledger.settle(
      [
        { agentId: 'a', effective: 100 },
        { agentId: 'b', effective: 90 },
      ],
      'a',
    );
    expect(ledger.boostOf('b')).toBe(1);
  });
});
