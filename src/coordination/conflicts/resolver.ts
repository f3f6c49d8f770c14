import { UserError } from '../../errors/index.js';
import type { Arbiter } from './arbitration.js';
import { canonicalValue, ConflictDetector, type ConflictSnapshot } from './detect.js';
import {
  MemoryEscalationQueue,
  type Escalation,
  type EscalationQueue,
  type HumanDecision,
} from './escalation.js';
import { ConflictMetricsRecorder, type ConflictMetrics } from './metrics.js';
import {
  CompensationLedger,
  negotiate,
  separationConfidence,
  type CompensationOptions,
} from './negotiation.js';
import type { Conflict, Contender, InformationConflict, Proposal, Resolution } from './types.js';

export interface ConflictResolverOptions {
  /** The manager: when set, conflicts whose contenders all carry criteria are arbitrated. */
  arbiter?: Arbiter;
  /** Where low-confidence resolutions wait for a person. Default an in-memory queue (lost on restart). */
  queue?: EscalationQueue;
  /** Escalate a proposal whose confidence is below this. Default 0.8. */
  threshold?: number;
  /** Called once an escalation is stored; an error it throws reaches the caller, the escalation stays. */
  onEscalate?: (escalation: Escalation) => void | Promise<void>;
  /** Called with every final resolution, autonomous or human. */
  onResolved?: (resolution: Resolution) => void;
  compensation?: CompensationOptions;
  /** Boosts owed from a previous run (`resolver.compensationState()`). */
  compensationState?: Record<string, number>;
  /** Relative error assumed on bids and belief weights when judging how clear a win is. Default 0.1. */
  noise?: number;
  detector?: ConflictDetector;
  now?: () => number;
}

export type ResolveOutcome =
  { status: 'resolved'; resolution: Resolution } | { status: 'escalated'; escalation: Escalation };

export interface ResolveOptions {
  /** How urgent a person's attention is, if it escalates. Default the highest contender bid urgency, else 1. */
  urgency?: number;
}

/** A priority conflict is between tasks, so its contenders are keyed by task id; the others by agent id. */
function contenderId(conflict: Conflict, contender: Contender): string {
  if (conflict.type !== 'priority') return contender.agentId;
  if (contender.taskId === undefined)
    throw new UserError('invalid_input', 'Contenders in a priority conflict need a taskId.', {
      data: { conflictId: conflict.id, agentId: contender.agentId },
    });
  return contender.taskId;
}

function expectedIds(conflict: Conflict): string[] {
  return conflict.type === 'priority' ? conflict.claims.map((claim) => claim.taskId) : conflict.parties;
}

/**
 * Detect → choose a strategy → record. Resource, goal and priority conflicts go to hierarchical arbitration
 * when a manager is configured and every contender carries criteria, else to negotiation by bids (losers are
 * compensated with a boost on their next bid); information conflicts are settled by the weight of evidence.
 * A proposal below the confidence threshold is escalated to a person instead of applied.
 */
export class ConflictResolver {
  readonly detector: ConflictDetector;
  readonly #arbiter: Arbiter | undefined;
  readonly #queue: EscalationQueue;
  readonly #threshold: number;
  readonly #ledger: CompensationLedger;
  readonly #noise: number;
  readonly #now: () => number;
  readonly #metrics = new ConflictMetricsRecorder();
  readonly #options: ConflictResolverOptions;

  constructor(options: ConflictResolverOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.detector = options.detector ?? new ConflictDetector({ now: this.#now });
    this.#arbiter = options.arbiter;
    this.#queue = options.queue ?? new MemoryEscalationQueue();
    this.#threshold = options.threshold ?? 0.8;
    this.#noise = options.noise ?? 0.1;
    this.#ledger = new CompensationLedger(options.compensation, options.compensationState);
    if (!(this.#threshold >= 0 && this.#threshold <= 1))
      throw new UserError('invalid_input', 'The escalation threshold must be in [0, 1].', {
        data: { threshold: this.#threshold },
      });
  }

  get queue(): EscalationQueue {
    return this.#queue;
  }

  /** The boost an agent's next bid gets. */
  boostOf(agentId: string): number {
    return this.#ledger.boostOf(agentId);
  }

  compensationState(): Record<string, number> {
    return this.#ledger.snapshot();
  }

  metrics(): ConflictMetrics {
    return this.#metrics.snapshot();
  }

  prometheus(): string {
    return this.#metrics.toPrometheus();
  }

  /** Detects the snapshot's conflicts and resolves each with the contenders `contenders(conflict)` names. */
  async detectAndResolve(
    snapshot: ConflictSnapshot,
    contenders: (conflict: Conflict) => readonly Contender[] = () => [],
  ): Promise<Array<{ conflict: Conflict } & ResolveOutcome>> {
    const out: Array<{ conflict: Conflict } & ResolveOutcome> = [];
    for (const conflict of this.detector.detect(snapshot)) {
      out.push({ conflict, ...(await this.resolve(conflict, contenders(conflict))) });
    }
    return out;
  }

  /** What the strategies propose for a conflict, without recording or applying anything. */
  propose(conflict: Conflict, contenders: readonly Contender[] = []): Proposal {
    if (conflict.type === 'information') return this.#weighEvidence(conflict);
    const ids = contenders.map((contender) => contenderId(conflict, contender));
    const expected = new Set(expectedIds(conflict));
    const missing = [...expected].filter((id) => !ids.includes(id));
    const extra = ids.filter((id) => !expected.has(id));
    if (missing.length > 0 || extra.length > 0 || new Set(ids).size !== ids.length)
      throw new UserError(
        'invalid_input',
        `The contenders do not match the parties of conflict ${conflict.id}.`,
        {
          data: { conflictId: conflict.id, missing, extra },
        },
      );
    const value = (winner: string): Record<string, unknown> => {
      if (conflict.type !== 'goal') return {};
      return { value: conflict.goals.find((goal) => goal.agentId === winner)?.desiredState };
    };
    if (this.#arbiter && contenders.every((contender) => contender.criteria)) {
      const outcome = this.#arbiter.arbitrate(
        contenders.map((contender, i) => ({ id: ids[i] ?? '', criteria: contender.criteria ?? {} })),
      );
      return { strategy: 'arbitration', ...outcome, ...value(outcome.winner) };
    }
    const bids = contenders.map((contender, i) => {
      if (!contender.bid)
        throw new UserError(
          'invalid_input',
          `Contender ${ids[i]} has no bid, and no manager can arbitrate.`,
          {
            data: { conflictId: conflict.id, contender: ids[i] },
          },
        );
      return { agentId: ids[i] ?? '', bid: contender.bid };
    });
    const outcome = negotiate(bids, { boostOf: (id) => this.#ledger.boostOf(id), noise: this.#noise });
    return {
      strategy: 'negotiation',
      winner: outcome.winner,
      queue: outcome.ranked.slice(1).map((bid) => bid.agentId),
      scores: Object.fromEntries(outcome.ranked.map((bid) => [bid.agentId, bid.effective])),
      confidence: outcome.confidence,
      ...value(outcome.winner),
    };
  }

  /** Each distinct value weighs the summed confidence of the beliefs holding it; the heaviest stands. */
  #weighEvidence(conflict: InformationConflict): Proposal {
    const values = new Map<
      string,
      { value: unknown; weight: number; best: { agentId: string; c: number } }
    >();
    for (const belief of conflict.beliefs) {
      const c = belief.confidence ?? 0.5;
      if (!Number.isFinite(c) || c < 0 || c > 1)
        throw new UserError('invalid_input', 'A belief confidence must be in [0, 1].', {
          data: { ...belief },
        });
      const key = canonicalValue(belief.value);
      const entry = values.get(key) ?? {
        value: belief.value,
        weight: 0,
        best: { agentId: belief.agentId, c },
      };
      entry.weight += c;
      if (c > entry.best.c || (c === entry.best.c && belief.agentId < entry.best.agentId))
        entry.best = { agentId: belief.agentId, c };
      values.set(key, entry);
    }
    const ranked = [...values.values()].sort(
      (a, b) => b.weight - a.weight || (a.best.agentId < b.best.agentId ? -1 : 1),
    );
    const [first, second] = ranked;
    if (!first) throw new UserError('invalid_input', `Information conflict ${conflict.id} has no beliefs.`);
    const scores: Record<string, number> = {};
    for (const belief of conflict.beliefs) {
      scores[belief.agentId] = Math.max(
        scores[belief.agentId] ?? 0,
        values.get(canonicalValue(belief.value))?.weight ?? 0,
      );
    }
    return {
      strategy: 'evidence',
      winner: first.best.agentId,
      queue: conflict.parties.filter((party) => party !== first.best.agentId),
      scores,
      confidence: separationConfidence(first.weight, second?.weight, this.#noise),
      value: first.value,
    };
  }

  /** Resolves one conflict: applies the proposal when confident enough, else escalates it. */
  async resolve(
    conflict: Conflict,
    contenders: readonly Contender[] = [],
    options: ResolveOptions = {},
  ): Promise<ResolveOutcome> {
    const proposal = this.propose(conflict, contenders);
    this.#metrics.detected(conflict.type);
    if (proposal.confidence >= this.#threshold) {
      return { status: 'resolved', resolution: this.#finish(conflict, proposal, 'resolver') };
    }
    const urgency =
      options.urgency ?? Math.max(1, ...contenders.map((contender) => contender.bid?.urgency ?? 1));
    const escalation = await this.#queue.enqueue({
      conflict,
      proposal,
      confidence: proposal.confidence,
      urgency,
    });
    this.#metrics.escalated();
    await this.#options.onEscalate?.(escalation);
    return { status: 'escalated', escalation };
  }

  /** Applies a person's decision on an escalated conflict and records it. */
  async decide(escalationId: string, decision: HumanDecision): Promise<Resolution> {
    const pending = await this.#queue.get(escalationId);
    const { proposal, conflict } = pending;
    const allowed = [proposal.winner, ...proposal.queue];
    if (!allowed.includes(decision.winner))
      throw new UserError(
        'invalid_input',
        `${decision.winner} is not a contender in conflict ${conflict.id}.`,
        {
          data: { escalationId, winner: decision.winner, contenders: allowed },
        },
      );
    const decided = await this.#queue.decide(escalationId, decision);
    const final: Proposal = {
      ...proposal,
      winner: decision.winner,
      queue: decision.queue ?? allowed.filter((id) => id !== decision.winner),
      confidence: 1,
    };
    if (decision.value !== undefined) final.value = decision.value;
    else if (conflict.type === 'goal')
      final.value = conflict.goals.find((goal) => goal.agentId === decision.winner)?.desiredState;
    return this.#finish(decided.conflict, final, 'human');
  }

  #finish(conflict: Conflict, proposal: Proposal, by: 'resolver' | 'human'): Resolution {
    const compensation =
      proposal.strategy === 'negotiation'
        ? this.#ledger.settle(
            Object.entries(proposal.scores).map(([agentId, effective]) => ({ agentId, effective })),
            proposal.winner,
          )
        : {};
    const resolvedAt = this.#now();
    const resolution: Resolution = {
      conflictId: conflict.id,
      type: conflict.type,
      decidedBy: by,
      strategy: by === 'human' ? 'human' : proposal.strategy,
      winner: proposal.winner,
      queue: proposal.queue,
      confidence: proposal.confidence,
      compensation,
      resolvedAt,
    };
    if (proposal.value !== undefined) resolution.value = proposal.value;
    this.#metrics.resolved(resolution.strategy, resolvedAt - conflict.detectedAt);
    this.#options.onResolved?.(resolution);
    return resolution;
  }
}
