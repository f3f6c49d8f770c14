import { takeAt, type QueuedItem, type Scheduler } from './scheduler.js';

export const DEFAULT_AGING_MS = 1_000;

/**
 * Highest effective priority first, where waiting raises priority by one level per `agingMs`: a
 * low-priority syscall eventually outranks any fixed priority, so nothing starves.
 */
export class PriorityScheduler implements Scheduler {
  readonly policy = 'priority' as const;
  readonly #items: QueuedItem[] = [];
  readonly #agingMs: number;

  constructor(agingMs = DEFAULT_AGING_MS) {
    this.#agingMs = agingMs;
  }

  get size(): number {
    return this.#items.length;
  }

  enqueue(item: QueuedItem): void {
    this.#items.push(item);
  }

  effectivePriority(item: QueuedItem, now: number): number {
    return item.priority + Math.max(0, now - item.enqueuedAt) / this.#agingMs;
  }

  dequeue(now: number, canRun?: (item: QueuedItem) => boolean): QueuedItem | undefined {
    let best = -1;
    let bestScore = -Infinity;
    let bestSequence = Infinity;
    this.#items.forEach((item, index) => {
      if (canRun && !canRun(item)) return;
      const score = this.effectivePriority(item, now);
      if (score > bestScore || (score === bestScore && item.sequence < bestSequence)) {
        best = index;
        bestScore = score;
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

  recordService(): void {}

  forgetAgent(): void {}
}
