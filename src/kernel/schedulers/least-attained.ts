import { takeAt, type QueuedItem, type Scheduler } from './scheduler.js';

export const DEFAULT_STARVATION_MS = 30_000;

/**
 * Program-aware scheduling after Autellix (NSDI '26): the next syscall belongs to the agent that has so far
 * received the least LLM service (slot time of its finished and preempted calls). Short, interactive agents
 * therefore overtake long-running ones instead of queueing behind them, without knowing any program's length
 * in advance. A syscall that has waited longer than `starvationMs` goes first, so long agents still progress.
 */
export class LeastAttainedServiceScheduler implements Scheduler {
  readonly policy = 'las' as const;
  readonly #items: QueuedItem[] = [];
  readonly #attained = new Map<string, number>();
  readonly #starvationMs: number;

  constructor(starvationMs = DEFAULT_STARVATION_MS) {
    this.#starvationMs = starvationMs;
  }

  get size(): number {
    return this.#items.length;
  }

  attainedService(agentId: string): number {
    return this.#attained.get(agentId) ?? 0;
  }

  enqueue(item: QueuedItem): void {
    this.#items.push(item);
  }

  dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    let best = -1;
    let bestStarved = false;
    let bestService = Infinity;
    let bestSequence = Infinity;
    this.#items.forEach((item, index) => {
      if (canRun && !canRun(item)) return;
      const starved = now - item.enqueuedAt >= this.#starvationMs;
      const service = this.attainedService(item.agentId);
      const better =
        starved !== bestStarved
          ? starved
          : starved
            ? item.sequence < bestSequence
            : service < bestService || (service === bestService && item.sequence < bestSequence);
      if (best < 0 || better) {
        best = index;
        bestStarved = starved;
        bestService = service;
        bestSequence = item.sequence;
      }
    });
    return best < 0 ? undefined : takeAt(this.#items, best);
  }

  remove(id: string): boolean {
    const index = this.#items.findIndex((item) => item.id === id);
    if (index < 0) return false;
    this.#items.splice(index, 1);
    return true;
  }

  recordService(agentId: string, serviceMs: number): void {
    this.#attained.set(agentId, this.attainedService(agentId) + Math.max(0, serviceMs));
  }

  forgetAgent(agentId: string): void {
    this.#attained.delete(agentId);
  }
}
