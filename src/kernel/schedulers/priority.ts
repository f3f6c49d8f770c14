import { ListScheduler, type QueuedItem } from './scheduler.js';

export const DEFAULT_AGING_MS = 1_000;

/**
 * Highest effective priority first, where waiting raises priority by one level per `agingMs`: a
 * low-priority syscall eventually outranks any fixed priority, so nothing starves.
 */
export class PriorityScheduler extends ListScheduler {
  readonly policy = 'priority' as const;
  readonly #agingMs: number;

  constructor(agingMs = DEFAULT_AGING_MS) {
    super();
    this.#agingMs = agingMs;
  }

  effectivePriority(item: QueuedItem, now: number): number {
    return item.priority + Math.max(0, now - item.enqueuedAt) / this.#agingMs;
  }

  dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    return this.takeBest(canRun, (candidate, best) => {
      const difference = this.effectivePriority(candidate, now) - this.effectivePriority(best, now);
      return difference > 0 || (difference === 0 && candidate.sequence < best.sequence);
    });
  }
}
