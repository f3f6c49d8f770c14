import { ListScheduler, type QueuedItem } from './scheduler.js';

export const DEFAULT_STARVATION_MS = 30_000;

/**
 * Program-aware scheduling after Autellix (NSDI '26): the next syscall belongs to the agent that has so far
 * received the least LLM service (slot time of its finished and preempted calls). Short, interactive agents
 * therefore overtake long-running ones instead of queueing behind them, without knowing any program's length
 * in advance. A syscall that has waited longer than `starvationMs` goes first, so long agents still progress.
 */
export class LeastAttainedServiceScheduler extends ListScheduler {
  readonly policy = 'las' as const;
  readonly #attained = new Map<string, number>();
  readonly #starvationMs: number;

  constructor(starvationMs = DEFAULT_STARVATION_MS) {
    super();
    this.#starvationMs = starvationMs;
  }

  attainedService(agentId: string): number {
    return this.#attained.get(agentId) ?? 0;
  }

  dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    const starved = (item: QueuedItem): boolean => now - item.enqueuedAt >= this.#starvationMs;
    return this.takeBest(canRun, (candidate, best) => {
      const candidateStarved = starved(candidate);
      if (candidateStarved !== starved(best)) return candidateStarved;
      if (candidateStarved) return candidate.sequence < best.sequence;
      const difference = this.attainedService(candidate.agentId) - this.attainedService(best.agentId);
      return difference < 0 || (difference === 0 && candidate.sequence < best.sequence);
    });
  }

  override recordService(agentId: string, serviceMs: number): void {
    this.#attained.set(agentId, this.attainedService(agentId) + Math.max(0, serviceMs));
  }

  override forgetAgent(agentId: string): void {
    this.#attained.delete(agentId);
  }
}
