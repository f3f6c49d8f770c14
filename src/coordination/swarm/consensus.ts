import { UserError } from '../../errors/index.js';
import { invalid, mapLimit, positiveInteger, seededRandom } from './support.js';

/** An agent's belief about a claim: a value (e.g. the probability it is true) and how sure the agent is. */
export interface Belief {
  value: number;
  /** In [0, 1]; 0 means the belief carries no weight. */
  confidence: number;
}

/**
 * One consensus update: the confidence-weighted average of the beliefs. The value is Σcᵢvᵢ / Σcᵢ, so a
 * confident agent pulls harder; the confidence is Σcᵢ² / Σcᵢ, the same weighted average applied to the
 * confidences, so hearing confident peers raises an agent's confidence and hearing unsure ones lowers it.
 * Both are convex combinations, so they never leave [min, max] of their inputs. When every confidence is 0
 * nobody outweighs anybody: the value is the plain mean and the confidence stays 0.
 */
export function mergeBeliefs(beliefs: readonly Belief[]): Belief {
  if (beliefs.length === 0) invalid('beliefs', 'Cannot merge an empty list of beliefs.');
  let weight = 0;
  let value = 0;
  let confidence = 0;
  for (const belief of beliefs) {
    weight += belief.confidence;
    value += belief.confidence * belief.value;
    confidence += belief.confidence * belief.confidence;
  }
  if (weight === 0) {
    return { value: beliefs.reduce((sum, belief) => sum + belief.value, 0) / beliefs.length, confidence: 0 };
  }
  return {
    value: clampInto(value / weight, beliefs, 'value'),
    confidence: clampInto(confidence / weight, beliefs, 'confidence'),
  };
}

/** Rounding can put a weighted mean one ulp outside its inputs; the convexity guarantee is kept exactly. */
function clampInto(x: number, beliefs: readonly Belief[], key: keyof Belief): number {
  let min = Infinity;
  let max = -Infinity;
  for (const belief of beliefs) {
    min = Math.min(min, belief[key]);
    max = Math.max(max, belief[key]);
  }
  return Math.min(max, Math.max(min, x));
}

export interface ConsensusOptions<C> {
  claim: C;
  /** How many agents, or their names (default names `verifier-1`, ...). */
  agents: number | readonly string[];
  /**
   * Each agent's independent verification (e.g. a model call). `random` is seeded per agent from `seed`, so
   * a simulated verifier draws the same noise however the calls interleave.
   */
  verify: (agent: string, claim: C, context: { index: number; random: () => number }) => Promise<Belief>;
  /**
   * Peers whose beliefs each agent hears per round, drawn afresh every round (default: all others). Fewer
   * peers is gossip: cheaper rounds, more of them.
   */
  peers?: number;
  /** Stop when no agent's value moves more than this in a round (default 0.001). */
  tolerance?: number;
  /** Stop after this many exchange rounds even if not converged (default 50). */
  maxRounds?: number;
  /** Verifications in flight at once (default 8). */
  concurrency?: number;
  seed?: number;
}

export interface ConsensusResult {
  /** The confidence-weighted mean of the final beliefs (their plain mean if no one is confident). */
  belief: number;
  /** The mean final confidence. */
  confidence: number;
  /** Exchange rounds run (0 only with a single agent, which has nobody to talk to). */
  rounds: number;
  /** Whether the last round moved no value by more than the tolerance. */
  converged: boolean;
  /** max − min of the final values: how far apart the agents still are. */
  spread: number;
  agents: string[];
  initial: Belief[];
  final: Belief[];
  /** The largest change of any agent's value, per round. */
  changes: number[];
}

/**
 * Agents verify a claim independently, then exchange beliefs in rounds: each agent merges its belief with
 * those of its peers (mergeBeliefs), all at once from the previous round's beliefs, until the largest change
 * is below the tolerance or the round limit is reached. Given the same seed and verifier it is deterministic.
 */
export async function reachConsensus<C>(options: ConsensusOptions<C>): Promise<ConsensusResult> {
  const agents =
    typeof options.agents === 'number'
      ? Array.from({ length: positiveInteger('agents', options.agents, 1) }, (_, i) => `verifier-${i + 1}`)
      : [...options.agents];
  if (agents.length === 0) invalid('agents', 'Consensus needs at least one agent.');
  const maxRounds = positiveInteger('maxRounds', options.maxRounds, 50);
  const concurrency = positiveInteger('concurrency', options.concurrency, 8);
  const peers = Math.min(
    positiveInteger('peers', options.peers, Math.max(1, agents.length - 1)),
    agents.length - 1,
  );
  const tolerance = options.tolerance ?? 1e-3;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    invalid('tolerance', `tolerance must be a finite number ≥ 0, not ${tolerance}.`);
  }
  const seed = options.seed ?? 1;

  const initial = await mapLimit(agents, concurrency, async (agent, index) =>
    checkBelief(
      agent,
      await options.verify(agent, options.claim, { index, random: seededRandom(seed * 104_729 + index) }),
    ),
  );

  const random = seededRandom(seed);
  let beliefs = initial;
  const changes: number[] = [];
  let converged = agents.length === 1;
  while (!converged && changes.length < maxRounds) {
    const next = beliefs.map((own, index) =>
      mergeBeliefs([own, ...pickPeers(beliefs, index, peers, random)]),
    );
    const change = Math.max(
      ...next.map((belief, index) => Math.abs(belief.value - (beliefs[index]?.value ?? 0))),
    );
    changes.push(change);
    beliefs = next;
    converged = change <= tolerance;
  }

  const merged = mergeBeliefs(beliefs);
  const values = beliefs.map((belief) => belief.value);
  return {
    belief: merged.value,
    confidence: beliefs.reduce((sum, belief) => sum + belief.confidence, 0) / beliefs.length,
    rounds: changes.length,
    converged,
    spread: Math.max(...values) - Math.min(...values),
    agents,
    initial,
    final: beliefs,
    changes,
  };
}

/** `count` distinct peers of agent `self`, uniformly (all of them when count covers everyone). */
function pickPeers(beliefs: readonly Belief[], self: number, count: number, random: () => number): Belief[] {
  const others = beliefs.filter((_, index) => index !== self);
  if (count >= others.length) return others;
  // Partial Fisher-Yates: only the first `count` places are shuffled.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (others.length - i));
    [others[i], others[j]] = [others[j] as Belief, others[i] as Belief];
  }
  return others.slice(0, count);
}

function checkBelief(agent: string, belief: Belief): Belief {
  const { value, confidence } = belief ?? {};
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new UserError(
      'invalid_input',
      `Verifier ${agent} returned a belief whose value is not a finite number.`,
      {
        data: { field: 'value', agent },
      },
    );
  }
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
    throw new UserError(
      'invalid_input',
      `Verifier ${agent} returned a confidence outside [0, 1]: ${confidence}.`,
      {
        data: { field: 'confidence', agent },
      },
    );
  }
  return { value, confidence };
}
