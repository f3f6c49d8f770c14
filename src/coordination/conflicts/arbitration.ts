import { UserError } from '../../errors/index.js';
import { separationConfidence } from './negotiation.js';

/** A global objective the manager weighs tasks against, e.g. `{ name: 'revenue', weight: 3 }`. */
export interface Objective {
  name: string;
  weight: number;
}

export interface ArbitrationEntry {
  id: string;
  /** Criterion name → score in [0, 1]; a missing criterion scores 0. */
  criteria: Record<string, number>;
}

export interface ArbitrationOutcome {
  winner: string;
  /** The others, best score first: the order they are served in after the winner. */
  queue: string[];
  scores: Record<string, number>;
  confidence: number;
}

export interface ArbiterOptions {
  objectives: readonly Objective[];
  /** Relative error assumed on a score when judging how clear a win is. Default 0.1. */
  noise?: number;
}

/**
 * Hierarchical arbitration: a manager scores each contender's task against the global objectives (a weighted
 * mean of its criterion scores), gives the resource to the best and queues the rest by score.
 */
export class Arbiter {
  readonly objectives: readonly Objective[];
  readonly #noise: number;
  readonly #totalWeight: number;

  constructor(options: ArbiterOptions) {
    const names = new Set<string>();
    for (const { name, weight } of options.objectives) {
      if (!name || names.has(name) || !Number.isFinite(weight) || weight < 0)
        throw new UserError(
          'invalid_input',
          `Objective ${JSON.stringify(name)} is duplicated or badly weighted.`,
          {
            data: { name, weight },
          },
        );
      names.add(name);
    }
    this.#totalWeight = options.objectives.reduce((sum, objective) => sum + objective.weight, 0);
    if (!(this.#totalWeight > 0))
      throw new UserError('invalid_input', 'Arbitration needs objectives with a positive total weight.');
    this.objectives = options.objectives;
    this.#noise = options.noise ?? 0.1;
  }

  /** The weighted mean of the entry's criterion scores, in [0, 1]. */
  score(criteria: Record<string, number>): number {
    let sum = 0;
    for (const { name, weight } of this.objectives) {
      const value = criteria[name] ?? 0;
      if (!Number.isFinite(value) || value < 0 || value > 1)
        throw new UserError('invalid_input', `Criterion ${name} must score in [0, 1].`, {
          data: { name, value },
        });
      sum += weight * value;
    }
    return sum / this.#totalWeight;
  }

  arbitrate(entries: readonly ArbitrationEntry[]): ArbitrationOutcome {
    if (entries.length === 0)
      throw new UserError('invalid_input', 'Arbitration needs at least one contender.');
    const scored = entries
      .map((entry) => ({ id: entry.id, score: this.score(entry.criteria) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const [first, second] = scored;
    if (!first) throw new UserError('invalid_input', 'Arbitration needs at least one contender.');
    return {
      winner: first.id,
      queue: scored.slice(1).map((entry) => entry.id),
      scores: Object.fromEntries(scored.map((entry) => [entry.id, entry.score])),
      confidence: separationConfidence(first.score, second?.score, this.#noise),
    };
  }
}
