/**
 * Who hands work to whom. A handoff `from → to` counts once for the ordered pair, and is one interaction of
 * the agent that received it: an agent's interactions are the pieces of work it did, whoever handed them
 * over (the orchestrator or a peer). Two agents' collaborations are their handoffs in either direction.
 *
 * Counting received work, not both ends of a handoff, is what makes "collaborates in more than 80% of its
 * interactions" measurable: in a goal that goes orchestrator → A → B, A and B each did one piece of work
 * and that work was joint, so both are at 100%; a goal A handles alone adds an interaction to A only.
 */
export class CollaborationMatrix {
  readonly #pairs = new Map<string, Map<string, number>>();
  readonly #interactions = new Map<string, number>();

  record(from: string, to: string): void {
    const row = this.#pairs.get(from) ?? new Map<string, number>();
    row.set(to, (row.get(to) ?? 0) + 1);
    this.#pairs.set(from, row);
    this.#interactions.set(to, (this.#interactions.get(to) ?? 0) + 1);
  }

  /** Handoffs from `from` to `to` (ordered). */
  count(from: string, to: string): number {
    return this.#pairs.get(from)?.get(to) ?? 0;
  }

  /** Handoffs between the two, in either direction. */
  collaborations(a: string, b: string): number {
    return this.count(a, b) + this.count(b, a);
  }

  /** Pieces of work the agent received. */
  interactions(agent: string): number {
    return this.#interactions.get(agent) ?? 0;
  }

  /** The share of `agent`'s interactions that were joint with `other` (0 without interactions). */
  share(agent: string, other: string): number {
    const interactions = this.interactions(agent);
    return interactions === 0 ? 0 : this.collaborations(agent, other) / interactions;
  }

  /** Every ordered pair with its count, and every agent's interactions: a copy, safe to keep. */
  snapshot(): {
    pairs: Array<{ from: string; to: string; count: number }>;
    interactions: Record<string, number>;
  } {
    const pairs = [...this.#pairs].flatMap(([from, row]) =>
      [...row].map(([to, count]) => ({ from, to, count })),
    );
    return { pairs, interactions: Object.fromEntries(this.#interactions) };
  }
}
