import { UserError } from '../../errors/index.js';
import type { BidInput } from './types.js';

function check(ok: boolean, message: string, data: Record<string, unknown>): void {
  if (!ok) throw new UserError('invalid_input', message, { data });
}

/** value × quality × urgency − delayPenalty: what the resource is worth to the bidder's current task. */
export function bidUtility(bid: BidInput): number {
  const { value, quality, urgency, delayPenalty = 0 } = bid;
  check(Number.isFinite(value) && value >= 0, 'A bid value must be a finite number >= 0.', { value });
  check(Number.isFinite(quality) && quality >= 0 && quality <= 1, 'A bid quality must be in [0, 1].', {
    quality,
  });
  check(Number.isFinite(urgency) && urgency >= 0, 'A bid urgency must be a finite number >= 0.', { urgency });
  check(Number.isFinite(delayPenalty) && delayPenalty >= 0, 'A delay penalty must be a finite number >= 0.', {
    delayPenalty,
  });
  return value * quality * urgency - delayPenalty;
}

export interface RankedBid {
  agentId: string;
  /** The bid's own utility. */
  utility: number;
  /** Compensation from earlier losses, added on top. */
  boost: number;
  effective: number;
}

/**
 * Orders bids by effective utility (utility + boost), highest first. Ties go to the lexicographically
 * smaller agent id, so the outcome never depends on the order the bids arrived in.
 */
export function rankBids(
  bids: ReadonlyArray<{ agentId: string; bid: BidInput }>,
  boostOf: (agentId: string) => number = () => 0,
): RankedBid[] {
  const seen = new Set<string>();
  for (const { agentId } of bids) {
    check(!seen.has(agentId), `Agent ${agentId} bid twice in one negotiation.`, { agentId });
    seen.add(agentId);
  }
  return bids
    .map(({ agentId, bid }) => {
      const utility = bidUtility(bid);
      const boost = boostOf(agentId);
      return { agentId, utility, boost, effective: utility + boost };
    })
    .sort(
      (a, b) => b.effective - a.effective || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0),
    );
}

/** The standard normal CDF (Abramowitz–Stegun 7.1.26; error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * How sure we are that `top` really beats `second` when each score is an estimate off by a normally
 * distributed relative error with standard deviation `noise`: P(top' > second'). 0.5 for a tie, → 1 as
 * the margin grows past the noise. With noise 0.1 a 15% margin gives about 0.85.
 */
export function separationConfidence(top: number, second: number | undefined, noise: number): number {
  if (second === undefined) return 1;
  const margin = top - second;
  if (margin <= 0) return 0.5;
  const spread = noise * Math.hypot(top, second);
  if (spread === 0) return 1;
  return normalCdf(margin / spread);
}

export interface CompensationOptions {
  /** A loser's boost for next time: rate × its effective bid. Default 0.5. */
  rate?: number;
  /** Upper bound on one agent's boost. Default Infinity. */
  cap?: number;
}

/**
 * Priority boosts owed to agents that lost negotiations. A loser is owed rate × its effective bid; the boost
 * is added to its next bid and spent there, win or lose (a loser earns a new one), so a chronic loser's
 * effective bid tends to utility / (1 − rate). Kept in the resolver; `snapshot()`/the constructor carry it
 * across restarts.
 */
export class CompensationLedger {
  readonly rate: number;
  readonly cap: number;
  readonly #boosts = new Map<string, number>();

  constructor(options: CompensationOptions = {}, initial: Record<string, number> = {}) {
    this.rate = options.rate ?? 0.5;
    this.cap = options.cap ?? Infinity;
    check(this.rate >= 0 && this.rate < 1, 'The compensation rate must be in [0, 1).', { rate: this.rate });
    check(this.cap >= 0, 'The compensation cap must be >= 0.', { cap: this.cap });
    for (const [agentId, boost] of Object.entries(initial)) if (boost > 0) this.#boosts.set(agentId, boost);
  }

  boostOf(agentId: string): number {
    return this.#boosts.get(agentId) ?? 0;
  }

  /** Spends the participants' boosts and credits the losers; returns what each loser was granted. */
  settle(
    ranked: ReadonlyArray<{ agentId: string; effective: number }>,
    winner: string,
  ): Record<string, number> {
    const granted: Record<string, number> = {};
    for (const bid of ranked) {
      this.#boosts.delete(bid.agentId);
      if (bid.agentId === winner) continue;
      const amount = Math.min(this.cap, this.rate * Math.max(0, bid.effective));
      if (amount > 0) {
        this.#boosts.set(bid.agentId, amount);
        granted[bid.agentId] = amount;
      }
    }
    return granted;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#boosts);
  }
}

export interface NegotiationOutcome {
  winner: string;
  ranked: RankedBid[];
  confidence: number;
}

/** The highest effective bid wins; confidence is its separation from the runner-up. Does not settle. */
export function negotiate(
  bids: ReadonlyArray<{ agentId: string; bid: BidInput }>,
  options: { boostOf?: (agentId: string) => number; noise?: number } = {},
): NegotiationOutcome {
  check(bids.length > 0, 'A negotiation needs at least one bid.', {});
  const ranked = rankBids(bids, options.boostOf);
  const [first, second] = ranked;
  if (!first) throw new UserError('invalid_input', 'A negotiation needs at least one bid.');
  return {
    winner: first.agentId,
    ranked,
    confidence: separationConfidence(first.effective, second?.effective, options.noise ?? 0.1),
  };
}
